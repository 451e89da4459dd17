"""Assisted participation: registering on a resident's behalf, handing over access,
resets after an identity check, assisted attempts, and the log of all of it."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, Attempt, AuditLog, Registration, Role
from cdso.services.accounts import assisted
from cdso.services.quiz import attempts as quiz
from cdso.services.accounts.registration import NewParticipant
from tests import factories
from tests import test_quiz_support as support


def new_person(phone="0912000001", unit_name="Phường Gia Viên", **changes) -> NewParticipant:
    values = dict(full_name="Trần Thị Bình", birth_date=dt.date(1950, 3, 5), gender="nu",
                  phone=phone, cccd=None, unit_id=factories.unit(unit_name).id,
                  organisation_id=None, group="nguoi_dan", password="binh-mat-khau")
    values.update(changes)
    return NewParticipant(**values)


@pytest.fixture
def member(app):
    return factories.make_official(Role.TEAM_MEMBER, unit_name="Phường Gia Viên")


@pytest.fixture
def web(app):
    return support.browser(app)


def actions(name: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == name)
                                   .order_by(AuditLog.id)))


def reset_request(**changes) -> assisted.ResetRequest:
    values = dict(reason="Quên mật khẩu, đến nhờ tại nhà văn hoá", identity_checked=True,
                  birth_date="05/03/1950", cccd="", new_password="", new_password2="",
                  output="screen")
    values.update(changes)
    return assisted.ResetRequest(**values)


def test_registration_on_behalf_records_consent_and_helper(app, contest, member):
    reg = assisted.register_resident(contest, new_person(), member, own_password=True)
    db.session.commit()
    account = reg.account
    assert reg.assisted_by_id == member.id and account.consent_in_person_by_id == member.id
    assert account.created_by_id == member.id and account.check_password("binh-mat-khau")
    assert not account.must_change_password
    log = actions("assisted.register")[0]
    assert (log.actor_id, log.target_id) == (member.id, account.id)
    assert log.detail == {"consent": "in_person", "contest_id": contest.id,
                          "access": "own_password"}


def test_one_time_password_hand_over_then_only_resets(app, contest, member):
    reg = assisted.register_resident(contest, new_person(), member, own_password=False)
    db.session.commit()
    resident = reg.account
    other = factories.make_official(Role.TEAM_MEMBER, unit_name="Phường Gia Viên")
    assert not resident.check_password("binh-mat-khau")  # nothing usable yet
    assert assisted.may_hand_over(resident, member) and not assisted.may_hand_over(resident, other)
    version = resident.session_version
    password = assisted.hand_over(resident, member, output="pdf")
    db.session.commit()
    assert re.fullmatch(r"[a-hjkmnp-z2-9]{10}", password) and resident.check_password(password)
    assert resident.must_change_password and resident.session_version == version + 1
    with pytest.raises(PermissionError):
        assisted.hand_over(resident, member, output="screen")
    assert actions("assisted.hand_over")[0].detail == {"output": "pdf"}


def test_reset_needs_identity_matching_data_and_a_reason(app, contest, member):
    resident = factories.make_participant(contest, phone="0912000002", cccd="031050001234")
    resident.birth_date = dt.date(1950, 3, 5)
    db.session.commit()
    errors = assisted.check_reset(resident, reset_request(
        identity_checked=False, birth_date="06/03/1950", cccd="031050009999", reason="quên"))
    assert set(errors) == {"identity_checked", "birth_date", "cccd", "reason"}
    errors = assisted.check_reset(resident, reset_request(
        cccd="0310 5000 1234", new_password="abc", new_password2="abc"))
    assert set(errors) == {"new_password"}
    typed = reset_request(cccd="031050001234", new_password="mat-khau-moi-1",
                          new_password2="mat-khau-moi-1")
    assert assisted.check_reset(resident, typed) == {}
    version = resident.session_version
    assert assisted.reset_password(resident, member, typed) is None
    db.session.commit()
    assert resident.check_password("mat-khau-moi-1") and resident.session_version == version + 1
    one_time = assisted.reset_password(resident, member, reset_request(cccd="031050001234"))
    assert resident.check_password(one_time) and resident.must_change_password
    logs = actions("assisted.password_reset")
    assert [log.detail["kind"] for log in logs] == ["own_password", "one_time_password"]
    assert logs[0].detail["reason"] == "Quên mật khẩu, đến nhờ tại nhà văn hoá"
    assert logs[0].detail["checked"] == ["identity_document", "birth_date", "cccd"]


def test_assisted_counts_per_member_for_the_ward_dashboard(app, contest, member):
    other = factories.make_official(Role.TEAM_MEMBER, unit_name="Phường Gia Viên")
    for index, helper in enumerate([member, other, other]):
        assisted.register_resident(contest, new_person(phone=f"091200001{index}"), helper,
                                   own_password=True)
    assisted.register_resident(contest, new_person(phone="0912000019", unit_name="Phường Lê Chân"),
                               member, own_password=True)
    factories.make_participant(contest, phone="0912000020")  # registered alone
    db.session.commit()
    from cdso.formatting import utcnow
    from cdso.services.figures import dashboard
    rows = dashboard.team_members(contest, factories.unit("Phường Gia Viên"), utcnow())
    assert {(row.account.id, row.registered) for row in rows} == {(other.id, 2), (member.id, 1)}


def test_assisted_attempt_is_recorded_and_refused_before_a_password(app, contest, member):
    waiting = assisted.register_resident(contest, new_person(), member, own_password=False).account
    with pytest.raises(quiz.QuizRefused, match="chưa tự đặt mật khẩu"):
        assisted.start_assisted_attempt(contest, waiting, member)
    resident = factories.make_participant(contest, phone="0912000003")
    attempt = assisted.start_assisted_attempt(contest, resident, member)
    db.session.commit()
    assert attempt.account_id == resident.id and attempt.assisted_by_id == member.id
    assert actions("assisted.attempt_start")[0].detail == {"attempt_id": attempt.id, "number": 1}


# --- the pages -------------------------------------------------------------------------------

def test_only_team_members_and_clerks_of_the_unit(web, contest, member):
    assert web.get("/ho-tro/").status_code == 302
    support.login(web, factories.make_participant(contest, phone="0912000004"))
    assert web.get("/ho-tro/").status_code == 404


def test_foreign_residents_answer_404(web, contest, member):
    foreign = factories.make_participant(contest, phone="0912000005", unit_name="Phường Lê Chân")
    support.login(web, member)
    assert web.get("/ho-tro/").status_code == 200
    token = support.token(web, "/ho-tro/")
    assert web.get(f"/ho-tro/nguoi-dan/{foreign.id}").status_code == 404
    assert web.get(f"/ho-tro/nguoi-dan/{member.id}").status_code == 404  # not a resident
    for action in ("trao-mat-khau", "dat-lai-mat-khau", "thi-ho-tro"):
        response = web.post(f"/ho-tro/nguoi-dan/{foreign.id}/{action}",
                            data={"csrf_token": token, "output": "screen"})
        assert response.status_code == 404, action
    support.fresh()
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.target_id == foreign.id)) is None


def test_register_form_without_javascript_then_hand_over_on_screen_and_pdf(web, contest, member):
    support.login(web, member)
    form = {"csrf_token": support.token(web, "/ho-tro/dang-ky"), "full_name": "trần thị bình",
            "birth_date": "05/03/1950", "gender": "nu", "phone": "0912 000 006",
            "unit_id": str(member.unit_id), "group": "nguoi_dan", "access": "one_time",
            "action": "submit"}
    refused = web.post("/ho-tro/dang-ky", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "người dân đã đồng ý trực tiếp" in html
    assert 'value="0912 000 006"' in html  # what was typed stays
    other_unit = web.post("/ho-tro/dang-ky", data={
        **form, "consent": "yes", "unit_id": str(factories.unit("Phường Lê Chân").id)})
    assert "Bạn chỉ đăng ký hộ người dân của Phường Gia Viên" in other_unit.get_data(as_text=True)
    done = web.post("/ho-tro/dang-ky", data={**form, "consent": "yes"})
    assert done.status_code == 303
    support.fresh()
    resident = db.session.scalar(select(Account).where(Account.phone == "0912000006"))
    assert resident.full_name == "Trần Thị Bình"
    assert done.headers["Location"].endswith(f"/ho-tro/nguoi-dan/{resident.id}")
    assert db.session.scalar(select(Registration.assisted_by_id).where(
        Registration.account_id == resident.id)) == member.id
    page = web.get(done.headers["Location"]).get_data(as_text=True)
    assert "Hiện mật khẩu trên màn hình" in page and "chưa có mật khẩu" in page
    shown = web.post(f"/ho-tro/nguoi-dan/{resident.id}/trao-mat-khau",
                     data={"csrf_token": support.token(web, f"/ho-tro/nguoi-dan/{resident.id}"),
                           "output": "screen"}).get_data(as_text=True)
    password = re.search(r'class="secret">(\w+)<', shown).group(1)
    support.fresh()
    assert db.session.get(Account, resident.id).check_password(password)
    page = web.get(f"/ho-tro/nguoi-dan/{resident.id}").get_data(as_text=True)
    assert "Hiện mật khẩu trên màn hình" not in page  # a second one would be a reset
    assert "cấp mật khẩu dùng một lần" in page and "đăng ký hộ, người dân đồng ý" in page


def test_reset_page_checks_identity_and_prints_a_slip(web, contest, member):
    resident = factories.make_participant(contest, phone="0912000007")
    support.login(web, member)
    path = f"/ho-tro/nguoi-dan/{resident.id}/dat-lai-mat-khau"
    token = support.token(web, path)
    wrong = web.post(path, data={"csrf_token": token, "identity": "yes", "birth_date": "01/01/1971",
                                 "reason": "Quên mật khẩu khi đi làm xa", "output": "pdf"})
    assert wrong.status_code == 422
    assert "Ngày sinh không khớp" in wrong.get_data(as_text=True)
    slip = web.post(path, data={"csrf_token": token, "identity": "yes", "birth_date": "17/05/1970",
                                "reason": "Quên mật khẩu khi đi làm xa", "output": "pdf"})
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(slip.data)).pages[0].extract_text()
    assert "0912 000 007" in text and "Đổi mật khẩu khi đăng nhập lần đầu" in text
    password = re.search(r"Mật khẩu dùng một lần: (\w{10})", text).group(1)
    support.fresh()
    assert db.session.get(Account, resident.id).check_password(password)
    log = actions("assisted.password_reset")[0]
    assert log.actor_id == member.id and log.detail["reason"] == "Quên mật khẩu khi đi làm xa"


def test_assisted_attempt_acts_only_for_that_attempt_then_gives_the_session_back(
        web, contest, member):
    resident = factories.make_participant(contest, phone="0912000008")
    support.login(web, member)
    start = web.post(f"/ho-tro/nguoi-dan/{resident.id}/thi-ho-tro",
                     data={"csrf_token": support.token(web, f"/ho-tro/nguoi-dan/{resident.id}")})
    support.fresh()
    attempt = db.session.scalar(select(Attempt))
    assert start.status_code == 303 and start.headers["Location"].endswith(f"/thi/{attempt.id}")
    assert attempt.account_id == resident.id and attempt.assisted_by_id == member.id
    question = web.get(f"/thi/{attempt.id}", follow_redirects=True)
    assert question.status_code == 200 and f"/thi/{attempt.id}/cau/1" in question.request.path
    choice = re.search(r'name="choice" value="(\d+)"', question.get_data(as_text=True)).group(1)
    token = support.token(web, f"/thi/{attempt.id}/cau/1")
    assert web.post(f"/thi/{attempt.id}/cau/1", data={"csrf_token": token,
                                                      "choice": choice}).status_code == 303
    for elsewhere in ("/quan-tri/", "/ho-tro/", "/tai-khoan", "/thi"):
        response = web.get(elsewhere)
        assert response.status_code == 303, elsewhere
        assert response.headers["Location"].endswith("/ho-tro/dang-ho-tro")
    page = web.get("/ho-tro/dang-ho-tro").get_data(as_text=True)
    assert "Đang hỗ trợ Nguyễn Văn An" in page
    web.post(f"/thi/{attempt.id}/nop-bai", data={"csrf_token": token})
    back = web.post("/ho-tro/ket-thuc-ho-tro", data={"csrf_token": token})
    assert back.status_code == 303 and back.headers["Location"].endswith(
        f"/ho-tro/nguoi-dan/{resident.id}")
    assert web.get("/ho-tro/").status_code == 200  # the member's own session again
    assert web.get("/ho-tro/dang-ho-tro").status_code == 404
    support.fresh()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.status == "finished" and attempt.questions[0].chosen_choice_id == int(choice)
    end = actions("assisted.attempt_end")[0]
    assert end.actor_id == member.id and end.detail["attempt_id"] == attempt.id


def test_register_form_default_agrees_with_the_password_hint(web, contest, member):
    # The password boxes start empty and their hint says "leave empty for a one-time
    # password": the access chosen by default is the one-time password.
    support.login(web, member)
    html = web.get("/ho-tro/dang-ky").get_data(as_text=True)
    assert 'name="access" value="one_time" checked' in html
    assert 'name="access" value="own" checked' not in html
    assert "Bỏ trống nếu cấp mật khẩu dùng một lần" in html
    # Choosing "the resident types it" and leaving it empty says exactly that.
    refused = web.post("/ho-tro/dang-ky", data={
        "csrf_token": support.token(web, "/ho-tro/dang-ky"), "full_name": "Trần Thị Bình",
        "birth_date": "05/03/1950", "gender": "nu", "phone": "0912 000 016",
        "unit_id": str(member.unit_id), "group": "nguoi_dan", "access": "own",
        "consent": "yes", "action": "submit"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Bạn đã chọn «Người dân tự gõ mật khẩu» nhưng ô mật khẩu còn trống" in html
    assert db.session.scalar(select(Account.id).where(Account.phone == "0912000016")) is None
