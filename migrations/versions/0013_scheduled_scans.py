"""scheduled bloc-voting scans: the latest scan per forum, and flag alerts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('anomaly_scans',
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.Column('high_water', sa.Integer(), nullable=False),
    sa.Column('flags', sa.Integer(), nullable=False),
    sa.Column('new_flags', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_anomaly_scans_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('forum_id', name=op.f('pk_anomaly_scans'))
    )
    with op.batch_alter_table('anomaly_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('anomaly_flags', schema=None) as batch_op:
        batch_op.drop_column('alerted_at')
    op.drop_table('anomaly_scans')
