"""proposals

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04 14:36:54.933107

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deliberation_required', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('deliberation_ends_at', sa.DateTime(), nullable=True))

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('proposer_key', sa.String(length=64), nullable=False),
    sa.Column('proposer_name', sa.String(length=40), nullable=False),
    sa.Column('group_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('estimated_cost', sa.Integer(), nullable=False),
    sa.Column('dong', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('estimated_cost > 0', name=op.f('ck_proposals_proposal_cost_positive')),
    sa.ForeignKeyConstraint(['field_id'], ['fields.id'], name=op.f('fk_proposals_field_id_fields'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_proposals_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_proposals_item_id_agenda_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_proposer_key'), ['proposer_key'], unique=False)

    op.create_table('proposal_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('supporter_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_supports_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_supports')),
    sa.UniqueConstraint('proposal_id', 'supporter_key', name=op.f('uq_proposal_supports_proposal_id_supporter_key'))
    )
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_supports_proposal_id'), ['proposal_id'], unique=False)



    op.create_table('eligible_populations',
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('population > 0', name=op.f('ck_eligible_populations_population_positive')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_eligible_populations_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('forum_id', name=op.f('pk_eligible_populations'))
    )


def downgrade():
    op.drop_table('eligible_populations')
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_supports_proposal_id'))

    op.drop_table('proposal_supports')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_proposer_key'))
        batch_op.drop_index(batch_op.f('ix_proposals_forum_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_column('deliberation_ends_at')
        batch_op.drop_column('deliberation_required')
