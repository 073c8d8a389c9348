"""User settings: own outgoing mailboxes and SMS senders per ERP user.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "atomcomm_mailboxes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_login", sa.String(50), nullable=False, unique=True),
        sa.Column("settings", sa.JSON, nullable=False),  # same keys as [mailboxes.users.X]; no secrets
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "atomcomm_sms_senders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_login", sa.String(50), nullable=False, unique=True),
        sa.Column(
            "sender", sa.String(40), nullable=False
        ),  # name:X | number:+48... | random | two_way | default
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("atomcomm_sms_senders")
    op.drop_table("atomcomm_mailboxes")
