"""Remember what a person's next message answers (for example a region after /region).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_profile") as table:
        table.add_column(sa.Column("pending", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_profile") as table:
        table.drop_column("pending")
