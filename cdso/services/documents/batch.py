"""Tập văn bản của các đơn vị: the latest issued document of one unit kind (the wards'
result reports to the Department, or their dispatches urging people to take part) of
every unit the account may see, as one ZIP of PDFs with a list (danh-sach.csv) saying
which unit issued what and which has not issued one yet. The Department collects the
114 reports in one go; a ward clerk gets their own unit's only (the document scope).

Made by a background job (rebuilding 114 PDFs from their stored snapshots takes minutes);
it writes nothing but its file. An issued PDF is the same bytes every time, so the ZIP
holds exactly what each unit issued."""
from __future__ import annotations

import io

from sqlalchemy import desc, select

from cdso.extensions import db
from cdso.formatting import by_name, datetime_short, number, utcnow
from cdso.models import Account, Document, ImportJob, Unit
from cdso.services.accounts import scope
from cdso.services.documents import lifecycle
from cdso.services.documents.kinds import KINDS, UNIT_KINDS
from cdso.services.exports import guard
from cdso.services.exports.download import ascii_name, zip_files
from cdso.services.imports import pipeline
from cdso.services.imports.pipeline import Outcome, Rejected

LIST_HEADER = ["Đơn vị", "Văn bản", "Ban hành lúc", "Tệp trong thư mục"]


def order_key(account: Account, kind: str) -> str:
    """The same batch asked twice while the first runs is one job."""
    units = scope.visible_unit_ids(account)
    return f"documents:{kind}:{'all' if units is None else sorted(units)}"


def _issued(account: Account, kind: str, contest_id: int | None):
    """SQL: the issued documents of `kind` the account may see, of the contest if any."""
    query = lifecycle.documents_query(account).where(
        Document.kind == kind, Document.status == "issued")
    if contest_id is not None:
        query = query.where(Document.contest_id == contest_id)
    return query


def issued_any(account: Account, kind: str) -> bool:
    """Whether a batch would hold a document: asked before a job is queued for nothing."""
    from cdso.services.contest.current import current_contest

    contest = current_contest()
    query = _issued(account, kind, contest.id if contest else None).order_by(None)
    return bool(db.session.scalar(select(query.exists())))


def _latest(account: Account, kind: str, contest_id: int | None) -> dict[int, Document]:
    query = _issued(account, kind, contest_id).order_by(None).order_by(
        Document.unit_id, desc(Document.issued_at), desc(Document.id))
    latest: dict[int, Document] = {}
    for document in db.session.scalars(query):
        latest.setdefault(document.unit_id, document)
    return latest


def _units(account: Account) -> list[Unit]:
    visible = scope.visible_unit_ids(account)
    query = select(Unit)
    if visible is not None:
        query = query.where(Unit.id.in_(visible or {0}))
    return by_name(db.session.scalars(query), lambda unit: unit.name)


def make(job: ImportJob, _data: bytes) -> Outcome:
    from cdso.services.contest.current import current_contest

    actor, kind = db.session.get(Account, job.account_id), (job.params or {}).get("kind")
    if kind not in UNIT_KINDS or not lifecycle.kinds_for(actor):
        raise Rejected("Tài khoản này không gom được loại văn bản này.")
    contest = current_contest()
    latest, units = _latest(actor, kind, contest.id if contest else None), _units(actor)
    files, out, now = [], io.StringIO(), utcnow()
    listing = guard.csv_writer(out)
    listing.writerow(LIST_HEADER)
    for done, unit in enumerate(units):
        pipeline.tick(done, len(units))
        document = latest.get(unit.id)
        if document is None:
            listing.writerow([unit.name, "Chưa ban hành", "", ""])
            continue
        name = f"{ascii_name(unit.name)}-{lifecycle.file_name(document, 'pdf')}"
        files.append((name, lifecycle.pdf_bytes(lifecycle.doc_of(document, now))))
        listing.writerow([unit.name, lifecycle.subject_line(document),
                          datetime_short(document.issued_at), name])
    if not files:
        raise Rejected(f"Chưa đơn vị nào ban hành «{KINDS[kind].label}»: không có văn bản "
                       "nào để gom.")
    files.insert(0, ("danh-sach.csv", out.getvalue().encode("utf-8-sig")))
    missing = len(units) - len(files) + 1
    waiting = f"; {number(missing)} đơn vị chưa ban hành (xem danh-sach.csv)" if missing else ""
    return Outcome(f"Đã gom {number(len(files) - 1)} văn bản «{KINDS[kind].label}»{waiting}.",
                   extra={"count": len(files) - 1, "missing": missing},
                   file=zip_files(files), file_name=f"{KINDS[kind].file_stem}-cac-don-vi.zip")


pipeline.register("documents", make)
