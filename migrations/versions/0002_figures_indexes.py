"""indexes for officials' lists and the public ranking at city scale

- registration (contest, unit, created_at) for the residents who have not finished yet
  (partial: the index shrinks as people finish), for a ward's follow-up list;
- registration (contest, organisation, created_at) for a unit reporter's member list;
- attempt (contest, score desc, duration, finished_at) over finished attempts, so the
  public individual ranking reads the first rows in ranking order instead of sorting
  every attempt.

Revision ID: 0002_figures_indexes
Revises: 0001_initial
Create Date: 2026-11-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002_figures_indexes'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

UNFINISHED = sa.text("first_finished_at IS NULL")
FINISHED = sa.text("status = 'finished'")


def upgrade():
    op.create_index('ix_registration_unit_unfinished', 'registration',
                    ['contest_id', 'unit_id', 'created_at'], unique=False,
                    postgresql_where=UNFINISHED, sqlite_where=UNFINISHED)
    op.create_index('ix_registration_org_created', 'registration',
                    ['contest_id', 'organisation_id', 'created_at'], unique=False)
    op.create_index('ix_attempt_ranking', 'attempt',
                    ['contest_id', sa.text('score DESC'), 'duration_seconds', 'finished_at'],
                    unique=False, postgresql_where=FINISHED, sqlite_where=FINISHED)


def downgrade():
    op.drop_index('ix_attempt_ranking', table_name='attempt')
    op.drop_index('ix_registration_org_created', table_name='registration')
    op.drop_index('ix_registration_unit_unfinished', table_name='registration')
