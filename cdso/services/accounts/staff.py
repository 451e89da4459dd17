"""Staff accounts: officials of every role (Sở, xã/phường, đơn vị, tổ công nghệ số cộng
đồng acting in their role) and accounts flagged as organisers or tests. They count in no
figure and no ranking (issue 17); a staff member taking part as a resident does so with a
resident account."""
from __future__ import annotations

from sqlalchemy import and_, or_

from cdso.models import Account, Role


def is_staff(account: Account) -> bool:
    return account.role != Role.PARTICIPANT.value or bool(account.is_organiser)


def staff(account=Account):
    """SQL: the account (the entity or an alias of it) is staff."""
    return or_(account.role != Role.PARTICIPANT.value, account.is_organiser.is_(True))


def resident(account=Account):
    """SQL: the account is not staff."""
    return and_(account.role == Role.PARTICIPANT.value, account.is_organiser.is_(False))
