"""atomcomm's tables of per-user settings (created by migration 0001), shared by mail and SMS.

``atomcomm_mailboxes`` holds a user's own outgoing mailbox (the same keys as ``[mailboxes.users.X]``, never
secrets); ``atomcomm_sms_senders`` a user's own SMS sender (``name:X``, ``number:+48...``, ...).
"""

from __future__ import annotations

import re

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table

from atomcomm.db import own_metadata

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,50}$")
"""What an ERP login may look like."""

mailboxes = Table(
    "atomcomm_mailboxes",
    own_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_login", String(50), nullable=False, unique=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sms_senders = Table(
    "atomcomm_sms_senders",
    own_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_login", String(50), nullable=False, unique=True),
    Column("sender", String(40), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
