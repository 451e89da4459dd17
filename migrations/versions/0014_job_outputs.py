"""import_job: the file a background job made (login slips, a ZIP of documents)

Revision ID: 0014_job_outputs
Revises: 0013_integrity
Create Date: 2026-12-04 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_job_outputs'
down_revision = '0013_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('output', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('output_name', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('output_name')
        batch_op.drop_column('output')
