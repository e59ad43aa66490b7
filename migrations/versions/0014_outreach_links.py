"""outreach links: named links and QR codes per forum, and the ballot's outreach tag

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outreach_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_outreach_links_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_links')),
    sa.UniqueConstraint('code', name=op.f('uq_outreach_links_code')),
    sa.UniqueConstraint('forum_id', 'name', name='uq_outreach_links_forum_name')
    )
    with op.batch_alter_table('outreach_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_links_forum_id'), ['forum_id'], unique=False)
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outreach_tag', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('outreach_tag')
    with op.batch_alter_table('outreach_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_links_forum_id'))
    op.drop_table('outreach_links')
