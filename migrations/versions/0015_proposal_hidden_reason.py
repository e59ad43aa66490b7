"""proposal moderation: the team's reason for hiding a proposal

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
