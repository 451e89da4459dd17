"""The question bank for the city administrator (/quan-tri/cau-hoi): list, create, edit
(a new version once shown), preview as a resident sees it, retire, import, export."""
from __future__ import annotations


from flask import abort, current_app, flash, render_template, request
from flask_login import current_user

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Question
from cdso.models.bank import DIFFICULTY_LABELS
from cdso.office import import_jobs
from cdso.office.routes import bp
from cdso.services.bank import editing as bank
from cdso.services.bank import rows as bank_import
from cdso.services.imports import pipeline
from cdso.web import pages
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

bank_files = lazy_import("cdso.services.bank.files")  # openpyxl



def _question(question_id: int) -> Question:
    return db.session.get(Question, question_id) or abort(404)


def _resident_view(question: Question) -> dict:
    """What a resident's phone shows (choices in stored order; attempts shuffle them)."""
    return {"topic": question.topic.name, "text": question.text,
            "explanation": question.explanation,
            "choices": [{"value": str(c.id), "text": c.text, "correct": c.is_correct}
                        for c in question.choices]}


def _parsed_view(parsed: bank_import.ParsedQuestion) -> dict:
    return {"topic": parsed.topic, "text": parsed.text, "explanation": parsed.explanation,
            "choices": [{"value": str(i), "text": text, "correct": i == parsed.correct}
                        for i, text in enumerate(parsed.choices)]}


def _form_page(question: Question | None, values: dict, errors: dict, preview=None):
    return render_template("office/bank/form.html", question=question, values=values,
                           errors=errors, preview=preview, topics=bank.topics(),
                           difficulties=DIFFICULTY_LABELS)


@bp.get("/cau-hoi", endpoint="bank")
def bank_list():
    filters = bank.BankFilters.from_args(request.args)
    return pages.render("office/bank/list.html", "office/bank/_results.html",
                       filters=filters, result=bank.list_questions(filters),
                       topics=bank.topics(), counts=bank.status_counts(),
                       difficulties=DIFFICULTY_LABELS, statuses=bank.STATUS_LABELS)



@bp.route("/cau-hoi/moi", methods=["GET", "POST"])
def bank_new():
    if request.method == "GET":
        return _form_page(None, {"difficulty": "1"}, {})
    values = bank.form_values(request.form)
    parsed, errors = bank.check_form(values)
    if errors:
        return _form_page(None, values, errors)
    if request.form.get("action") == "preview":
        return _form_page(None, values, {}, preview=_parsed_view(parsed))
    question = bank.create_question(parsed, current_user.id, utcnow())
    db.session.commit()
    flash(f"Đã thêm câu hỏi số {question.id}.")
    return pages.redirect_to("office.bank_question", question_id=question.id)


@bp.get("/cau-hoi/<int:question_id>")
def bank_question(question_id: int):
    question = _question(question_id)
    chosen = request.args.get("chon", "")
    return pages.render("office/bank/question.html", "office/bank/_resident_view.html",
                       question=question, shown=_resident_view(question), chosen=chosen,
                       versions=bank.versions_of(question), was_shown=bank.was_shown(question),
                       statuses=bank.STATUS_LABELS, difficulties=DIFFICULTY_LABELS,
                       action_url=request.path)


@bp.route("/cau-hoi/<int:question_id>/sua", methods=["GET", "POST"])
def bank_edit(question_id: int):
    question = _question(question_id)
    if question.status == "superseded":
        abort(404)
    if request.method == "GET":
        return _form_page(question, bank.form_from_question(question), {})
    values = bank.form_values(request.form)
    parsed, errors = bank.check_form(values, own=question)
    if errors:
        return _form_page(question, values, errors)
    if request.form.get("action") == "preview":
        return _form_page(question, values, {}, preview=_parsed_view(parsed))
    saved = bank.edit_question(question, parsed, current_user.id, utcnow())
    db.session.commit()
    flash("Đã lưu phiên bản mới của câu hỏi; các lượt thi đã làm vẫn giữ nội dung cũ."
          if saved.id != question.id else "Đã lưu câu hỏi.")
    return pages.redirect_to("office.bank_question", question_id=saved.id)


def _status_change(question_id: int, change, done: str):
    question = _question(question_id)
    try:
        change(question, current_user.id, utcnow())
    except bank.BankRefusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(done)
    return pages.redirect_to("office.bank_question", question_id=question_id)


@bp.post("/cau-hoi/<int:question_id>/ngung-dung")
def bank_retire(question_id: int):
    return _status_change(question_id, bank.retire_question,
                          "Đã ngừng dùng câu hỏi: lượt thi mới sẽ không gặp câu này.")


@bp.post("/cau-hoi/<int:question_id>/dung-lai")
def bank_restore(question_id: int):
    return _status_change(question_id, bank.restore_question, "Câu hỏi đã được dùng lại.")


def _import_page(error: str | None = None, preview=None, status: int = 200):
    return render_template("office/bank/import.html", error=error, preview=preview,
                           topics=bank.topics(), difficulties=DIFFICULTY_LABELS), status


@bp.route("/cau-hoi/nhap", methods=["GET", "POST"])
def bank_import_upload():
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page("Xin chọn tệp Excel (.xlsx) hoặc CSV để tải lên.", status=422)
    data = upload.read()
    try:
        report = bank_files.check_upload(upload.filename, data)
    except bank_files.UploadError as error:
        return _import_page(str(error), status=422)
    already = pipeline.previous_batch("questions", pipeline.sha256(data))
    token = None
    if report.ok and already is None:
        job = pipeline.stage("questions", upload.filename, data, current_user)
        db.session.commit()
        token = pipeline.token_for(job, current_app.secret_key)
    return _import_page(preview={"filename": upload.filename, "report": report,
                                 "token": token, "already": already})


@bp.post("/cau-hoi/nhap/xac-nhan")
def bank_import_confirm():
    try:
        job = pipeline.open_token(request.form.get("token", ""), current_user, "questions",
                                  current_app.secret_key)
    except bank_files.UploadError as error:
        return _import_page(str(error), status=422)
    return import_jobs.start(job)


def _download(data: bytes, name: str, kind: str):
    """The bank holds the answer key: never kept by a browser or a proxy."""
    return download(data, f"{name}.{kind}")


@bp.get("/cau-hoi/xuat.<any(csv, xlsx):kind>")
def bank_export(kind: str):
    filters = bank.BankFilters.from_args(request.args)
    rows = bank_files.export_rows(bank.questions_for_export(filters))
    data = bank_files.to_xlsx(rows) if kind == "xlsx" else bank_files.to_csv(rows)
    return _download(data, f"ngan-hang-cau-hoi-{utcnow():%Y%m%d}", kind)


@bp.get("/cau-hoi/mau.<any(csv, xlsx):kind>")
def bank_template(kind: str):
    names = [t.name for t in bank.topics()]
    data = bank_files.to_xlsx([], names) if kind == "xlsx" else bank_files.to_csv([])
    return _download(data, "mau-nhap-cau-hoi", kind)
