"""Official documents, the services: figures as of a moment (top 10 / bottom 10 with ties
by name), moments, field checks, who may write what, and issuing that freezes figures.

Helpers here (figures written straight into the hourly buckets, a frozen clock in
October 2025) are shared by test_documents_pdf.py and test_documents_web.py."""
from __future__ import annotations

import re
import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from cdso.extensions import db
from cdso.models import AuditLog, Document, FigureBucket, Role, Unit
from cdso.services.documents import defaults as document_defaults
from cdso.services.documents import fields as document_fields
from cdso.services.documents import figures as document_figures
from cdso.services.documents import lifecycle as documents
from tests import factories

UTC = dt.UTC
OPENS = dt.datetime(2025, 10, 10, 17, 0)  # 00h00 on 11/10/2025 in Vietnam
NOW = dt.datetime(2025, 10, 22, 9, 30)  # 16h30 on 22/10/2025 in Vietnam
MOMENT = "22/10/2025 15:00"  # = 08:00 UTC
TOP = {"Xã Tứ Kỳ": 3000, "Xã Việt Khê": 2900, "Phường Gia Viên": 2800, "Xã Trần Phú": 2700,
       "Xã Kiến Hưng": 2600, "Xã Chí Minh": 2500, "Xã An Thành": 2400,
       "Phường Thạch Khôi": 2300, "Phường Bạch Đằng": 2300, "Xã Tân Kỳ": 2200}
BOTTOM = {"Đặc khu Bạch Long Vĩ": 10, "Xã Tuệ Tĩnh": 20, "Phường Đồ Sơn": 30,
          "Phường Nam Đồng": 40, "Phường Nam Đồ Sơn": 50, "Xã Thượng Hồng": 60,
          "Xã Hồng Châu": 70, "Xã Kiến Hải": 80, "Xã Hải Hưng": 80, "Xã Nghi Dương": 100}
# Ties are broken by name: Bạch Đằng before Thạch Khôi, Hải Hưng before Kiến Hải.
TOP_TEXT = ("xã Tứ Kỳ, xã Việt Khê, phường Gia Viên, xã Trần Phú, xã Kiến Hưng, xã Chí Minh, "
            "xã An Thành, phường Bạch Đằng, phường Thạch Khôi, xã Tân Kỳ")
BOTTOM_TEXT = ("đặc khu Bạch Long Vĩ, xã Tuệ Tĩnh, phường Đồ Sơn, phường Nam Đồng, phường Nam "
               "Đồ Sơn, xã Thượng Hồng, xã Hồng Châu, xã Hải Hưng, xã Kiến Hải, xã Nghi Dương")


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    from werkzeug.security import generate_password_hash

    from cdso.models import Account
    monkeypatch.setattr(Account, "set_password", lambda self, password: setattr(
        self, "password_hash", generate_password_hash(password, "pbkdf2:sha256:1")))


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def october(app, clock):
    """The contest of seed 003: opened 11/10/2025, today is 22/10/2025 16h30."""
    return factories.make_contest(opens_at=OPENS)


