"""The outbox: the one hand-off between what we want to send and what was sent."""

from atomcomm.outbox.store import OutboxEntry, OutboxStore, Outcome, content_hash
from atomcomm.outbox.tables import FINAL_STATES, STATES

__all__ = ["FINAL_STATES", "STATES", "OutboxEntry", "OutboxStore", "Outcome", "content_hash"]
