"""counted attempt: prize settings across rankings, units excluded from coverage prizes

Revision ID: 0007_counted_attempt
Revises: 0006_import_jobs
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_counted_attempt'
down_revision = '0006_import_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest') as batch:
        for name in ('weekly_winner_may_win_final', 'one_weekly_prize_per_person'):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False,
                                       server_default=sa.true()))
    with op.batch_alter_table('ranking_entry') as batch:
        batch.add_column(sa.Column('excluded_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('ranking_entry') as batch:
        batch.drop_column('excluded_reason')
    with op.batch_alter_table('contest') as batch:
        batch.drop_column('one_weekly_prize_per_person')
        batch.drop_column('weekly_winner_may_win_final')
