"""Certificates: anyone verifies one by its code; its owner, or an official whose scope
covers the participant, downloads the PDF."""
from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cdso.extensions import db, limiter
from cdso.formatting import utcnow
from cdso.models import Attempt, Contest, Registration
from cdso.public.routes import bp
from cdso.services.contest import certificates
from cdso.services.accounts import scope
from cdso.web.errors import render_error
from cdso.web.pages import render
from cdso.services.exports.download import download

# Guessing is hopeless (≈ 2^59 codes), and the limit keeps it so: per address, for the
# form and the direct links together.
verify_limit = limiter.shared_limit("30/minute", scope="certificate-verify")


@bp.get("/xac-minh")
@verify_limit
def verify_form():
    typed = request.args.get("ma")
    if typed is None:
        return render("public/verify.html", "public/_verify_result.html", typed="",
                      result=None, error=None)
    return _verify(typed)


@bp.get("/xac-minh/<code>")
@verify_limit
def verify(code: str):
    return _verify(code)


def _verify(typed: str):
    certificate = certificates.find_by_code(typed)
    if certificate is None:
        if certificates.normalise_code(typed) is None:
            error = ("Mã xác minh gồm 12 chữ và số, in dưới mã QR của giấy chứng nhận, "
                     "ví dụ K7QX-M3TP-9HRW. Xin kiểm tra lại.")
        else:
            error = ("Không tìm thấy giấy chứng nhận có mã này. Xin kiểm tra lại từng ký tự; "
                     "giấy chứng nhận không có mã thì không phải do Ban Tổ chức cấp.")
        # 404 for the page and the partial alike (htmx is configured to swap 4xx answers).
        return render("public/verify.html", "public/_verify_result.html", typed=typed,
                      result=None, error=error), 404
    return render("public/verify.html", "public/_verify_result.html",
                  typed=certificates.display_code(certificate.code),
                  result=certificates.verification(certificate), error=None)


def _may_download(attempt: Attempt) -> bool:
    if current_user.id == attempt.account_id:
        return True
    if not current_user.is_official:
        return False
    covered = scope.scope_registrations(
        select(Registration.id).where(Registration.id == attempt.registration_id), current_user)
    return db.session.scalar(covered) is not None


def base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")


@bp.get("/chung-nhan/<int:attempt_id>.pdf")
@login_required
def certificate_pdf(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not _may_download(attempt):
        abort(404)
    contest = db.session.get(Contest, attempt.contest_id)
    best = certificates.counting_attempt(contest, attempt.account_id, utcnow())
    if best is None:
        return render_error(404, "Bài thi chưa được nộp nên chưa có giấy chứng nhận.")
    if best.id != attempt.id:  # the certificate is for the attempt that counts
        return redirect(url_for("public.certificate_pdf", attempt_id=best.id), code=303)
    try:
        certificate = certificates.issue(contest, best, utcnow())
        content = certificates.pdf_bytes(certificate, base_url())
    except certificates.NotEligible as refusal:
        db.session.rollback()
        return render_error(404, str(refusal))
    if current_user.id != attempt.account_id:
        scope.log_access(current_user, "certificate.download", target_type="certificate",
                         target_id=certificate.id, ip=request.remote_addr,
                         detail={"code": certificate.code, "account_id": attempt.account_id})
    db.session.commit()
    filename = f"chung-nhan-{certificates.display_code(certificate.code)}.pdf"
    return download(content, filename, inline=True)
