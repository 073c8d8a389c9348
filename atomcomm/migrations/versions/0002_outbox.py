"""The outbox: one row per message and recipient, and its event log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "atomcomm_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("batch", sa.String(100), nullable=True, index=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, index=True),
        sa.Column("object_type", sa.String(40), nullable=True),
        sa.Column("object_id", sa.Integer, nullable=True),
        sa.Column("template", sa.String(200), nullable=True),
        sa.Column("user_login", sa.String(50), nullable=True),
        sa.Column("sender", sa.String(100), nullable=False),
        sa.Column("sender_address", sa.String(254), nullable=True),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=True),
        sa.Column("recipient_role", sa.String(60), nullable=True),
        sa.Column("cc", sa.JSON, nullable=True),
        sa.Column("bcc", sa.JSON, nullable=True),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("body_text", sa.Text, nullable=True),
        sa.Column("body_html", sa.Text, nullable=True),
        sa.Column("attachments", sa.JSON, nullable=True),
        sa.Column("meta", sa.JSON, nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("provider_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(12), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retryable", sa.Boolean, nullable=True),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_atomcomm_outbox_object", "atomcomm_outbox", ["object_type", "object_id"])
    op.create_table(
        "atomcomm_outbox_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "outbox_id",
            sa.Integer,
            sa.ForeignKey("atomcomm_outbox.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(10), nullable=True),
        sa.Column("to_state", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("data", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("atomcomm_outbox_events")
    op.drop_index("ix_atomcomm_outbox_object", "atomcomm_outbox")
    op.drop_table("atomcomm_outbox")
