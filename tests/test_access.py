"""The access table (cdso/web/access.py) is what the guards enforce and what the menu shows:
every office and helper URL walked as every role, each answering exactly as the table says
(as CTFd's admin view tests do)."""
from __future__ import annotations

import pytest
from flask import g

from cdso.models import Role
from cdso.office.menu import ITEMS, office_menu
from cdso.web.access import AREAS, ROUTES
from tests import factories

GUARDED = ("office.", "helper.")
ROLES = [None, *Role]  # None: a visitor who has not logged in


def guarded_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(GUARDED)]


def sample_url(rule) -> str:
    """The rule's URL with made-up values: the guard answers before any lookup by id."""
    values = {}
    for name, converter in rule._converters.items():
        choices = getattr(converter, "items", None)
        values[name] = sorted(choices)[0] if choices else 1 if "Integer" in type(converter).__name__ else "x"
    path = rule.build(values, append_unknown=False)[1]
    return path


def account_for(role):
    if role is None:
        return None
    if role is Role.PARTICIPANT:
        return factories.make_participant(factories.make_contest())
    if role is Role.REPORTER:  # a unit reporter always speaks for one organisation
        organisation = factories.organisation(factories.unit())
        return factories.make_official(role, organisation_id=organisation.id)
    return factories.make_official(role, unit_name=None if role is Role.ADMIN else "Phường Gia Viên")


def sign_in(client, account):
    factories.sign_in(client, account)
    g.pop("_login_user", None)


def test_every_guarded_route_has_an_area_and_the_table_names_no_missing_route(app):
    endpoints = {rule.endpoint for rule in guarded_rules(app)}
    assert endpoints - ROUTES.keys() == set(), "give these routes an area in cdso/web/access.py"
    assert ROUTES.keys() - endpoints == set(), "these routes in the access table do not exist"
    assert set(ROUTES.values()) <= AREAS.keys()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "visitor")
def test_every_route_answers_each_role_exactly_as_the_table_says(app, client, role):
    app.config["WTF_CSRF_ENABLED"] = False
    for rule in guarded_rules(app):  # the guard alone: each view answers "reached"
        app.view_functions[rule.endpoint] = lambda **_: "reached"
    account = account_for(role)
    if account:
        sign_in(client, account)
    for rule in guarded_rules(app):
        area = AREAS[ROUTES[rule.endpoint]]
        url = sample_url(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        if area is AREAS["acting"]:
            expected = 200
        elif role is None:
            expected = 302
        else:
            expected = 200 if role.value in area.roles else 404
        assert response.status_code == expected, (role, method, url)
        if expected == 302:
            assert "/dang-nhap" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PARTICIPANT], ids=lambda r: r.value)
def test_the_menu_shows_exactly_the_areas_a_role_may_open_and_each_opens(client, role):
    account = account_for(role)
    sign_in(client, account)
    with client.application.test_request_context():
        menu = office_menu(account)
    expected = [label for endpoint, label in ITEMS
                if role.value in AREAS[ROUTES[endpoint]].roles]
    assert [item["label"] for item in menu] == expected
    for item in menu:
        assert client.get(item["url"]).status_code == 200, item


def test_a_helper_without_a_unit_is_refused_the_help_area(client):
    member = factories.make_official(Role.TEAM_MEMBER, unit_name=None)
    sign_in(client, member)
    assert client.get("/ho-tro/").status_code == 404
