"""The question bank's office pages and rules: list and filters, create, edit with versions,
preview as a resident sees it, retire, and access for the city administrator only."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import AttemptQuestion, AuditLog, Question, Role, Topic
from cdso.services.bank import editing as bank
from tests import factories
from tests.factories import login_as


def csrf(client, path="/quan-tri/cau-hoi/moi") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def some_question(topic_position=4) -> Question:
    return db.session.scalar(select(Question).join(Topic).where(
        Topic.position == topic_position, Question.status == "active").order_by(Question.id))


def form_of(question: Question, **changes) -> dict:
    values = bank.form_from_question(question)
    values.update(changes)
    return values


def show_in_attempt(contest, question: Question) -> AttemptQuestion:
    """An attempt row that showed `question`, made directly (the quiz is another area)."""
    attempt = factories.make_open_attempt(contest, factories.make_participant(contest))
    shown = AttemptQuestion(attempt_id=attempt.id, position=1, question_id=question.id,
                            choice_order=",".join(str(c.id) for c in question.choices))
    db.session.add(shown)
    db.session.commit()
    return shown


def test_only_the_city_administrator_reaches_the_bank(client, app):
    question = some_question()
    login_as(client, Role.CLERK)
    for path in ("/quan-tri/cau-hoi", "/quan-tri/cau-hoi/moi", f"/quan-tri/cau-hoi/{question.id}",
                 "/quan-tri/cau-hoi/xuat.csv", "/quan-tri/cau-hoi/mau.xlsx"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/quan-tri/cau-hoi/{question.id}/ngung-dung").status_code in (400, 404)
    assert db.session.get(Question, question.id).status == "active"
    login_as(client, Role.ADMIN)
    assert client.get("/quan-tri/cau-hoi").status_code == 200
    assert client.get("/quan-tri/cau-hoi/999999").status_code == 404


def test_list_filters_and_accent_free_search_as_page_and_partial(client, app):
    login_as(client)
    scams = db.session.scalar(select(Topic).where(Topic.position == 4))
    page = client.get(f"/quan-tri/cau-hoi?topic={scams.id}&q=cong an")
    html = page.get_data(as_text=True)
    assert "<h1>Ngân hàng câu hỏi</h1>" in html and 'id="bank-results"' in html
    texts = re.findall(r'/quan-tri/cau-hoi/(\d+)">', html)
    assert texts
    for question_id in texts:
        question = db.session.get(Question, int(question_id))
        assert question.topic_id == scams.id and "công an" in question.text.lower()
    partial = client.get(f"/quan-tri/cau-hoi?topic={scams.id}&q=cong an",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="bank-results"') and "<h1>" not in partial
    assert re.findall(r'/quan-tri/cau-hoi/(\d+)">', partial) == texts
    assert "0</strong> câu hỏi" in client.get("/quan-tri/cau-hoi?status=retired").get_data(as_text=True)


def test_create_checks_every_field_and_keeps_what_was_typed(client, app):
    login_as(client)
    topic = db.session.scalar(select(Topic).where(Topic.position == 1))
    before = db.session.scalar(select(func.count(Question.id)))
    html = client.post("/quan-tri/cau-hoi/moi", data={
        "csrf_token": csrf(client), "topic": str(topic.id), "text": "",
        "choice_a": "Có", "choice_b": "có", "explanation": "Giải thích giữ lại",
        "difficulty": "1"}).get_data(as_text=True)
    assert "Câu hỏi để trống." in html and "Có phương án trùng nhau." in html
    assert "Không có đáp án đúng." in html
    assert "Giải thích giữ lại" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count(Question.id))) == before

    data = {"csrf_token": csrf(client), "topic": str(topic.id), "difficulty": "2",
            "text": "Biểu tượng ổ khoá trên thanh địa chỉ cho biết điều gì?",
            "choice_a": "Trang web chắc chắn không lừa đảo",
            "choice_b": "Kết nối tới trang được mã hoá", "correct": "B",
            "explanation": "Ổ khoá chỉ cho biết kết nối được mã hoá."}
    preview = client.post("/quan-tri/cau-hoi/moi", data={**data, "action": "preview"})
    assert 'class="is-correct"' in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id))) == before
    response = client.post("/quan-tri/cau-hoi/moi", data={**data, "action": "save"})
    assert response.status_code == 303
    created = db.session.scalar(select(Question).order_by(Question.id.desc()))
    assert created.text == data["text"] and created.root_id == created.id
    assert [c.is_correct for c in created.choices] == [False, True]
    duplicate = client.post("/quan-tri/cau-hoi/moi", data={**data, "csrf_token": csrf(client)})
    assert "Trùng một câu hỏi đã có trong ngân hàng." in duplicate.get_data(as_text=True)


def test_editing_a_shown_question_makes_a_new_version_and_the_attempt_keeps_its_own(client, contest):
    login_as(client)
    question = some_question()
    old_text, old_choice_ids = question.text, [c.id for c in question.choices]
    shown = show_in_attempt(contest, question)
    path = f"/quan-tri/cau-hoi/{question.id}/sua"
    response = client.post(path, data={**form_of(question, text=old_text + " (sửa)"),
                                       "csrf_token": csrf(client, path)})
    assert response.status_code == 303
    db.session.expire_all()
    successor = db.session.scalar(select(Question).where(Question.root_id == question.root_id,
                                                         Question.version == 2))
    assert response.headers["Location"].endswith(f"/quan-tri/cau-hoi/{successor.id}")
    assert successor.text == old_text + " (sửa)" and successor.status == "active"
    assert db.session.get(Question, question.id).status == "superseded"
    kept = db.session.get(AttemptQuestion, shown.id)
    assert kept.question_id == question.id and kept.question.text == old_text
    assert [c.id for c in kept.question.choices] == old_choice_ids
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_id == successor.id)) \
        == "question.new_version"
    page = client.get(f"/quan-tri/cau-hoi/{successor.id}").get_data(as_text=True)
    assert "Phiên bản 1" in page and "Các phiên bản" in page
    assert client.get(f"/quan-tri/cau-hoi/{question.id}/sua").status_code == 404


def test_editing_a_question_never_shown_changes_it_in_place(app):
    question = some_question()
    parsed, errors = bank.check_form(form_of(question, correct="A", choice_a="Phương án mới"),
                                     own=question)
    assert not errors
    saved = bank.edit_question(question, parsed, None, utcnow())
    assert saved.id == question.id and saved.version == 1
    assert saved.choices[0].text == "Phương án mới" and saved.correct_choice.position == 1
    unchanged, _ = bank.check_form(form_of(saved), own=saved)
    assert bank.edit_question(saved, unchanged, None, utcnow()) is saved


def test_preview_shows_the_resident_view_and_the_answer_after_choosing(client, app):
    login_as(client)
    question = some_question()
    path = f"/quan-tri/cau-hoi/{question.id}"
    html = client.get(path).get_data(as_text=True)
    assert 'class="choices"' in html and str(escape(question.text)) in html
    assert str(escape(question.explanation)) not in html and "is-correct" not in html
    wrong = next(c for c in question.choices if not c.is_correct)
    partial = client.get(f"{path}?chon={wrong.id}", headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="resident-view"')
    assert "Chưa đúng." in text and str(escape(question.explanation)) in text
    right = client.get(f"{path}?chon={question.correct_choice.id}").get_data(as_text=True)
    assert "Bạn đã chọn đúng." in right and "<h1>" in right


def test_retire_hides_from_the_draw_unless_a_quota_needs_it(client, contest):
    login_as(client)
    question = some_question()
    token = csrf(client)
    response = client.post(f"/quan-tri/cau-hoi/{question.id}/ngung-dung", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "retired"
    restored = client.post(f"/quan-tri/cau-hoi/{question.id}/dung-lai", data={"csrf_token": token},
                           headers={"HX-Request": "true"})  # the same action through htmx
    assert restored.status_code == 204
    assert restored.headers["HX-Redirect"] == f"/quan-tri/cau-hoi/{question.id}"
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "active"

    # A contest whose quota takes every active question of the topic: retiring is refused.
    available = db.session.scalar(select(func.count(Question.id)).where(
        Question.topic_id == question.topic_id, Question.status == "active"))
    for quota in contest.quotas:
        quota.count = available if quota.topic_id == question.topic_id else 0
    contest.questions_per_attempt = available
    db.session.commit()
    with pytest.raises(bank.BankRefusal, match="không đủ"):
        bank.retire_question(question, None, utcnow())
    page = client.post(f"/quan-tri/cau-hoi/{question.id}/ngung-dung", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Không ngừng dùng được câu hỏi này" in page
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "active"
