"""Công văn, báo cáo (/quan-tri/cong-van): a unit's or the city's documents; a new draft
of a chosen kind, prefilled; editing with a live preview; issuing ("Ban hành"); PDF and
DOCX downloads; and the city administrator's editing of the default texts."""
from __future__ import annotations


from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import by_name, utcnow
from cdso.models import Contest, Role, Unit
from cdso.services.documents.kinds import KINDS, LABELS, UNIT_KINDS
from cdso.office import import_jobs
from cdso.office.routes import bp
from cdso.services.documents import defaults as document_defaults
from cdso.services.documents import fields as document_fields
from cdso.services.documents import figures as document_figures
from cdso.services.documents import lifecycle as documents
from cdso.services.contest.current import current_contest
from cdso.services.integrity import overview
from cdso.web import pages
from cdso.web.pagination import page_number, paginate
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

docx_export = lazy_import("cdso.services.documents.docx")  # python-docx

PAGE_SIZE = 30


@bp.get("/cong-van", endpoint="documents")
def documents_list():
    page = paginate(documents.documents_query(current_user), page_number(), PAGE_SIZE)
    return render_template("office/documents/list.html", rows=page.items, page=page,
                           kinds=LABELS, unit_kinds=UNIT_KINDS,
                           subject_line=documents.subject_line, contest=current_contest())


@bp.post("/cong-van/tap")
def documents_batch():
    """The latest issued document of a unit kind of every unit in scope, one ZIP of PDFs,
    made by a background job (cdso/services/documents/batch.py)."""
    from cdso.services.documents import batch

    kind = request.form.get("kind", "")
    if kind not in UNIT_KINDS:
        flash("Xin chọn loại văn bản cần gom.", "error")
        return pages.redirect_to("office.documents")
    if not batch.issued_any(current_user, kind):
        flash(f"Chưa đơn vị nào ban hành «{LABELS[kind]}»: chưa có văn bản nào để gom.",
              "error")
        return pages.redirect_to("office.documents")
    return import_jobs.order("documents", batch.order_key(current_user, kind), LABELS[kind],
                             {"kind": kind})


def _new_page(kind: str = "", unit_id: str = "", errors: dict | None = None):
    units = []
    if current_user.role == Role.ADMIN.value:
        units = by_name(db.session.execute(select(Unit.id, Unit.name).order_by(Unit.id)),
                        lambda u: u.name)
    return render_template("office/documents/new.html", kinds=documents.kinds_for(current_user),
                           kind=kind, unit_id=unit_id, units=units, errors=errors or {},
                           contest=current_contest())


@bp.route("/cong-van/moi", methods=["GET", "POST"])
def document_new():
    contest = current_contest()
    if request.method == "GET" or contest is None:
        return _new_page(request.args.get("loai", ""))
    kind, unit_id = request.form.get("kind", ""), request.form.get("unit_id", "")
    try:
        document = documents.new_document(current_user, contest, kind, unit_id, utcnow(),
                                          ip=request.remote_addr)
    except documents.Refusal as refusal:
        db.session.rollback()
        return _new_page(kind, unit_id, {refusal.field or "kind": str(refusal)})
    db.session.commit()
    return pages.redirect_to("office.document_edit", document_id=document.id)


def _context(document, **extra) -> dict:
    return {"document": document, "kinds": LABELS, "specs": document_fields.FIELDS,
            "placeholders": document_figures.placeholders_for(document.kind), **extra}


def _integrity_flags(document) -> dict | None:
    """A city report's draft highlights units with unreviewed integrity signals."""
    if document.unit_id is not None or document.status != "draft":
        return None
    contest = db.session.get(Contest, document.contest_id)
    return overview.publication_flags(contest) if contest else None


def _edit_page(document, values: dict, moment: str, errors: dict, preview: tuple,
               preview_errors: dict | None = None):
    """`preview`: what documents.preview_doc returns (the doc, its blanks, its problems)."""
    doc, blanks, _problems = preview
    return render_template("office/documents/edit.html", **_context(
        document, values=values, moment=moment, errors=errors, doc=doc, blanks=blanks,
        blanks_ok=set(request.form.getlist("blank_ok")), flags=_integrity_flags(document),
        preview_errors=errors if preview_errors is None else preview_errors))


def _typed():
    return document_fields.read_fields(request.form), request.form.get("as_of", "").strip()


