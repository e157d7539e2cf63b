"""inbox view indexes: each view's filter, then its sort

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# (name, columns): the unassigned/mine, escalations and language views in priority order, and
# the "most recent" sort, each read a page straight from its index.
INDEXES = [
    ("ix_conversations_assignee", ["workspace_id", "status", "assignee_id", "priority",
                                   "last_message_at"]),
    ("ix_conversations_route", ["workspace_id", "status", "route", "priority",
                                "last_message_at"]),
    ("ix_conversations_language", ["workspace_id", "status", "language", "priority",
                                   "last_message_at"]),
    ("ix_conversations_recent", ["workspace_id", "status", "last_message_at"]),
]


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        for name, _ in INDEXES:
            batch_op.drop_index(name)
