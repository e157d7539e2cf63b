"""surveys: CSAT and NPS questions, their skips and answers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = crowdcare.store.types.UTCDateTime(timezone=True)
    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('control', sa.String(length=20), nullable=True),
        sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('responder', sa.String(length=20), nullable=True),
        sa.Column('responder_agent_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('answer_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('answered_via', sa.String(length=20), nullable=True),
        sa.Column('asked_at', when, nullable=False),
        sa.Column('expires_at', when, nullable=True),
        sa.Column('answered_at', when, nullable=True),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['responder_agent_id'], ['agents.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'kind', name='uq_surveys_ticket_kind'),
    )
    op.create_index('ix_surveys_conversation_id', 'surveys', ['conversation_id'])
    op.create_index('ix_surveys_customer', 'surveys', ['customer_id', 'kind', 'asked_at'])
    op.create_index('ix_surveys_list', 'surveys', ['workspace_id', 'kind', 'id'])


def downgrade() -> None:
    op.drop_table('surveys')
