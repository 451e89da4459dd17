"""indexes: officials' accounts by unit and role; figure buckets readable from the index

- account (unit_id, role) over officials only: a unit's community digital team (ward
  dashboard) or the city's clerks (accounts page) without walking a unit's hundreds of
  thousands of participant accounts;
- figure_bucket (contest, unit, hour) and (contest, hour), carrying the counts
  (PostgreSQL INCLUDE): a unit's breakdown and the city's sums of the current day are
  index-only scans instead of thousands of scattered heap pages.

Revision ID: 0003_staff_and_bucket_indexes
Revises: 0002_figures_indexes
Create Date: 2026-11-22 00:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_staff_and_bucket_indexes'
down_revision = '0002_figures_indexes'
branch_labels = None
depends_on = None

OFFICIALS = sa.text("role IN ('admin', 'clerk', 'reporter', 'team_member')")
COUNTS = ['registered', 'finished', 'attempts', 'imported_attempts']


def upgrade():
    op.create_index('ix_account_staff', 'account', ['unit_id', 'role'], unique=False,
                    postgresql_where=OFFICIALS, sqlite_where=OFFICIALS)
    op.create_index('ix_bucket_unit_hour', 'figure_bucket', ['contest_id', 'unit_id', 'hour'],
                    unique=False, postgresql_include=['organisation_id', 'group', *COUNTS])
    op.create_index('ix_bucket_hour', 'figure_bucket', ['contest_id', 'hour'], unique=False,
                    postgresql_include=['unit_id', 'group', *COUNTS])


def downgrade():
    op.drop_index('ix_bucket_hour', table_name='figure_bucket')
    op.drop_index('ix_bucket_unit_hour', table_name='figure_bucket')
    op.drop_index('ix_account_staff', table_name='account')
