"""The office menu: the areas an account may open, in one list. Which role may open an
area is not repeated here: it comes from the access table (cdso/web/access.py)."""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from cdso.models import ROLE_LABELS, Role
from cdso.web.access import may_open

# (endpoint, label): an item shows when the access table lets the account open its
# endpoint and the endpoint exists.
ITEMS: list[tuple[str, str]] = [
    ("office.dashboard", "Số liệu"),
    ("helper.home", "Hỗ trợ người dân"),
    ("office.members_import", "Đăng ký theo danh sách"),
    ("office.gaps", "Kiến thức theo chủ đề"),
    ("office.results_import", "Nhập kết quả thi giấy"),
    ("office.documents", "Công văn, báo cáo"),
    ("office.population", "Dân số trưởng thành"),
    ("office.accounts", "Tài khoản cán bộ"),
    ("office.bank", "Ngân hàng câu hỏi"),
    ("office.item_stats", "Thống kê câu hỏi"),
    ("office.settings", "Thiết lập cuộc thi"),
    ("office.integrity", "Kiểm tra số liệu"),
    ("office.rankings", "Xếp hạng và giải thưởng"),
    ("office.certificates", "Giấy chứng nhận"),
]


def office_menu(account) -> list[dict]:
    items = []
    for endpoint, label in ITEMS:
        if not may_open(account.role, endpoint):
            continue
        try:
            items.append({"url": url_for(endpoint), "label": label})
        except BuildError:
            continue
    return items


def role_label(role: str) -> str:
    return ROLE_LABELS.get(Role(role), role)
