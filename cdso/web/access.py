"""Who may open which page: one table, read by the blueprints' guards and by the office menu.

`AREAS` names each area of the office and the help pages with the roles that may open it
and the scope the services narrow its data to (cdso/services/accounts/scope.py enforces
the scope; the roles are enforced here). `ROUTES` gives every office and helper endpoint its
area. An endpoint missing from `ROUTES` answers 404 to everyone: deny by default, and
tests/test_access.py fails until the new route is given an area. See docs/layers.md."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from cdso.models import Role

ADMIN, CLERK, REPORTER, TEAM = (Role.ADMIN.value, Role.CLERK.value, Role.REPORTER.value,
                                Role.TEAM_MEMBER.value)


@dataclass(frozen=True)
class Area:
    roles: frozenset[str]
    scope: str


def _area(*roles: str, scope: str) -> Area:
    return Area(frozenset(roles), scope)


UNIT = "thành phố: mọi đơn vị; cán bộ xã/phường: đơn vị mình"
AREAS: dict[str, Area] = {
    "office_home": _area(ADMIN, CLERK, REPORTER, TEAM, scope="trang chuyển tiếp"),
    "figures": _area(ADMIN, CLERK, REPORTER, scope=UNIT + "; cán bộ đơn vị: tổ chức mình"),
    "unit_figures": _area(ADMIN, CLERK, scope=UNIT),
    "knowledge_gaps": _area(ADMIN, CLERK, scope=UNIT),
    "item_stats": _area(ADMIN, scope="toàn thành phố"),
    "integrity": _area(ADMIN, CLERK, scope=UNIT + " (chỉ xem)"),
    "integrity_review": _area(ADMIN, scope="toàn thành phố"),
    "exports": _area(ADMIN, CLERK, REPORTER, scope=UNIT + "; cán bộ đơn vị: tổ chức mình"),
    "figures_export": _area(ADMIN, CLERK, scope=UNIT),
    "members_import": _area(CLERK, REPORTER, scope="đơn vị (tổ chức) của người nhập"),
    "results_import": _area(ADMIN, CLERK, scope=UNIT),
    "documents": _area(ADMIN, CLERK, scope=UNIT),
    "document_templates": _area(ADMIN, scope="toàn thành phố"),
    "population": _area(ADMIN, CLERK, scope=UNIT),
    "accounts": _area(ADMIN, CLERK, scope="thành phố: cán bộ xã/phường; xã/phường: cán bộ đơn vị mình"),
    "clerks_import": _area(ADMIN, scope="toàn thành phố"),
    "bank": _area(ADMIN, scope="toàn thành phố"),
    "settings": _area(ADMIN, scope="toàn thành phố"),
    "rankings": _area(ADMIN, scope="toàn thành phố"),
    "certificates": _area(ADMIN, scope="toàn thành phố"),
    "import_jobs": _area(ADMIN, CLERK, REPORTER, scope="việc chạy nền (nhập, in phiếu, tập văn bản) do chính người đó hoặc đơn vị mình tạo"),
    "helper": _area(TEAM, CLERK, scope="người dân của đơn vị mình"),
    # While a team member guides an attempt their session is the resident's: these pages
    # decide for themselves what the session may do (cdso/helper/attempts.py).
    "acting": _area(*(r.value for r in Role), scope="phiên đang hỗ trợ"),
    # The quiz (cdso/quiz/) is guarded per view with `participant_required`: its answer
    # step must not load the account, so it has no blueprint guard.
    "quiz": _area(Role.PARTICIPANT.value, scope="bài thi của chính mình"),
}


def _routes(area: str, *endpoints: str) -> dict[str, str]:
    return dict.fromkeys(endpoints, area)


ROUTES: dict[str, str] = {
    **_routes("office_home", "office.home"),
    **_routes("figures", "office.dashboard"),
    **_routes("unit_figures", "office.unit_dashboard", "office.unfinished"),
    **_routes("knowledge_gaps", "office.gaps", "office.gaps_unit"),
    **_routes("item_stats", "office.item_stats"),
    **_routes("integrity", "office.integrity", "office.integrity_signal"),
    **_routes("integrity_review", "office.integrity_review", "office.integrity_reopen",
              "office.integrity_settings"),
    **_routes("exports", "office.exports", "office.export_participants"),
    **_routes("figures_export", "office.export_figures"),
    **_routes("members_import", "office.members_import", "office.members_import_batch",
              "office.members_import_confirm", "office.members_import_preview",
              "office.members_import_checked",
              "office.members_import_slips", "office.members_import_template"),
    **_routes("results_import", "office.results_import", "office.results_import_confirm",
              "office.results_import_preview", "office.results_import_template",
              "office.results_import_checked"),
    **_routes("documents", "office.documents", "office.document_new", "office.document_edit",
              "office.document_preview", "office.document_issue", "office.document_copy",
              "office.document_delete", "office.document_pdf", "office.document_docx",
              "office.documents_batch"),
    **_routes("document_templates", "office.document_templates", "office.document_template_edit"),
    **_routes("population", "office.population", "office.population_save",
              "office.population_import", "office.population_template"),
    **_routes("accounts", "office.accounts", "office.account_create",
              "office.account_reset_password", "office.account_lock"),
    **_routes("clerks_import", "office.clerks_import"),
    **_routes("bank", "office.bank", "office.bank_new", "office.bank_question", "office.bank_edit",
              "office.bank_retire", "office.bank_restore", "office.bank_import_upload",
              "office.bank_import_confirm", "office.bank_export", "office.bank_template"),
    **_routes("settings", "office.settings", "office.settings_new", "office.settings_edition"),
    **_routes("rankings", "office.rankings", "office.rankings_compute", "office.ranking_run",
              "office.ranking_publish", "office.ranking_winners_xlsx",
              "office.ranking_winners_pdf", "office.ranking_organisations",
              "office.ranking_exclude_unit"),
    **_routes("certificates", "office.certificates", "office.certificate_revoke"),
    **_routes("import_jobs", "office.import_job", "office.import_job_cancel",
              "office.import_job_report", "office.import_job_file"),
    **_routes("helper", "helper.home", "helper.register", "helper.resident",
              "helper.hand_over", "helper.reset_password", "helper.assist_attempt"),
    **_routes("acting", "helper.assisting", "helper.end_assist"),
}


def may_open(role: str | None, endpoint: str) -> bool:
    area = ROUTES.get(endpoint)
    return area is not None and role in AREAS[area].roles


def guard_blueprint():
    """`before_request` of the office and helper blueprints: a visitor goes to the login
    page; a logged-in account outside the route's roles, or any account on a route the
    table does not know, gets 404 (no hint that the page exists)."""
    area = ROUTES.get(request.endpoint or "")
    if area == "acting":
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if not may_open(current_user.role, request.endpoint or ""):
        abort(404)
    if area == "helper" and not current_user.unit_id:
        abort(404)
    return None


def area_required(name: str):
    """A view guard from the table, for a blueprint guarded per view (the quiz): logged in
    with one of the area's roles, else 404 for an account (no hint that the page exists)
    or the login page for a visitor."""
    allowed = AREAS[name].roles

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator


participant_required = area_required("quiz")
