"""role display name

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=80), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_column('name')