def seed_city_figures(contest) -> dict[str, int]:
    """84.360 registered and 49.317 finished over the 114 units, written into the buckets
    of 11/10 (plus 7 registrations at 15h20, after the moment of the report)."""
    units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
    registered = {**TOP, **BOTTOM}
    rest = [u for u in units if u.name not in registered]
    base, extra = divmod(84360 - sum(registered.values()), len(rest))
    for i, unit in enumerate(rest):
        registered[unit.name] = base + (1 if i < extra else 0)
    finished = {name: count * 49317 // 84360 for name, count in registered.items()}
    finished["Xã Tứ Kỳ"] += 49317 - sum(finished.values())
    hour = OPENS + dt.timedelta(hours=10)
    for unit in units:
        db.session.add(FigureBucket(contest_id=contest.id, hour=hour, unit_id=unit.id,
                                    organisation_id=0, group="nguoi_dan",
                                    registered=registered[unit.name],
                                    finished=finished[unit.name],
                                    attempts=finished[unit.name] + 3, imported_attempts=0))
        unit.adult_population = None if unit.kind == "dac_khu" else registered[unit.name] * 4
    db.session.add(FigureBucket(contest_id=contest.id, hour=dt.datetime(2025, 10, 22, 8),
                                unit_id=units[0].id, organisation_id=0, group="nguoi_dan",
                                registered=7, finished=0, attempts=0, imported_attempts=0))
    db.session.commit()
    return registered


def clerk_of(unit_name: str = "Phường Gia Viên"):
    return factories.make_official(Role.CLERK, unit_name=unit_name)


def admin():
    return factories.make_official(Role.ADMIN, unit_name=None)


def complete(document: Document, **changes) -> dict:
    fields = {**document.fields, "signer": "Vũ Mạnh Hùng", **changes}
    return {name: document_fields.clean(value) for name, value in fields.items()}


def blanks_of(document: Document, fields: dict, moment: str = MOMENT) -> list[str]:
    """The keys of the blanks issuing asks to confirm (what the person ticks)."""
    return [blank.key for blank in documents.preview_doc(document, fields, moment, NOW)[1]]


def body_text(doc: dict) -> str:
    return "\n".join(part["text"] for part in doc["body"])


# ---- figures ------------------------------------------------------------------------------

def test_city_figures_top_and_bottom_ten_as_of_the_moment(october):
    seed_city_figures(october)
    as_of = documents.parse_moment(MOMENT, october, NOW)
    values = document_figures.all_values(
        document_figures.take_snapshot(october, None, as_of, None))
    assert values["thoi_diem"] == "15h00 ngày 22/10/2025"
    assert (values["so_dang_ky"], values["so_hoan_thanh"]) == ("84.360", "49.317")
    assert values["so_don_vi"] == "114" and values["so_ngay"] == "11"
    assert values["top10"] == TOP_TEXT and values["bottom10"] == BOTTOM_TEXT
    assert values["nhom_top10"] == "10 xã, phường"
    assert values["nhom_bottom10"] == "10 xã, phường, đặc khu"
    assert values["ty_le"] == "chưa có số liệu dân số"  # two units have no population
    table = document_figures.appendix_table(
        document_figures.take_snapshot(october, None, as_of, None))
    rows = {row[1]: row for row in table["rows"]}
    assert len(table["rows"]) == 115 and table["rows"][-1][1] == "Toàn thành phố"
    assert rows["Xã Việt Khê"][2:] == ["2.900", "1.695", "14,6%", "2"]
    assert rows["Phường Bạch Đằng"][5] == "8" and rows["Phường Thạch Khôi"][5] == "9"
    assert rows["Đặc khu Bạch Long Vĩ"][4:] == ["chưa có số liệu dân số", "114"]
    # Listed phường, xã, then đặc khu, each in Vietnamese order (Ái Quốc before An Biên).
    assert [row[1] for row in table["rows"][:2]] == ["Phường Ái Quốc", "Phường An Biên"]
    assert table["rows"][-2][1] == "Đặc khu Cát Hải"


def test_unit_figures_with_its_organisations(october):
    gia_vien = factories.unit()
    school = factories.organisation(gia_vien)
    first = factories.make_participant(october, organisation_id=school.id)
    factories.make_participant(october, organisation_id=school.id)
    factories.make_participant(october)
    factories.make_participant(october, unit_name="Xã Tứ Kỳ")
    factories.make_finished_attempt(october, first)
    factories.make_finished_attempt(october, first)
    gia_vien.adult_population = 8
    db.session.commit()
    snapshot = document_figures.take_snapshot(october, gia_vien, NOW + dt.timedelta(seconds=1),
                                              None)
    values = document_figures.all_values(snapshot)
    assert (values["so_dang_ky"], values["so_hoan_thanh"], values["so_luot_thi"]) == \
        ("3", "1", "2")
    assert values["ty_le"] == "12,5%" and values["xep_hang"] == "1"
    assert values["don_vi"] == "phường Gia Viên" and values["don_vi_hoa"] == "PHƯỜNG GIA VIÊN"
    rows = document_figures.appendix_table(snapshot)["rows"]
    assert rows == [["1", "Trường THCS Chu Văn An", "Trường học", "2", "1", "2"],
                    ["2", "Thí sinh chưa chọn tổ dân phố, cơ quan, trường học", "", "1", "0",
                     "0"],
                    ["", "Toàn phường", "", "3", "1", "2"]]


# ---- moments and fields -------------------------------------------------------------------

def test_moment_typed_in_vietnam_time_and_refused_outside_the_contest(october):
    now = NOW
    assert documents.parse_moment(MOMENT, october, now) == dt.datetime(2025, 10, 22, 8, 0)
    assert documents.parse_moment("15h00 22/10/2025", october, now) == \
        dt.datetime(2025, 10, 22, 8, 0)
    with pytest.raises(documents.Refusal, match="còn ở tương lai"):
        documents.parse_moment("22/10/2025 17:00", october, now)
    with pytest.raises(documents.Refusal, match="trước khi Cuộc thi mở"):
        documents.parse_moment("10/10/2025 23:00", october, now)
    with pytest.raises(documents.Refusal, match="ví dụ 22/10/2025 15:00"):
        documents.parse_moment("hôm qua", october, now)
    assert documents.default_moment(october, now) == dt.datetime(2025, 10, 22, 9, 0)


def test_field_checks_give_a_clear_message_per_field(october):
    fields = dict(document_fields.read_fields({
        "issuing_agency": "ỦY BAN NHÂN DÂN\nPHƯỜNG GIA VIÊN", "symbol": "UBND-VHXH",
        "place": "Gia Viên", "subject": "V/v đôn đốc", "recipients": "Các tổ dân phố",
        "body": "Tính đến {thoi_diem} có {so_dang_ky} thí sinh.", "copy_list": "Như trên",
        "signing_lines": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        "signer": "", "appendix_title": "KẾT QUẢ", "number": "", "date": ""}))
    check = document_fields.check_fields
    assert check("unit_urge", fields, {}, complete=False) == {}
    assert check("unit_urge", fields, {}, complete=True) == {"signer": "Xin nhập người ký."}
    wrong = {**fields, "signer": "Nguyễn Thị Minh Khai Phạm Hoàng Bảo Ngọc Trâm Anh",
             "signing_lines": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nA\nB",
             "body": "Có {top10} và {so_nguoi}.", "number": "5a", "date": "31/02/2025",
             "symbol": "ubnd vhxh"}
    errors = check("unit_urge", wrong, {}, complete=True)
    assert "dài hơn cột" in errors["signer"]
    assert errors["signing_lines"] == "Thẩm quyền ký có nhiều nhất 4 dòng (đang có 5 dòng)."
    assert errors["body"] == "Ô {top10} chỉ dùng được trong báo cáo toàn thành phố."
    assert "chỉ gồm chữ số" in errors["number"] and "ví dụ 22/10/2025" in errors["date"]
    assert "chữ in hoa" in errors["symbol"]
    wide = {**fields, "signing_lines": "TM. ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG MỚI"}
    assert "dài hơn cột" in check("unit_urge", wide, {}, complete=True)["signing_lines"]
    unknown = {**fields, "body": "Có {so_nguoi} người."}
    assert "Không có ô số liệu {so_nguoi}" in check("unit_urge", unknown, {},
                                                     complete=False)["body"]


# ---- who may write what -------------------------------------------------------------------

def test_clerk_writes_only_for_their_unit_and_never_the_city_report(october):
    clerk = clerk_of()
    other = factories.unit("Xã Tứ Kỳ")
    with pytest.raises(documents.Refusal, match="Chỉ Sở Khoa học và Công nghệ"):
        documents.new_document(clerk, october, "city_progress", "", NOW)
    with pytest.raises(documents.Refusal, match="chỉ soạn được văn bản của Phường Gia Viên"):
        documents.new_document(clerk, october, "unit_urge", str(other.id), NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Document.id))) == 0
    own = documents.new_document(clerk, october, "unit_urge", "", NOW)
    assert own.as_of == dt.datetime(2025, 10, 22, 9)  # now, rounded down to the hour
    city_admin = admin()
    by_city = documents.new_document(city_admin, october, "unit_report", str(other.id), NOW)
    assert documents.save_draft(by_city, by_city.fields, MOMENT, city_admin, NOW) == {}
    assert documents.save_draft(own, own.fields, MOMENT, clerk, NOW) == {}
    city = documents.new_document(admin(), october, "city_progress", "", NOW)
    db.session.commit()
    assert own.fields["issuing_agency"] == "ỦY BAN NHÂN DÂN\nPHƯỜNG GIA VIÊN"
    assert own.fields["place"] == "Gia Viên" and own.as_of == dt.datetime(2025, 10, 22, 8)
    assert "{so_dang_ky}" in own.fields["body"] and "{don_vi}" not in own.fields["body"]
    assert city.fields["signer"] == "Vũ Đại Thắng"
    assert documents.subject_line(city).startswith("V/v thông tin sơ bộ kết quả sau … ngày")
    assert list(db.session.scalars(documents.documents_query(clerk))) == [own]
    assert len(db.session.scalars(documents.documents_query(admin())).all()) == 3
    for foreign in (by_city, city):
        with pytest.raises(NotFound):
            documents.document_or_404(clerk, foreign.id)
    logged = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(a.action, a.actor_id, a.target_id, a.detail["unit_id"]) for a in logged] == [
        ("document.create_for_unit", city_admin.id, by_city.id, other.id),
        ("document.edit_for_unit", city_admin.id, by_city.id, other.id)]


