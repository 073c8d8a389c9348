"""The outbox tables: one row per (message, recipient), and an event log per row.

Created by migration 0002. The row carries everything needed to send (or re-send after a crash) without
going back to the template: the rendered content, the sender, the recipient and attachment references.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from atomcomm.db import own_metadata

STATES = ("planned", "queued", "sending", "sent", "failed", "skipped", "unknown")
FINAL_STATES = frozenset({"sent", "failed", "skipped"})

# Allowed transitions of the state machine (from -> to).
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"queued", "skipped"}),
    "queued": frozenset({"sending", "skipped"}),
    "sending": frozenset({"sent", "failed", "queued", "unknown"}),
    "unknown": frozenset({"queued", "sent", "failed", "skipped"}),
    "failed": frozenset({"queued"}),
    "sent": frozenset(),
    "skipped": frozenset({"queued"}),
}

outbox = Table(
    "atomcomm_outbox",
    own_metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("batch", String(100), nullable=True, index=True),  # a draft send or a campaign
    Column("channel", String(10), nullable=False),  # email | sms
    Column("state", String(10), nullable=False, index=True),
    Column("object_type", String(40), nullable=True),
    Column("object_id", Integer, nullable=True),
    Column("template", String(200), nullable=True),
    Column("user_login", String(50), nullable=True),  # who sent it; None = the company
    Column("sender", String(100), nullable=False),  # mailbox name or SMS sender spec
    Column("sender_address", String(254), nullable=True),
    Column("recipient", String(254), nullable=False),  # e-mail address or E.164 number
    Column("recipient_name", String(200), nullable=True),
    Column("recipient_role", String(60), nullable=True),
    Column("cc", JSON, nullable=True),
    Column("bcc", JSON, nullable=True),
    Column("subject", Text, nullable=True),
    Column("body_text", Text, nullable=True),
    Column("body_html", Text, nullable=True),
    Column("attachments", JSON, nullable=True),  # references, see atomcomm.outbox.store.AttachmentRef
    Column("meta", JSON, nullable=True),  # kind (marketing/transactional), sms options, ...
    Column("message_id", String(255), nullable=True),
    Column("provider_id", String(255), nullable=True),
    Column("status", String(12), nullable=True),  # last provider status (shared vocabulary)
    Column("attempts", Integer, nullable=False, default=0),
    Column("retryable", Boolean, nullable=True),
    Column("error_code", String(40), nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_atomcomm_outbox_object", "object_type", "object_id"),
)

events = Table(
    "atomcomm_outbox_events",
    own_metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "outbox_id", Integer, ForeignKey("atomcomm_outbox.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("from_state", String(10), nullable=True),
    Column("to_state", String(10), nullable=False),
    Column("status", String(12), nullable=True),
    Column("detail", Text, nullable=True),
    Column("data", JSON, nullable=True),
)
