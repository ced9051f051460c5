"""The conversation's short memory, apart from settings: the prompt or choices last offered, and the
region a person named in passing. Kept 30 minutes; /forget and `planbot purge` delete it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_profile") as table:
        table.drop_column("pending")  # settings no longer hold a prompt: the short memory does
    op.create_table(
        "conversation_memory",
        sa.Column("user_key", sa.String(64), primary_key=True),
        sa.Column("pending", sa.String(16), nullable=True),
        sa.Column("choices", sa.Text(), nullable=True),
        sa.Column("context_region", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("conversation_memory")
    with op.batch_alter_table("user_profile") as table:
        table.add_column(sa.Column("pending", sa.String(16), nullable=True))
