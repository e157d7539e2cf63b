"""hardening: session epochs, token expiry, sign-in counters (replacing the per-agent count),
agents' emails unique per workspace

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
EMAIL_UQ = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    op.create_table('login_counters',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_start', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:   # 0001 left the constraint unnamed: PostgreSQL named it
        op.drop_constraint('agents_email_key', 'agents', type_='unique')
    # SQLite's unnamed UNIQUE(email) is reflected under this convention's name, then dropped
    with op.batch_alter_table('agents', schema=None, naming_convention=EMAIL_UQ) as batch_op:
        if not postgresql:
            batch_op.drop_constraint('uq_agents_email', type_='unique')
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
        batch_op.create_unique_constraint('uq_agents_workspace_email', ['workspace_id', 'email'])
        batch_op.create_index('ix_agents_email', ['email'], unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', crowdcare.store.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index('ix_agents_email')
        batch_op.drop_constraint('uq_agents_workspace_email', type_='unique')
        batch_op.create_unique_constraint(
            'agents_email_key' if op.get_bind().dialect.name == 'postgresql' else
            'uq_agents_email', ['email'])
        batch_op.add_column(sa.Column('locked_until',
                                      crowdcare.store.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_column('session_epoch')
    op.drop_table('login_counters')
