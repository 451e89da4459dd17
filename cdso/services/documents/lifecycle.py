"""Official documents: a draft prefilled from the kind's template, edited, then issued
("Ban hành"), which freezes its texts, its moment and its figures snapshot. An issued
document is rebuilt from what it stored only, so its PDF is the same bytes every time.

Who may do what: the city administrator writes the city progress report and may act for
any unit; a ward clerk writes their own unit's dispatches and reports. Everything is
scoped by cdso.services.accounts.scope; a document outside the scope answers 404.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from flask import render_template
from sqlalchemy import Select, desc, false, select, update

from cdso.clock import parse_local_moment
from cdso.extensions import db
from cdso.formatting import datetime_short, to_local
from cdso.models import Account, Contest, Document, Role, Unit
from cdso.services.documents.kinds import CITY_KIND, KINDS, LABELS, UNIT_KINDS
from cdso.services.documents import blanks as document_blanks
from cdso.services.documents import fields as document_fields
from cdso.services.documents import figures as document_figures
from cdso.services.accounts import scope
from cdso.services.documents.defaults import template_fields
from cdso.services.figures.stats import hour_of



class Refusal(ValueError):
    """An action that cannot be done, with the message to show (nothing was written) and
    the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def on_behalf(account: Account, document: Document) -> bool:
    """The city acting on a unit's document (recorded in the audit log)."""
    return document.unit_id is not None and document.unit_id != account.unit_id


def _log_on_behalf(account: Account, document: Document, action: str,
                   ip: str | None) -> None:
    if on_behalf(account, document):
        scope.log_access(account, action, target_type="document", target_id=document.id,
                         detail={"kind": document.kind, "unit_id": document.unit_id}, ip=ip)


# ---- who may write what ----------------------------------------------------------------

def kinds_for(account: Account) -> dict[str, str]:
    if account.role == Role.ADMIN.value:
        return dict(LABELS)
    if account.role == Role.CLERK.value and account.unit_id:
        return {kind: LABELS[kind] for kind in UNIT_KINDS}
    return {}


def documents_query(account: Account) -> Select:
    """The documents this account may see, newest first."""
    query = select(Document).order_by(desc(Document.created_at), desc(Document.id))
    units = scope.visible_unit_ids(account)
    if not kinds_for(account):
        return query.where(false())
    if units is not None:
        query = query.where(Document.unit_id.in_(units)) if units else query.where(false())
    return query


def document_or_404(account: Account, document_id: int) -> Document:
    return db.first_or_404(documents_query(account).where(Document.id == document_id))


# ---- moments ----------------------------------------------------------------------------

def default_moment(contest: Contest, now: dt.datetime) -> dt.datetime:
    """Now rounded down to the hour, but never before the contest opened."""
    return max(hour_of(now), contest.opens_at)


