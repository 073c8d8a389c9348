"""The status vocabulary shared by every transport, gateway and the outbox.

Every provider's answer becomes one of these (django-anymail's approach): a parser starts at ``unknown``
and upgrades only on evidence.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

StatusName = Literal["queued", "sent", "delivered", "failed", "rejected", "invalid", "unknown"]

#: The vocabulary, from "accepted, waiting" to "known to be wrong".
STATUSES: tuple[StatusName, ...] = ("queued", "sent", "delivered", "failed", "rejected", "invalid", "unknown")
#: Statuses that mean the provider took the message.
ACCEPTED: frozenset[StatusName] = frozenset({"queued", "sent", "delivered"})
#: Statuses after which nothing will change.
FINAL: frozenset[StatusName] = frozenset({"delivered", "failed", "rejected", "invalid"})


class Status(StrEnum):
    """The vocabulary as an enum; members compare equal to their plain string values."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REJECTED = "rejected"
    INVALID = "invalid"
    UNKNOWN = "unknown"
