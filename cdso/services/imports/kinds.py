"""What a confirmed import of each kind does when its job runs: read the staged file
again (with the upload guard), check its rows against the database as it is now, then
write all or nothing (the pipeline commits) and say what happened. Also the check of a
member list for its preview, and a batch of login slips (new one-time passwords count
only once their PDF exists: the same commit)."""
from __future__ import annotations

from cdso.extensions import db
from cdso.formatting import datetime_short, number, utcnow
from cdso.models import Account, ImportJob, Unit
from cdso.services.exports.download import zip_files
from cdso.services.imports import enrolment, pipeline, tabular
from cdso.services.imports import results as results_import
from cdso.services.imports.errors import RowError
from cdso.services.imports.pipeline import Outcome, Rejected


def members(job: ImportJob, data: bytes) -> Outcome:
    actor = db.session.get(Account, job.account_id)
    scope, contest = enrolment.scope_of(actor), enrolment.open_contest()
    if scope is None or contest is None:
        raise Rejected("Hiện không có cuộc thi nào đang nhận đăng ký.")
    report = enrolment.check_upload(job.filename, data, contest, scope)
    if not report.ok:
        raise Rejected("Có người trong danh sách vừa đăng ký hoặc danh sách có lỗi; xin sửa "
                       "rồi tải lên lại.", report.errors)
    batch = enrolment.enrol_members(report, contest, actor, filename=job.filename,
                                    digest=job.sha256, ip=(job.params or {}).get("ip"))
    return Outcome(f"Đã tạo {number(len(report.people))} tài khoản. Xin in phiếu đăng nhập "
                   "để phát cho từng người.", batch.id, {"count": len(report.people)})


def results(job: ImportJob, data: bytes) -> Outcome:
    from cdso.services.contest.current import current_contest

    actor, contest = db.session.get(Account, job.account_id), current_contest()
    if contest is None:
        raise Rejected("Hiện chưa có cuộc thi nào.")
    unit = db.session.get(Unit, job.unit_id) if actor.role != "admin" else None
    rows = tabular.read_table(job.filename, data, results_import.COLUMNS)
    now = utcnow()
    params = job.params or {}
    overrides = {int(row): reason for row, reason in params.get("overrides", {}).items()}
    report = results_import.check_results(rows, contest, unit, now, overrides)
    if not report.ok:
        raise Rejected("Tệp có dòng không còn đúng; xin sửa rồi tải lên lại.",
                       report.errors + [RowError(item.row.row, item.row.full_name,
                                                 [item.error or item.message])
                                        for item in report.pending])
    batch = results_import.import_results(
        report, contest, actor, source=params.get("source", ""), filename=job.filename,
        digest=job.sha256, now=now, ip=params.get("ip"))
    already = len(report.already_imported)
    if batch is None:
        return Outcome(f"Không có kết quả mới: cả {number(already)} dòng đã được nhập "
                       "trước đây.")
    skipped = f"; bỏ qua {number(already)} dòng đã nhập trước đây" if already else ""
    return Outcome(f"Đã nhập {number(len(report.rows))} lượt thi, tạo "
                   f"{number(report.new_people)} tài khoản mới{skipped}.", batch.id,
                   {"count": len(report.rows)})


def questions(job: ImportJob, data: bytes) -> Outcome:
    from cdso.services.bank import files as bank_files

    already = pipeline.previous_batch("questions", job.sha256)
    if already is not None:
        raise Rejected(f"Tệp này đã được nhập lúc {datetime_short(already.created_at)} "
                       f"({number(already.row_count)} câu); không nhập lại.")
    report = bank_files.check_upload(job.filename, data)
    if not report.ok:
        raise Rejected("Ngân hàng đã thay đổi từ lúc xem trước; tệp không còn hợp lệ.",
                       report.errors)
    batch = bank_files.import_checked(report, job, utcnow())
    return Outcome(f"Đã nhập {number(batch.row_count)} câu hỏi từ tệp {job.filename}.",
                   batch.id, {"count": batch.row_count})


PREVIEW_ROWS = 30


def members_check(job: ImportJob, data: bytes) -> dict:
    actor = db.session.get(Account, job.account_id)
    scope, contest = enrolment.scope_of(actor), enrolment.open_contest()
    if scope is None or contest is None:
        return {"ok": False, "file_error": "Hiện không có cuộc thi nào đang nhận đăng ký."}
    return enrolment.summary(enrolment.check_upload(job.filename, data, contest, scope),
                             PREVIEW_ROWS)


def results_check(job: ImportJob, data: bytes) -> dict:
    from cdso.services.contest.current import current_contest

    actor, contest = db.session.get(Account, job.account_id), current_contest()
    if contest is None:
        return {"ok": False, "file_error": "Hiện chưa có cuộc thi nào."}
    unit = db.session.get(Unit, job.unit_id) if actor.role != "admin" else None
    rows = tabular.read_table(job.filename, data, results_import.COLUMNS)
    return results_import.summary(results_import.check_results(rows, contest, unit, utcnow()))


def slips(job: ImportJob, _data: bytes) -> Outcome:
    """The login slips of some parts of an enrolled list: one PDF, or a ZIP of one PDF a
    part. Every password changed and the file kept, or nothing."""
    from cdso.services.accounts.assisted import render_slips_pdf
    from cdso.services.contest.current import current_contest

    actor, params = db.session.get(Account, job.account_id), job.params or {}
    scope = enrolment.scope_of(actor)
    batch = scope and enrolment.batch_in_scope(params.get("batch_id", 0), scope)
    if not batch:
        raise Rejected("Danh sách này không còn trong phạm vi của tài khoản.")
    contest, files, people = current_contest(), [], 0
    for done, part in enumerate(params.get("parts", [])):
        pipeline.tick(done, len(params["parts"]))
        issued = enrolment.issue_slips(batch, scope, part, actor, ip=params.get("ip"))
        if issued is None:
            raise Rejected("Danh sách đã thay đổi: không còn phần này.")
        if issued:
            people += len(issued)
            files.append((f"phieu-dang-nhap-{batch.id}-{part}.pdf", render_slips_pdf(
                issued, contest_name=contest.name if contest else "",
                site_url=params.get("site_url", ""), issued_at=utcnow())))
    if not files:
        raise Rejected("Mọi người trong phần này đã tự đặt mật khẩu: không có phiếu nào.")
    name, data = files[0] if len(files) == 1 else (
        f"phieu-dang-nhap-{batch.id}.zip", zip_files(files))
    return Outcome(f"Đã tạo {number(people)} phiếu đăng nhập; phiếu in trước đó của những "
                   "người này hết dùng được.", extra={"count": people}, file=data,
                   file_name=name)


pipeline.register("members", members)
pipeline.register_check("members", members_check)
pipeline.register("slips", slips)
pipeline.register("results", results)
pipeline.register_check("results", results_check)
pipeline.register("questions", questions)
