"""document.blanks and unit.population_is_demo

document.blanks: the unfilled places (a number or day left to write by hand, dots where a
name or phone is missing) that the person confirmed as blank on purpose when issuing;
NULL for drafts and for documents issued before this revision.
unit.population_is_demo: the adult population was made up by `seed-demo`, not entered or
imported; cleared when a real figure is typed or imported.

Revision ID: 0011_document_blanks
Revises: 0007_counted_attempt
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_document_blanks'
down_revision = '0007_counted_attempt'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document') as batch:
        batch.add_column(sa.Column('blanks', sa.JSON(), nullable=True))
    with op.batch_alter_table('unit') as batch:
        batch.add_column(sa.Column('population_is_demo', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('unit') as batch:
        batch.drop_column('population_is_demo')
    with op.batch_alter_table('document') as batch:
        batch.drop_column('blanks')
