"""publication approval

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'publication_needs_approval', sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
    op.create_table('publication_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('proposed_by', sa.String(length=120), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_publication_proposals_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_proposals')),
    sa.UniqueConstraint('forum_id', name=op.f('uq_publication_proposals_forum_id'))
    )


def downgrade():
    op.drop_table('publication_proposals')
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_column('publication_needs_approval')
