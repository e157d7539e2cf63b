"""community care: advocates, claims, answers, points, badges, exposures, alerts

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('advocates',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('trust', sa.String(length=20), nullable=False),
    sa.Column('trust_since', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('trust_locked', sa.Boolean(), nullable=False),
    sa.Column('trust_reasons', sa.JSON(), nullable=False),
    sa.Column('on_leaderboard', sa.Boolean(), nullable=False),
    sa.Column('email_alerts', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=True),
    sa.Column('quiet_end', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('invite_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invited_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('joined_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id'),
    sa.UniqueConstraint('invite_token_hash')
    )
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advocates_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('community_badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=40), nullable=False),
    sa.Column('granted_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'badge')
    )
    with op.batch_alter_table('community_badges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_badges_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('community_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sent_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'message_id')
    )
    with op.batch_alter_table('community_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_alerts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('community_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('published_text', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trust', sa.String(length=20), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('sample_result', sa.String(length=20), nullable=True),
    sa.Column('reply_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('submitted_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retracted_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retracted_by_id', sa.Integer(), nullable=True),
    sa.Column('retract_result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['retracted_by_id'], ['agents.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['agents.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('community_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_answers_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_answers_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_community_answers_queue', ['workspace_id', 'status', 'submitted_at'], unique=False)
        batch_op.create_index('ux_community_answers_live', ['message_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'published')"), postgresql_where=sa.text("status IN ('pending', 'published')"))

    op.create_table('community_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id')
    )
    with op.batch_alter_table('community_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_claims_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_claims_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('community_exposures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shown_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'message_id')
    )
    with op.batch_alter_table('community_exposures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_exposures_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('community_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', crowdcare.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['answer_id'], ['community_answers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'answer_id', 'kind')
    )
    with op.batch_alter_table('community_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_points_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index('ix_community_points_board', ['workspace_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('community_points', schema=None) as batch_op:
        batch_op.drop_index('ix_community_points_board')
        batch_op.drop_index(batch_op.f('ix_community_points_agent_id'))

    op.drop_table('community_points')
    with op.batch_alter_table('community_exposures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_exposures_workspace_id'))

    op.drop_table('community_exposures')
    with op.batch_alter_table('community_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_claims_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_community_claims_agent_id'))

    op.drop_table('community_claims')
    with op.batch_alter_table('community_answers', schema=None) as batch_op:
        batch_op.drop_index('ux_community_answers_live', sqlite_where=sa.text("status IN ('pending', 'published')"), postgresql_where=sa.text("status IN ('pending', 'published')"))
        batch_op.drop_index('ix_community_answers_queue')
        batch_op.drop_index(batch_op.f('ix_community_answers_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_community_answers_agent_id'))

    op.drop_table('community_answers')
    with op.batch_alter_table('community_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_alerts_workspace_id'))

    op.drop_table('community_alerts')
    with op.batch_alter_table('community_badges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_badges_workspace_id'))

    op.drop_table('community_badges')
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advocates_workspace_id'))

    op.drop_table('advocates')
