"""Ending an account's sessions on the server side.

A signed session carries the account's session version (Account.get_id); a request with
an older version is a logged-out one (cdso/web/auth_session.py, and the answer step's
own statement). Moving the version on ends every session issued before, on every
device, including a cookie someone copied."""
from __future__ import annotations

from sqlalchemy import event

from cdso.models import Account


def end_every_session(account: Account) -> None:
    """Every session of `account` issued until now stops working. Flushes nothing: the
    caller's flush or commit writes it with the rest of its change."""
    account.session_version = (account.session_version or 0) + 1


@event.listens_for(Account.role, "set", active_history=True)
def _role_changed(account: Account, value, old, _initiator):
    """A role change ends every earlier session: a cookie issued to a clerk must not go
    on as an admin's, nor an admin's as a clerk's."""
    if old not in (None, value) and isinstance(old, str) and account.id is not None:
        end_every_session(account)
