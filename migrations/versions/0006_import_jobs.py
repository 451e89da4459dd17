"""import_job: uploads staged between preview and confirmation, and their background jobs

Revision ID: 0006_import_jobs
Revises: 0005_figure_minutes
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_import_jobs'
down_revision = '0005_figure_minutes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_import_job_account_id_account')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_import_job_unit_id_unit')),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_job_batch_id_import_batch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index('ix_import_job_kind_sha256', ['kind', 'sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_account_id'))
        batch_op.drop_index(batch_op.f('ix_import_job_status'))
        batch_op.drop_index('ix_import_job_kind_sha256')
    op.drop_table('import_job')