def test_admin_edits_the_templates_and_the_last_signer_is_kept(october):
    city = admin()
    bad = {**document_defaults.template_fields("unit_urge"), "subject": "V/v {abc}"}
    assert "Không có ô số liệu {abc}" in document_defaults.save_template("unit_urge", bad, city,
                                                                   NOW)["subject"]
    edited = {**document_defaults.template_fields("unit_urge"),
              "subject": "V/v hưởng ứng Cuộc thi {cuoc_thi} tại {don_vi}"}
    assert document_defaults.save_template("unit_urge", edited, city, NOW) == {}
    db.session.commit()
    clerk = clerk_of()
    first = documents.new_document(clerk, october, "unit_urge", "", NOW)
    assert first.fields["subject"] == ("V/v hưởng ứng Cuộc thi “Công dân số Hải Phòng - sử "
                                       "dụng thông minh, sống an toàn” tại phường Gia Viên")
    first.fields = {**first.fields, "signer": "Vũ Mạnh Hùng"}
    db.session.commit()
    second = documents.new_document(clerk, october, "unit_report", "", NOW)
    assert second.fields["signer"] == "Vũ Mạnh Hùng"
    document_defaults.reset_template("unit_urge", city, NOW)
    db.session.commit()
    assert document_defaults.template_fields("unit_urge")["subject"].startswith("V/v đôn đốc")


