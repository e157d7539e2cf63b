"""hardening: session epochs, token expiry, sign-in counters (replacing the per-agent count)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_counters',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_start', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', crowdcare.store.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until',
                                      crowdcare.store.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_column('session_epoch')
    op.drop_table('login_counters')
