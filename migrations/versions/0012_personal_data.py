"""personal data: consent records, consent version, account deletion, staff access log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
    op.create_table(
        'consent_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('given_at', sa.DateTime(), nullable=False),
        sa.Column('optional', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_user_id'), ['user_id'], unique=False)


    op.create_table(
        'staff_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('actor_name', sa.String(length=80), nullable=False),
        sa.Column('network_hash', sa.String(length=16), nullable=True),
        sa.Column('forum_id', sa.Integer(), nullable=True),
        sa.Column('what', sa.String(length=40), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('staff_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_access_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_access_at'))
    op.drop_table('staff_access')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_user_id'))
    op.drop_table('consent_records')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('consent_version')
