"""the FAQ bot: knowledge base entries, versions, bot turns

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('intent', sa.String(length=40), nullable=True),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'key')
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_entries_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('faq_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('vectors', sa.LargeBinary(), nullable=True),
    sa.Column('model', sa.String(length=60), nullable=True),
    sa.Column('updated_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('faq_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_versions_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_versions_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('bot_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bot_turns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bot_turns_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_bot_turns_entry', ['workspace_id', 'entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bot_turns_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bot_turns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bot_turns_ticket_id'))
        batch_op.drop_index('ix_bot_turns_entry')
        batch_op.drop_index(batch_op.f('ix_bot_turns_conversation_id'))

    op.drop_table('bot_turns')
    with op.batch_alter_table('faq_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_versions_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_faq_versions_entry_id'))

    op.drop_table('faq_versions')
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_entries_workspace_id'))

    op.drop_table('faq_entries')