@bp.route("/cong-van/<int:document_id>", methods=["GET", "POST"])
def document_edit(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    now = utcnow()
    if document.status == "issued":
        if request.method == "POST":
            flash("Văn bản đã ban hành, không sửa được nữa.", "error")
            return pages.redirect_to("office.document_edit", document_id=document.id)
        return render_template("office/documents/view.html",
                               **_context(document, doc=documents.doc_of(document, now)))
    if request.method == "GET":
        moment = documents.moment_text(document.as_of)
        preview = documents.preview_doc(document, document.fields, moment, now)
        return _edit_page(document, document.fields, moment, {}, preview, preview[2])
    fields, moment = _typed()
    if request.form.get("action") == "preview":
        preview = documents.preview_doc(document, fields, moment, now)
        return _edit_page(document, fields, moment, preview[2], preview)
    errors = documents.save_draft(document, fields, moment, current_user, now,
                                  ip=request.remote_addr)
    if errors:
        db.session.rollback()
        preview = documents.preview_doc(document, fields, moment, now)
        return _edit_page(document, fields, moment, errors, preview, preview[2])
    db.session.commit()
    flash("Đã lưu bản nháp.")
    return pages.redirect_to("office.document_edit", document_id=document.id)


@bp.post("/cong-van/<int:document_id>/xem-truoc")
def document_preview(document_id: int):
    """The live preview: the partial for htmx, the whole edit page otherwise."""
    document = documents.document_or_404(current_user, document_id)
    if document.status != "draft":
        abort(404)
    fields, moment = _typed()
    doc, _blanks, problems = documents.preview_doc(document, fields, moment, utcnow())
    return pages.render("office/documents/edit.html", "office/documents/_preview.html",
                       **_context(document, values=fields, moment=moment, errors=problems,
                                  doc=doc, preview_errors=problems))


@bp.post("/cong-van/<int:document_id>/ban-hanh")
def document_issue(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    fields, moment = _typed()
    now = utcnow()
    try:
        errors = documents.issue_document(document, fields, moment, current_user, now,
                                          ip=request.remote_addr,
                                          blanks_ok=request.form.getlist("blank_ok"))
    except documents.Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return pages.redirect_to("office.document_edit", document_id=document_id)
    if errors:
        db.session.rollback()
        preview = documents.preview_doc(document, fields, moment, now)
        if list(errors) != ["blanks"]:
            flash("Chưa ban hành: xin sửa các chỗ được đánh dấu.", "error")
        return _edit_page(document, fields, moment, errors, preview)
    db.session.commit()
    flash("Đã ban hành văn bản. Số liệu và nội dung đã được cố định; bản PDF tải về lúc nào "
          "cũng giống hệt.")
    return pages.redirect_to("office.document_edit", document_id=document_id)


@bp.post("/cong-van/<int:document_id>/ban-moi")
def document_copy(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    copy = documents.copy_document(document, current_user, utcnow(), ip=request.remote_addr)
    db.session.commit()
    flash("Đã tạo bản nháp mới từ văn bản cũ; số liệu lấy đến thời điểm hiện tại.")
    return pages.redirect_to("office.document_edit", document_id=copy.id)


@bp.post("/cong-van/<int:document_id>/xoa")
def document_delete(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    try:
        documents.delete_draft(document, current_user, ip=request.remote_addr)
    except documents.Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return pages.redirect_to("office.document_edit", document_id=document_id)
    db.session.commit()
    flash("Đã xoá bản nháp.")
    return pages.redirect_to("office.documents")


def _download(document, data: bytes, extension: str):
    return download(data, documents.file_name(document, extension))


@bp.get("/cong-van/<int:document_id>.pdf")
def document_pdf(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    data = documents.pdf_bytes(documents.doc_of(document, utcnow()))
    return _download(document, data, "pdf")


@bp.get("/cong-van/<int:document_id>.docx")
def document_docx(document_id: int):
    document = documents.document_or_404(current_user, document_id)
    data = docx_export.build_docx(documents.doc_of(document, utcnow()))
    return _download(document, data, "docx")


@bp.get("/cong-van/mau")
def document_templates():
    return render_template("office/documents/templates.html", kinds=LABELS)


@bp.route("/cong-van/mau/<kind>", methods=["GET", "POST"])
def document_template_edit(kind: str):
    if kind not in KINDS:
        abort(404)
    values, errors = document_defaults.template_fields(kind), {}
    if request.method == "POST":
        if request.form.get("action") == "reset":
            document_defaults.reset_template(kind, current_user, utcnow())
            db.session.commit()
            flash("Đã khôi phục mẫu gốc.")
            return pages.redirect_to("office.document_template_edit", kind=kind)
        values = document_fields.read_fields(request.form)
        errors = document_defaults.save_template(kind, values, current_user, utcnow())
        if not errors:
            db.session.commit()
            flash("Đã lưu mẫu. Các bản nháp tạo từ nay dùng nội dung mới.")
            return pages.redirect_to("office.document_template_edit", kind=kind)
        db.session.rollback()
    return render_template("office/documents/template_form.html", kind=kind,
                           kinds=LABELS, values=values, errors=errors,
                           specs=document_fields.FIELDS,
                           placeholders=document_figures.placeholders_for(kind))