# ---- issuing ------------------------------------------------------------------------------

def test_issue_freezes_figures_and_refuses_what_is_incomplete(october, clock):
    clerk = clerk_of()
    clock.move_to((NOW - dt.timedelta(hours=2)).replace(tzinfo=UTC))  # 14h30
    factories.make_participant(october)
    clock.move_to(NOW.replace(tzinfo=UTC))
    document = documents.new_document(clerk, october, "unit_report", "", NOW)
    db.session.commit()
    errors = documents.issue_document(document, complete(document, signer=""), MOMENT,
                                      clerk, NOW)
    assert errors == {"signer": "Xin nhập người ký."}
    errors = documents.issue_document(document, complete(document), "23/10/2025 08:00",
                                      clerk, NOW)
    assert "còn ở tương lai" in errors["as_of"]
    errors = documents.issue_document(document, complete(document, date="21/10/2025"),
                                      MOMENT, clerk, NOW)
    assert errors == {"date": "Ngày ban hành 21/10/2025 ở trước thời điểm lấy số liệu "
                              "(22/10/2025 15:00)."}
    db.session.rollback()
    assert document.status == "draft" and document.figures is None
    assert db.session.scalar(select(func.count(AuditLog.id))) == 0

    fields = complete(document)
    assert documents.issue_document(document, fields, MOMENT, clerk, NOW,
                                    blanks_ok=blanks_of(document, fields)) == {}
    db.session.commit()
    assert document.status == "issued" and len(document.pdf_sha256) == 64
    assert [blank["field"] for blank in document.blanks][:2] == ["number", "date"]
    assert document.as_of == dt.datetime(2025, 10, 22, 8) and document.issued_by_id == clerk.id
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "document.issue"))
    assert log.actor_id == clerk.id and log.detail["pdf_sha256"] == document.pdf_sha256

    clock.shift(dt.timedelta(hours=2))
    for _ in range(2):  # later registrations change live figures, not the issued ones
        factories.make_participant(october)
    issued = body_text(documents.doc_of(document, NOW + dt.timedelta(days=30)))
    assert "Tính đến 15h00 ngày 22/10/2025, toàn phường có 1 thí sinh đăng ký" in issued
    later = NOW + dt.timedelta(hours=3)
    copy = documents.copy_document(document, clerk, later)  # a new version: a new draft
    live = body_text(documents.doc_of(copy, later))
    assert copy.status == "draft" and copy.fields == document.fields
    assert "Tính đến 19h00 ngày 22/10/2025, toàn phường có 3 thí sinh đăng ký" in live
    with pytest.raises(documents.Refusal, match="đã ban hành"):
        documents.save_draft(document, complete(document), MOMENT, clerk, NOW)
    with pytest.raises(documents.Refusal, match="đã ban hành"):
        documents.issue_document(document, complete(document), MOMENT, clerk, NOW)


