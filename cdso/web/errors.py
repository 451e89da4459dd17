"""One Vietnamese error page per status, as a full page or an htmx partial."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cdso.web.pages import is_htmx

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Trang không hiểu yêu cầu vừa gửi. Xin quay lại và thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được xem trang này."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không có hoặc đã bị xoá. Xin kiểm tra lại địa chỉ."),
    405: ("Thao tác không hợp lệ", "Trang này không nhận thao tác vừa gửi."),
    413: ("Tệp quá lớn", "Tệp tải lên quá lớn (tối đa 10 MB). Xin chia nhỏ tệp rồi thử lại."),
    429: ("Thao tác quá nhanh", "Bạn đã thử quá nhiều lần. Xin đợi vài phút rồi thử lại."),
    500: ("Hệ thống đang gặp sự cố", "Đã có lỗi phía máy chủ. Những gì bạn đã lưu vẫn còn; xin thử lại sau ít phút."),
    503: ("Hệ thống tạm thời quá tải", "Xin thử lại sau ít phút."),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title,
                           message=detail or message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu đã được gửi từ trang cũ. "
                                 "Xin tải lại trang rồi gửi lại.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        from cdso.extensions import db
        db.session.rollback()
        return render_error(500)