def moment_text(moment: dt.datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def parse_moment(text: str, contest: Contest, now: dt.datetime) -> dt.datetime:
    """"22/10/2025 15:00" (Vietnam time) -> naive UTC, or Refusal with the reason."""
    if not (text or "").strip():
        raise Refusal("Xin nhập thời điểm lấy số liệu, ví dụ 22/10/2025 15:00.")
    moment = parse_local_moment(text)
    if moment is None:
        raise Refusal("Thời điểm lấy số liệu viết theo dạng ngày/tháng/năm giờ:phút, "
                      "ví dụ 22/10/2025 15:00.")
    if moment > now:
        raise Refusal(f"Thời điểm {moment_text(moment)} còn ở tương lai (bây giờ là "
                      f"{datetime_short(now)}). Xin chọn một thời điểm đã qua.")
    if moment < contest.opens_at:
        raise Refusal(f"Thời điểm {moment_text(moment)} ở trước khi Cuộc thi mở "
                      f"({datetime_short(contest.opens_at)}): khi đó chưa có số liệu.")
    return moment


# ---- drafts -----------------------------------------------------------------------------

def _prefill(kind: str, contest: Contest, unit: Unit | None, official: Account) -> dict:
    values = document_figures.prefill_values(
        document_figures.context_of(contest, unit, official))
    fields = {name: document_fields.fill(text, values)
              for name, text in template_fields(kind).items()
              if name in document_fields.FIELD_NAMES}
    previous = None if unit is None else db.session.scalar(
        select(Document).where(Document.unit_id == unit.id)
        .order_by(desc(Document.created_at), desc(Document.id)).limit(1))
    if previous is not None:  # who signs a ward's dispatches rarely changes
        for name in ("signing_lines", "signer"):
            fields[name] = previous.fields.get(name, fields[name])
    return fields


def _unit_for(account: Account, kind: str, unit_id: str) -> Unit | None:
    if kind == CITY_KIND:
        return None
    if account.role != Role.ADMIN.value:
        own = db.session.get(Unit, account.unit_id)
        if unit_id and unit_id != str(own.id):
            raise Refusal(f"Bạn chỉ soạn được văn bản của {own.name}.", "unit_id")
        return own
    unit = db.session.get(Unit, int(unit_id)) if unit_id.isdigit() else None
    if unit is None:
        raise Refusal("Xin chọn xã, phường, đặc khu ban hành văn bản.", "unit_id")
    return unit


def new_document(account: Account, contest: Contest, kind: str, unit_id: str,
                 now: dt.datetime, ip: str | None = None) -> Document:
    """A draft of `kind`, every field prefilled. Refusal if the account may not write it."""
    allowed = kinds_for(account)
    if kind not in KINDS:
        raise Refusal("Xin chọn loại văn bản.", "kind")
    if kind not in allowed:
        raise Refusal("Chỉ Sở Khoa học và Công nghệ ban hành báo cáo tiến độ toàn thành phố."
                      if kind == CITY_KIND else "Tài khoản này không soạn được loại văn bản này.",
                      "kind")
    if now < contest.opens_at:
        raise Refusal("Cuộc thi chưa mở nên chưa có số liệu để đưa vào văn bản.")
    unit = _unit_for(account, kind, (unit_id or "").strip())
    document = Document(contest_id=contest.id, unit_id=unit.id if unit else None, kind=kind,
                        status="draft", as_of=default_moment(contest, now),
                        fields=_prefill(kind, contest, unit, account),
                        created_by_id=account.id, created_at=now)
    db.session.add(document)
    db.session.flush()
    _log_on_behalf(account, document, "document.create_for_unit", ip)
    return document


def contest_of(document: Document) -> Contest:
    return db.session.get(Contest, document.contest_id)


def snapshot_for(document: Document, as_of: dt.datetime) -> dict:
    return document_figures.take_snapshot(contest_of(document), document.unit,
                                          as_of, document.created_by)


def check_draft(document: Document, fields: dict, moment: str, now: dt.datetime,
                *, complete: bool) -> tuple[dt.datetime | None, dict | None, dict[str, str]]:
    """The moment, the figures as of it and the messages for what was typed."""
    try:
        as_of = parse_moment(moment, contest_of(document), now)
    except Refusal as refusal:
        errors = document_fields.check_fields(document.kind, fields, None, complete=complete)
        return None, None, {"as_of": str(refusal), **errors}
    snapshot = snapshot_for(document, as_of)
    values = document_figures.all_values(snapshot)
    errors = document_fields.check_fields(document.kind, fields, values, complete=complete)
    if "date" not in errors and fields.get("date"):
        date = document_fields.parse_date(fields["date"])
        if date < to_local(as_of).date():
            errors["date"] = (f"Ngày ban hành {fields['date']} ở trước thời điểm lấy số liệu "
                              f"({moment_text(as_of)}).")
    return as_of, snapshot, errors


def _editable(document: Document) -> None:
    if document.status != "draft":
        raise Refusal("Văn bản đã ban hành, không sửa được nữa. Muốn sửa, hãy tạo bản mới "
                      "từ văn bản này.")


def save_draft(document: Document, fields: dict, moment: str, account: Account,
               now: dt.datetime, ip: str | None = None) -> dict[str, str]:
    """Keep what was typed (blank required fields allowed in a draft). Flushes."""
    _editable(document)
    as_of, _snapshot, errors = check_draft(document, fields, moment, now, complete=False)
    if errors:
        return errors
    document.fields, document.as_of = dict(fields), as_of
    db.session.flush()
    _log_on_behalf(account, document, "document.edit_for_unit", ip)
    return {}


def issue_document(document: Document, fields: dict, moment: str, account: Account,
                   now: dt.datetime, ip: str | None = None, *,
                   blanks_ok: Iterable[str] = ()) -> dict[str, str]:
    """Check everything, and that each blank (document_blanks) is among the keys the
    person confirmed in `blanks_ok`; then freeze texts, moment, figures and the blanks
    and record the PDF's hash. Nothing is written if anything is wrong. Flushes."""
    _editable(document)
    as_of, snapshot, errors = check_draft(document, fields, moment, now, complete=True)
    if errors:
        return errors
    blanks = document_blanks.of_draft(fields, snapshot, to_local(now).date())
    if missing := document_blanks.unconfirmed(blanks, blanks_ok):
        return {"blanks": document_blanks.message(missing)}
    doc = document_fields.build_doc(document.kind, fields, snapshot, to_local(now).date(),
                                    issued_at=now)
    sha = hashlib.sha256(pdf_bytes(doc)).hexdigest()
    done = db.session.execute(
        update(Document).where(Document.id == document.id, Document.status == "draft")
        .values(status="issued", fields=dict(fields), as_of=as_of, figures=snapshot,
                issued_by_id=account.id, issued_at=now, pdf_sha256=sha,
                blanks=[blank.as_record() for blank in blanks])
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Refusal("Văn bản vừa được ban hành từ một phiên làm việc khác.")
    db.session.refresh(document)
    scope.log_access(account, "document.issue", target_type="document", target_id=document.id,
                     detail={"kind": document.kind, "unit_id": document.unit_id,
                             "as_of": as_of.isoformat(), "pdf_sha256": sha,
                             "blanks": [blank.key for blank in blanks],
                             "on_behalf": on_behalf(account, document)}, ip=ip)
    return {}


def copy_document(document: Document, account: Account, now: dt.datetime,
                  ip: str | None = None) -> Document:
    """A new draft with the same texts: how an issued document gets a new version."""
    copy = Document(contest_id=document.contest_id, unit_id=document.unit_id,
                    kind=document.kind, status="draft",
                    as_of=default_moment(contest_of(document), now),
                    fields=dict(document.fields), created_by_id=account.id, created_at=now)
    db.session.add(copy)
    db.session.flush()
    _log_on_behalf(account, copy, "document.create_for_unit", ip)
    return copy


def delete_draft(document: Document, account: Account, ip: str | None = None) -> None:
    _editable(document)
    _log_on_behalf(account, document, "document.delete_for_unit", ip)
    db.session.delete(document)
    db.session.flush()


# ---- what gets printed ------------------------------------------------------------------

def doc_of(document: Document, now: dt.datetime) -> dict:
    """An issued document from its stored snapshot; a draft from live figures."""
    if document.status == "issued":
        return document_fields.build_doc(document.kind, document.fields, document.figures,
                                         to_local(document.issued_at).date(),
                                         issued_at=document.issued_at)
    return document_fields.build_doc(document.kind, document.fields,
                                     snapshot_for(document, document.as_of),
                                     to_local(now).date(), draft=True)


def preview_doc(document: Document, fields: dict, moment: str, now: dt.datetime
                ) -> tuple[dict, list[document_blanks.Blank], dict[str, str]]:
    """The document as typed (not saved), the blanks issuing will ask to confirm, and
    the messages to show beside it."""
    _as_of, snapshot, errors = check_draft(document, fields, moment, now, complete=True)
    if snapshot is None:
        snapshot = snapshot_for(document, document.as_of)
    today = to_local(now).date()
    return (document_fields.build_doc(document.kind, fields, snapshot, today, draft=True),
            document_blanks.of_draft(fields, snapshot, today), errors)


def subject_line(document: Document) -> str:
    """The subject as a list shows it: filled from the snapshot once issued; in a draft,
    the figures (not taken yet) shown as "…"."""
    subject = " ".join(document_fields.lines_of(document.fields.get("subject", "")))
    if document.status == "issued":
        return document_fields.fill(subject, document_figures.all_values(document.figures))
    return document_fields.PLACEHOLDER.sub("…", subject)


def pdf_bytes(doc: dict) -> bytes:
    from cdso.services.documents.pdf import render_pdf  # WeasyPrint: loaded when first used
    return render_pdf(render_template("pdf/dispatch.html", doc=doc))


def file_name(document: Document, extension: str) -> str:
    prefix = "" if document.status == "issued" else "du-thao-"
    return f"{prefix}{KINDS[document.kind].file_stem}-{document.id}.{extension}"
