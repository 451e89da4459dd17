"""topic buckets and item statistics: knowledge gaps per unit and topic (issue 22)

Graded answers counted on write by topic, in hourly and minute buckets like the figures,
and by question version. Empty when created: `flask cdso rebuild-topics` (or
cdso.services.figures.topics.rebuild) fills them from the answers already given.

Revision ID: 0012_topic_buckets
Revises: 0011_document_blanks
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_topic_buckets'
down_revision = '0011_document_blanks'
branch_labels = None
depends_on = None

COUNTS = ['answered', 'correct', 'people']


def _counts_table(name: str, key: list, counts: list, references: list[str]):
    """A table of counts: an id, the key's columns (name, type), the counts; a foreign key
    to each of `references` (a table, by its `<table>_id` column); unique on the key."""
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        *[sa.Column(column, kind(), nullable=False) for column, kind in [*key, *counts]],
        *[sa.ForeignKeyConstraint([f'{table}_id'], [f'{table}.id'],
                                  name=op.f(f'fk_{name}_{table}_id_{table}'))
          for table in references],
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint(*[column for column, _ in key], name=f'uq_{name}_key'),
    )


def _topic_table(name: str, moment: str):
    key = [('contest_id', sa.Integer), (moment, sa.DateTime), ('unit_id', sa.Integer),
           ('organisation_id', sa.Integer), ('topic_id', sa.Integer)]
    _counts_table(name, key, [(column, sa.Integer) for column in COUNTS],
                  ['contest', 'unit', 'topic'])


def upgrade():
    _topic_table('topic_bucket', 'hour')
    op.create_index('ix_topic_bucket_unit', 'topic_bucket', ['contest_id', 'unit_id', 'hour'],
                    unique=False,
                    postgresql_include=['organisation_id', 'topic_id', *COUNTS])
    op.create_index('ix_topic_bucket_hour', 'topic_bucket', ['contest_id', 'hour'],
                    unique=False, postgresql_include=['unit_id', 'topic_id', *COUNTS])
    _topic_table('topic_minute', 'minute')
    op.create_index('ix_topic_minute_unit', 'topic_minute', ['contest_id', 'unit_id', 'minute'],
                    unique=False,
                    postgresql_include=['organisation_id', 'topic_id', *COUNTS])
    op.create_index('ix_topic_minute_city', 'topic_minute', ['contest_id', 'minute'],
                    unique=False,
                    postgresql_include=['unit_id', 'organisation_id', 'topic_id', *COUNTS])
    question = [('contest_id', sa.Integer), ('question_id', sa.Integer)]
    _counts_table('item_stat', question,
                  [('answered', sa.Integer), ('correct', sa.Integer), ('sum_rest', sa.BigInteger),
                   ('sum_rest2', sa.BigInteger), ('sum_x_rest', sa.BigInteger)],
                  ['contest', 'question'])
    _counts_table('choice_stat', [*question, ('choice_id', sa.Integer)], [('chosen', sa.Integer)],
                  ['contest', 'question'])


def downgrade():
    op.drop_table('choice_stat')
    op.drop_table('item_stat')
    op.drop_index('ix_topic_minute_city', table_name='topic_minute')
    op.drop_index('ix_topic_minute_unit', table_name='topic_minute')
    op.drop_table('topic_minute')
    op.drop_index('ix_topic_bucket_hour', table_name='topic_bucket')
    op.drop_index('ix_topic_bucket_unit', table_name='topic_bucket')
    op.drop_table('topic_bucket')
