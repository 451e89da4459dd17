"""A person's own account: their data, its download, and changing the password."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from cdso.auth.routes import bp
from cdso.auth.sessions import home_url, start_session
from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.accounts import own as accounts
from cdso.services.exports.download import download

DOWNLOADS = {"json": accounts.own_data_json, "csv": accounts.own_data_csv}


@bp.get("/tai-khoan")
@login_required
def my_account():
    return render_template("auth/account.html", data=accounts.own_data(current_user))


@bp.get("/tai-khoan/du-lieu.<fmt>")
@login_required
def download_my_data(fmt: str):
    if fmt not in DOWNLOADS:
        abort(404)
    body = DOWNLOADS[fmt](current_user)
    accounts.record_own_export(current_user, fmt, request.remote_addr, utcnow())
    db.session.commit()
    filename = f"du-lieu-ca-nhan-{current_user.login}.{fmt}"
    return download(body, filename)


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/change_password.html", errors={})
    errors = accounts.change_password(current_user, request.form.get("current_password", ""),
                                      request.form.get("new_password", ""),
                                      request.form.get("new_password2", ""))
    if errors:
        db.session.rollback()
        return render_template("auth/change_password.html", errors=errors), 422
    account = current_user._get_current_object()
    was_forced = request.form.get("forced") == "1"
    db.session.commit()
    start_session(account)  # this session goes on with the new version; the others end
    flash("Đã đổi mật khẩu. Các thiết bị khác đang đăng nhập tài khoản này đã được đăng xuất.",
          "success")
    if account.is_official or was_forced:
        return redirect(home_url(account), code=303)
    return redirect(url_for("auth.my_account"), code=303)
