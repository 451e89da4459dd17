"""integrity: signals of padded figures and their review

Registrations keep the network address and the signed device cookie they came from,
finished attempts their answer pattern, contests their integrity thresholds and whether
attempts reviewed as invalid are left out; integrity_review holds the reviews.

Revision ID: 0013_integrity
Revises: 0012_topic_buckets
Create Date: 2026-12-04 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_integrity'
down_revision = '0012_topic_buckets'
branch_labels = None
depends_on = None


INDEXES = [
    ('ix_registration_ip_created', 'registration', ['contest_id', 'client_ip', 'created_at'],
     'client_ip IS NOT NULL'),
    ('ix_registration_device', 'registration', ['contest_id', 'device_id', 'created_at'],
     'device_id IS NOT NULL AND assisted_by_id IS NULL'),
    ('ix_registration_helper_created', 'registration',
     ['contest_id', 'assisted_by_id', 'created_at'], 'assisted_by_id IS NOT NULL'),
    ('ix_attempt_pattern', 'attempt', ['contest_id', 'answer_pattern', 'finished_at'],
     'answer_pattern IS NOT NULL'),
]


def upgrade():
    with op.batch_alter_table('registration') as batch:
        batch.add_column(sa.Column('client_ip', sa.String(length=45), nullable=True))
        batch.add_column(sa.Column('device_id', sa.String(length=32), nullable=True))
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('answer_pattern', sa.String(length=100), nullable=True))
    with op.batch_alter_table('contest') as batch:
        batch.add_column(sa.Column('integrity_settings', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('exclude_invalid', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'integrity_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('signal_key', sa.String(length=120), nullable=False),
        sa.Column('verdict', sa.String(length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('account_ids', sa.JSON(), nullable=False),
        sa.Column('attempt_ids', sa.JSON(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contest_id', 'signal_key'),
    )
    op.create_index('ix_integrity_review_unit_id', 'integrity_review', ['unit_id'])
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))


def downgrade():
    for name, table, _columns, _where in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index('ix_integrity_review_unit_id', table_name='integrity_review')
    op.drop_table('integrity_review')
    with op.batch_alter_table('contest') as batch:
        batch.drop_column('exclude_invalid')
        batch.drop_column('integrity_settings')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('answer_pattern')
    with op.batch_alter_table('registration') as batch:
        batch.drop_column('device_id')
        batch.drop_column('client_ip')
