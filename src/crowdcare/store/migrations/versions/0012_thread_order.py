"""deliveries: the thread each concerns (claims keep a thread's order) and the claim holding it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None
UNDONE = "status IN ('pending', 'processing')"


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
    op.create_index('ix_deliveries_undone', 'deliveries',
                    ['channel_account_id', 'thread_key', 'id'], unique=False,
                    postgresql_where=sa.text(UNDONE), sqlite_where=sa.text(UNDONE))


def downgrade() -> None:
    op.drop_index('ix_deliveries_undone', table_name='deliveries')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('thread_key')