def test_issuing_asks_to_confirm_each_unfilled_field_and_records_the_choice(october):
    """The clerk has no phone on file: the template's contact line prints dots."""
    clerk = clerk_of()
    document = documents.new_document(clerk, october, "unit_urge", "", NOW)
    db.session.commit()
    fields = complete(document)
    refused = documents.issue_document(document, fields, MOMENT, clerk, NOW)
    assert refused == {"blanks": "Còn 3 chỗ để trống chưa được xác nhận. Xin điền vào, hoặc "
                                 "đánh dấu từng chỗ cố ý để trống (sẽ điền tay sau khi in) "
                                 "rồi bấm Ban hành lần nữa."}
    _doc, blanks, _problems = documents.preview_doc(document, fields, MOMENT, NOW)
    assert [(b.field, b.label) for b in blanks] == [
        ("number", "Số văn bản để trống, văn thư điền tay khi vào sổ"),
        ("date", "Ngày ban hành để trống, điền tay khi ký"), ("body", "Nội dung")]
    assert blanks[1].shown == "Gia Viên, ngày       tháng 10 năm 2025"
    assert re.match(r"\d\. Đầu mối tiếp nhận", blanks[2].shown) and \
        blanks[2].shown.endswith(f"đồng chí {clerk.full_name}, điện thoại: …….")
    hand_written = [b.key for b in blanks[:2]]
    assert "blanks" in documents.issue_document(document, fields, MOMENT, clerk, NOW,
                                                blanks_ok=hand_written)
    other_dots = complete(document, body=fields["body"].replace("……", "......"))
    assert "blanks" in documents.issue_document(  # dots confirmed, but not these ones
        document, other_dots, MOMENT, clerk, NOW, blanks_ok=[b.key for b in blanks])
    db.session.rollback()
    assert document.status == "draft" and document.blanks is None
    assert db.session.scalar(select(func.count(AuditLog.id))) == 0

    assert documents.issue_document(document, fields, MOMENT, clerk, NOW,
                                    blanks_ok=[b.key for b in blanks]) == {}
    db.session.commit()
    assert document.status == "issued"
    assert document.blanks == [b.as_record() for b in blanks]
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "document.issue"))
    assert log.detail["blanks"] == [b.key for b in blanks]

    filled = documents.new_document(clerk, october, "unit_urge", "", NOW)
    db.session.commit()
    every = complete(filled, number="12", date="22/10/2025",
                     body=fields["body"].replace("……", "0225 3841 234"))
    assert documents.preview_doc(filled, every, MOMENT, NOW)[1] == []
    assert documents.issue_document(filled, every, MOMENT, clerk, NOW) == {}
    assert filled.blanks == []
