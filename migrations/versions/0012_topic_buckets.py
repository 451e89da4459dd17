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


def _topic_table(name: str, moment: str):
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column(moment, sa.DateTime(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        *[sa.Column(column, sa.Integer(), nullable=False) for column in COUNTS],
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'],
                                name=op.f(f'fk_{name}_contest_id_contest')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f(f'fk_{name}_unit_id_unit')),
        sa.ForeignKeyConstraint(['topic_id'], ['topic.id'],
                                name=op.f(f'fk_{name}_topic_id_topic')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint('contest_id', moment, 'unit_id', 'organisation_id', 'topic_id',
                            name=f'uq_{name}_key'),
    )


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
    op.create_table(
        'item_stat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('correct', sa.Integer(), nullable=False),
        sa.Column('sum_rest', sa.BigInteger(), nullable=False),
        sa.Column('sum_rest2', sa.BigInteger(), nullable=False),
        sa.Column('sum_x_rest', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'],
                                name=op.f('fk_item_stat_contest_id_contest')),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'],
                                name=op.f('fk_item_stat_question_id_question')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_stat')),
        sa.UniqueConstraint('contest_id', 'question_id', name='uq_item_stat_key'),
    )
    op.create_table(
        'choice_stat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('choice_id', sa.Integer(), nullable=False),
        sa.Column('chosen', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'],
                                name=op.f('fk_choice_stat_contest_id_contest')),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'],
                                name=op.f('fk_choice_stat_question_id_question')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_choice_stat')),
        sa.UniqueConstraint('contest_id', 'question_id', 'choice_id', name='uq_choice_stat_key'),
    )


def downgrade():
    op.drop_table('choice_stat')
    op.drop_table('item_stat')
    op.drop_index('ix_topic_minute_city', table_name='topic_minute')
    op.drop_index('ix_topic_minute_unit', table_name='topic_minute')
    op.drop_table('topic_minute')
    op.drop_index('ix_topic_bucket_hour', table_name='topic_bucket')
    op.drop_index('ix_topic_bucket_unit', table_name='topic_bucket')
    op.drop_table('topic_bucket')
