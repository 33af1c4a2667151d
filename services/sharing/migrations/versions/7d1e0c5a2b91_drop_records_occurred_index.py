"""drop the records index on occurred_at alone

Revision ID: 7d1e0c5a2b91
Revises: 0caff8a16b08
Create Date: 2026-11-25 21:20:00
"""
from alembic import op

revision = '7d1e0c5a2b91'
down_revision = '0caff8a16b08'
branch_labels = None
depends_on = None


def upgrade():
    # Lists across types read each type's newest through (type, occurred_at) and merge them
    # (services.sharing.pages); the index on occurred_at alone only cost every batch its writes.
    op.drop_index('ix_records_occurred', table_name='records')


def downgrade():
    op.create_index('ix_records_occurred', 'records', ['occurred_at'], unique=False)
