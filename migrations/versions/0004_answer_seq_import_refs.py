"""answers keep the order they were tapped in; an import row is imported once

- attempt_question.answer_seq and attempt.prediction_seq: the order key of the answer
  (the prediction) saved in the row (see cdso.services.quiz.attempts.save_answer): a delayed
  request from an earlier tap never overwrites a later one the resident saw saved;
- attempt (contest_id, external_ref) unique where external_ref is set: two different
  files carrying the same paper row, confirmed at the same moment, cannot both import it.

Revision ID: 0004_answer_seq_import_refs
Revises: 0003_staff_and_bucket_indexes
Create Date: 2026-11-22 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_answer_seq_import_refs'
down_revision = '0003_staff_and_bucket_indexes'
branch_labels = None
depends_on = None

IMPORTED = sa.text("external_ref IS NOT NULL")


def upgrade():
    op.add_column('attempt_question', sa.Column('answer_seq', sa.BigInteger(), nullable=False,
                                                server_default='0'))
    op.add_column('attempt', sa.Column('prediction_seq', sa.BigInteger(), nullable=False,
                                       server_default='0'))
    op.create_index('ux_attempt_external_ref', 'attempt', ['contest_id', 'external_ref'],
                    unique=True, postgresql_where=IMPORTED, sqlite_where=IMPORTED)


def downgrade():
    op.drop_index('ux_attempt_external_ref', table_name='attempt')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('prediction_seq')
    with op.batch_alter_table('attempt_question') as batch:
        batch.drop_column('answer_seq')
