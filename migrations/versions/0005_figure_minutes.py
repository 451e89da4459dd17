"""figure_minute: the figure counts by minute

A figure as of a moment inside an hour adds the minute buckets of the hour's whole
minutes instead of counting the hour's rows in the source tables (cdso.services.figures.stats).
Filled here from the source tables, so figures read the same before and after.

Revision ID: 0005_figure_minutes
Revises: 0004_answer_seq_import_refs
Create Date: 2026-11-22 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_figure_minutes'
down_revision = '0004_answer_seq_import_refs'
branch_labels = None
depends_on = None

COUNTS = ['registered', 'finished', 'attempts', 'imported_attempts']

BACKFILL = """
INSERT INTO figure_minute (contest_id, minute, unit_id, organisation_id, "group",
                           registered, finished, attempts, imported_attempts)
SELECT contest_id, minute, unit_id, organisation_id, grp, sum(r), sum(f), sum(a), sum(i)
FROM (
  SELECT contest_id, {created} AS minute, unit_id, coalesce(organisation_id, 0) AS organisation_id,
         "group" AS grp, 1 AS r, 0 AS f, 0 AS a, 0 AS i
  FROM registration
  UNION ALL
  SELECT contest_id, {finished}, unit_id, coalesce(organisation_id, 0), "group", 0, 1, 0, 0
  FROM registration WHERE first_finished_at IS NOT NULL
  UNION ALL
  SELECT r.contest_id, {recorded}, r.unit_id, coalesce(r.organisation_id, 0), r."group", 0, 0, 1,
         CASE WHEN a.source <> 'online' THEN 1 ELSE 0 END
  FROM attempt a JOIN registration r ON r.id = a.registration_id
  WHERE a.status = 'finished'
) AS recorded
GROUP BY contest_id, minute, unit_id, organisation_id, grp
"""


def _minute(column: str, dialect: str) -> str:
    if dialect == 'postgresql':
        return f"date_trunc('minute', {column})"
    return f"strftime('%Y-%m-%d %H:%M:00.000000', {column})"


def upgrade():
    op.create_table(
        'figure_minute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('minute', sa.DateTime(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('group', sa.String(length=20), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'],
                                name=op.f('fk_figure_minute_contest_id_contest')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_figure_minute_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_minute')),
        sa.UniqueConstraint('contest_id', 'minute', 'unit_id', 'organisation_id', 'group',
                            name='uq_figure_minute_key'),
    )
    op.create_index('ix_minute_unit', 'figure_minute', ['contest_id', 'unit_id', 'minute'],
                    unique=False, postgresql_include=['organisation_id', 'group', *COUNTS])
    op.create_index('ix_minute_city', 'figure_minute', ['contest_id', 'minute'],
                    unique=False, postgresql_include=['unit_id', 'organisation_id', 'group',
                                                      *COUNTS])
    dialect = op.get_bind().dialect.name
    op.get_bind().execute(sa.text(BACKFILL.format(
        created=_minute('created_at', dialect), finished=_minute('first_finished_at', dialect),
        recorded=_minute('a.recorded_at', dialect))))


def downgrade():
    op.drop_index('ix_minute_city', table_name='figure_minute')
    op.drop_index('ix_minute_unit', table_name='figure_minute')
    op.drop_table('figure_minute')
