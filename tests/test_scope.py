"""Who may see what: scope by unit and organisation, deny by default, 404 for forged ids."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from cdso.extensions import db
from cdso.models import Registration, Role
from cdso.services.accounts import scope
from tests import factories


pytestmark = pytest.mark.usefixtures("fast_passwords")  # tests/conftest.py


@pytest.fixture
def people(contest):
    """Two units, two organisations in the first: who sees whom."""
    gia_vien = factories.unit("Phường Gia Viên")
    school = factories.organisation(gia_vien, "Trường THCS Chu Văn An")
    agency = factories.organisation(gia_vien, "UBND phường Gia Viên", "co_quan")
    pupil = factories.make_participant(contest, organisation_id=school.id, full_name="Lê Thị Hoa")
    clerk_of_agency = factories.make_participant(contest, organisation_id=agency.id,
                                                 full_name="Trần Văn Bình")
    elsewhere = factories.make_participant(contest, unit_name="Xã Tứ Kỳ",
                                           full_name="Phạm Văn Cường")
    return dict(unit=gia_vien, school=school, agency=agency, pupil=pupil,
                agency_member=clerk_of_agency, elsewhere=elsewhere)


def _names(account, contest) -> set[str]:
    rows = db.session.scalars(scope.participants_query(account, contest.id)).all()
    return {r.account.full_name for r in rows}


def test_each_role_sees_its_own_scope_only(app, contest, people):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    clerk = factories.make_official(Role.CLERK)
    team = factories.make_official(Role.TEAM_MEMBER)
    reporter = factories.make_official(Role.REPORTER, organisation_id=people["school"].id)
    assert scope.visible_unit_ids(admin) is None
    assert scope.visible_unit_ids(clerk) == {people["unit"].id}
    assert scope.visible_unit_ids(team) == {people["unit"].id}
    assert scope.visible_organisation_ids(reporter) == {people["school"].id}
    assert _names(admin, contest) == {"Lê Thị Hoa", "Trần Văn Bình", "Phạm Văn Cường"}
    assert _names(clerk, contest) == {"Lê Thị Hoa", "Trần Văn Bình"}
    assert _names(team, contest) == {"Lê Thị Hoa", "Trần Văn Bình"}
    assert _names(reporter, contest) == {"Lê Thị Hoa"}


def test_deny_by_default(app, contest, people):
    participant = people["pupil"]
    homeless_clerk = factories.make_official(Role.CLERK, unit_name=None)
    orgless_reporter = factories.make_official(Role.REPORTER)
    for account in (participant, homeless_clerk, orgless_reporter):
        assert _names(account, contest) == set()
        assert db.session.scalars(scope.organisations_query(account)).all() == []
    assert scope.visible_unit_ids(participant) == set()
    assert not scope.may_see_full_phone(participant)


def test_forged_or_foreign_ids_answer_404(app, contest, people):
    clerk = factories.make_official(Role.CLERK)
    reporter = factories.make_official(Role.REPORTER, organisation_id=people["school"].id)
    other_unit = factories.unit("Xã Tứ Kỳ")
    assert scope.unit_or_404(clerk, str(people["unit"].id)).id == people["unit"].id
    for forged in (other_unit.id, "abc", None, 999999, "1 OR 1=1"):
        with pytest.raises(NotFound):
            scope.unit_or_404(clerk, forged)
    with pytest.raises(NotFound):  # another organisation of the reporter's own unit
        scope.organisation_or_404(reporter, people["agency"].id)
    assert scope.organisation_or_404(reporter, people["school"].id).id == people["school"].id
    foreign_org = factories.organisation(other_unit, "Trường THCS Tứ Kỳ")
    with pytest.raises(NotFound):
        scope.organisation_or_404(clerk, foreign_org.id)
    elsewhere = db.session.scalar(select(Registration).where(
        Registration.account_id == people["elsewhere"].id))
    with pytest.raises(NotFound):
        scope.registration_or_404(clerk, elsewhere.id)


def test_full_phones_only_for_the_wards_own_people(app):
    roles = {role: scope.may_see_full_phone(factories.make_official(role))
             for role in (Role.CLERK, Role.TEAM_MEMBER, Role.REPORTER, Role.ADMIN)}
    assert roles == {Role.CLERK: True, Role.TEAM_MEMBER: True, Role.REPORTER: False,
                     Role.ADMIN: False}
