"""Giấy chứng nhận: the city administrator finds a certificate by its code and revokes it
with a reason (logged)."""
from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Certificate, Registration
from cdso.office.routes import bp
from cdso.services.contest import certificates
from cdso.web import pages


def _page(typed: str = "", reason: str = "", error: str | None = None,
          reason_error: str | None = None):
    certificate = certificates.find_by_code(typed) if typed else None
    if typed and certificate is None and error is None:
        error = ("Mã chưa đúng dạng: 12 chữ và số, ví dụ K7QX-M3TP-9HRW."
                 if certificates.normalise_code(typed) is None
                 else "Không có giấy chứng nhận nào mang mã này.")
    registration = (db.session.get(Registration, certificate.attempt.registration_id)
                    if certificate else None)
    return pages.render("office/certificates/index.html", "office/certificates/_result.html",
                       typed=typed, certificate=certificate, registration=registration,
                       display_code=certificates.display_code, reason=reason, error=error,
                       reason_error=reason_error, kind_labels=certificates.KIND_LABELS)


@bp.get("/chung-nhan", endpoint="certificates")
def certificates_page():
    return _page(typed=request.args.get("ma", "").strip())


@bp.post("/chung-nhan/<int:certificate_id>/thu-hoi")
def certificate_revoke(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    code = certificates.display_code(certificate.code)
    reason = request.form.get("ly_do", "")
    try:
        certificates.revoke(certificate, reason, current_user.id, utcnow(), request.remote_addr)
    except certificates.NotEligible as refusal:
        db.session.rollback()
        return _page(typed=code, reason=reason, reason_error=str(refusal))
    db.session.commit()
    flash(f"Đã thu hồi giấy chứng nhận {code}.", "success")
    return pages.redirect_to("office.certificates", ma=code)
