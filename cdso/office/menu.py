"""The office menu: which areas each role sees. One list, filtered by role."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from werkzeug.routing import BuildError

from cdso.models import ROLE_LABELS, Role


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str
    roles: frozenset[str]


ALL = frozenset(r.value for r in Role if r != Role.PARTICIPANT)
CITY = frozenset({Role.ADMIN.value})
UNIT_OFFICIALS = frozenset({Role.ADMIN.value, Role.CLERK.value})

# Areas append here; an item whose endpoint does not exist (yet) is not shown.
ITEMS: list[MenuItem] = [
    MenuItem("office.dashboard", "Số liệu", frozenset({Role.ADMIN.value, Role.CLERK.value,
                                                       Role.REPORTER.value})),
    MenuItem("helper.home", "Hỗ trợ người dân", frozenset({Role.TEAM_MEMBER.value,
                                                           Role.CLERK.value})),
    MenuItem("office.members_import", "Đăng ký theo danh sách",
             frozenset({Role.CLERK.value, Role.REPORTER.value})),
    MenuItem("office.results_import", "Nhập kết quả thi giấy", UNIT_OFFICIALS),
    MenuItem("office.documents", "Công văn, báo cáo", UNIT_OFFICIALS),
    MenuItem("office.population", "Dân số trưởng thành", UNIT_OFFICIALS),
    MenuItem("office.accounts", "Tài khoản cán bộ", UNIT_OFFICIALS),
    MenuItem("office.bank", "Ngân hàng câu hỏi", CITY),
    MenuItem("office.settings", "Thiết lập cuộc thi", CITY),
    MenuItem("office.integrity", "Kiểm tra số liệu", UNIT_OFFICIALS),
    MenuItem("office.rankings", "Xếp hạng và giải thưởng", CITY),
    MenuItem("office.certificates", "Giấy chứng nhận", CITY),
]


def office_menu(account) -> list[dict]:
    items = []
    for item in ITEMS:
        if account.role not in item.roles:
            continue
        try:
            items.append({"url": url_for(item.endpoint), "label": item.label})
        except BuildError:
            continue
    return items


def role_label(role: str) -> str:
    return ROLE_LABELS.get(Role(role), role)
