"""calendars and SLA: business calendars (assignable per channel account and team), SLA
policies, each ticket's SLA clocks and the inbox's mirror of them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None
UTC = crowdcare.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('business_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('holidays', sa.String(length=20), nullable=True),
    sa.Column('closed', sa.JSON(), nullable=False),
    sa.Column('ical', sa.Text(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name')
    )
    op.create_index('ix_business_calendars_workspace_id', 'business_calendars', ['workspace_id'])
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('counts_community', sa.Boolean(), nullable=False),
    sa.Column('counts_bot', sa.Boolean(), nullable=False),
    sa.Column('at_risk_share', sa.Float(), nullable=False),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendars.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name')
    )
    op.create_index('ix_sla_policies_workspace_id', 'sla_policies', ['workspace_id'])
    for table in ('channel_accounts', 'teams'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('calendar_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_calendar_id', 'business_calendars',
                                        ['calendar_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sla_next_at', UTC, nullable=True))
        batch_op.create_index('ix_tickets_sla_next_at', ['sla_next_at'], unique=False)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_due_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('sla_state', sa.String(length=20), nullable=True))
        batch_op.create_index('ix_conversations_sla', ['workspace_id', 'status', 'sla_state',
                                                       'sla_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_sla')
        batch_op.drop_column('sla_state')
        batch_op.drop_column('sla_due_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_sla_next_at')
        batch_op.drop_column('sla_next_at')
        batch_op.drop_column('sla')
    for table in ('teams', 'channel_accounts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_calendar_id', type_='foreignkey')
            batch_op.drop_column('calendar_id')
    op.drop_index('ix_sla_policies_workspace_id', table_name='sla_policies')
    op.drop_table('sla_policies')
    op.drop_index('ix_business_calendars_workspace_id', table_name='business_calendars')
    op.drop_table('business_calendars')
