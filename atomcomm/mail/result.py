"""The outcome of sending one message to one recipient, in the status vocabulary shared with SMS.

Every transport answers ``send(messages)`` with one :class:`SendResult` per (message, envelope
recipient). Statuses start at ``unknown`` and are upgraded only on evidence: an SMTP server's ``250``
after DATA makes a recipient ``sent``; ``delivered`` needs a delivery report (inbox issue).
"""

from __future__ import annotations

from dataclasses import dataclass

from atomcomm.status import Status

SUCCESS = frozenset({Status.QUEUED, Status.SENT, Status.DELIVERED})


@dataclass(frozen=True)
class SendResult:
    """What happened to one message for one envelope recipient.

    Attributes:
        recipient: the envelope recipient (RCPT TO address).
        status: one of the shared :class:`Status` values.
        key: the outgoing message's key (the outbox row's idempotency key).
        message_id: the ``Message-ID`` header of the message, angle brackets included.
        mailbox: name of the mailbox the message left from ("company" or a user login).
        transport: ``smtp``, ``capture`` or ``memory``.
        retryable: True when sending the same message again later may succeed (4xx, lost connection).
        error_code: the server's reply code for a failure (``"550"``), or ``smtputf8_unsupported``,
            ``connection_lost``, ``connect``; None on success. A string, as in the SMS results.
        error: a readable explanation of a failure, None on success.
        raw: the server's reply (or where a captured message was written), kept for the outbox.
    """

    recipient: str
    status: Status
    key: str
    message_id: str
    mailbox: str = ""
    transport: str = ""
    retryable: bool = False
    error_code: str | None = None
    error: str | None = None
    raw: str = ""

    @property
    def ok(self) -> bool:
        """True when the message was accepted for this recipient (queued, sent or delivered)."""
        return self.status in SUCCESS
