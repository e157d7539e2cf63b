"""customers: a survey opt-out (when, and how it was given)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'surveys_opted_out_at', crowdcare.store.types.UTCDateTime(timezone=True),
            nullable=True))
        batch_op.add_column(sa.Column('surveys_opt_out_via', sa.String(length=200),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('surveys_opt_out_via')
        batch_op.drop_column('surveys_opted_out_at')
