"""The current contest edition and its settings."""
from __future__ import annotations

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Contest


def current_contest() -> Contest | None:
    return db.session.scalars(
        select(Contest).where(Contest.is_current.is_(True)).order_by(Contest.opens_at.desc())
    ).first()
