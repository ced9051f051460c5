"""Initial schema: plans, clauses, user settings, screenings, the anonymous log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("short_title", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False, index=True),
        sa.Column("parents", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("doc_number", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "clause",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("doc_id", sa.String(64), sa.ForeignKey("document.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lead_departments", sa.String(), nullable=False),
        sa.Column("participating_departments", sa.String(), nullable=False),
        sa.Column("box", sa.String(), nullable=False),
        sa.Column("indicator", sa.String(), nullable=True),
    )
    op.create_table(
        "user_profile",
        sa.Column("user_key", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("voice", sa.Boolean(), nullable=False),
        sa.Column("voice_rate", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "screening_session",
        sa.Column("user_key", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "unanswered_question",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "app_meta",
        "unanswered_question",
        "screening_session",
        "user_profile",
        "clause",
        "document",
    ):
        op.drop_table(table)
