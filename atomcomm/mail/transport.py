"""The contract every mail transport keeps, and the factory that picks one for a mailbox.

A transport has ``open()``, ``close()`` and ``send(messages) -> list[SendResult]`` and is a context
manager. ``send`` opens a connection when none is open and closes only a connection it opened itself,
so a caller that holds the transport open (``with transport: ...``) sends a whole batch over one
session. Operational failures of a recipient are results; configuration errors (a wrong password,
an unknown host) are raised.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from atomcomm.errors import ConfigError
from atomcomm.mail.result import SendResult, Status

if TYPE_CHECKING:
    from types import TracebackType

    from atomcomm.mail.mailboxes import Mailbox
    from atomcomm.mail.message import OutgoingEmail


class MailTransport(ABC):
    """Base of the mail transports (SMTP, capture, memory)."""

    kind: ClassVar[str] = ""

    def __init__(self, *, mailbox: str = "") -> None:
        self.mailbox = mailbox

    @property
    def is_open(self) -> bool:
        """True while a connection (or session) is open."""
        return False

    def open(self) -> bool:
        """Open the connection if none is open; True when this call opened it."""
        return False

    def close(self) -> None:  # noqa: B027 - a hook: transports without a connection keep it empty
        """Close the connection (no error when none is open)."""

    def send(self, messages: Iterable[OutgoingEmail]) -> list[SendResult]:
        """Send messages; one result per (message, envelope recipient), in order.

        Raises:
            TransportError: the server cannot be reached or refuses the login (nothing was sent).
            ConfigError: a credential reference cannot be resolved.
        """
        batch = list(messages)
        if not batch:
            return []
        opened = self.open()
        try:
            return self._send_batch(batch)
        finally:
            if opened:
                self.close()

    @abstractmethod
    def _send_batch(self, batch: list[OutgoingEmail]) -> list[SendResult]:
        """Send an already open batch."""

    def _result(self, msg: OutgoingEmail, recipient: str, status: Status, **extra: object) -> SendResult:
        return SendResult(
            recipient=recipient,
            status=status,
            key=msg.key,
            message_id=msg.message_id,
            mailbox=msg.mailbox or self.mailbox,
            transport=self.kind,
            **extra,  # type: ignore[arg-type]
        )

    def __enter__(self) -> MailTransport:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def transport_for(mailbox: Mailbox, *, data_path: str | Path = "data") -> MailTransport:
    """The transport a mailbox's settings ask for.

    Args:
        mailbox: the mailbox (its ``transport`` setting picks smtp, capture or memory).
        data_path: the workspace's data folder; capture writes into ``<data_path>/captured/<mailbox>/``.
    """
    if mailbox.transport == "smtp":
        from atomcomm.mail.smtp import SmtpTransport

        return SmtpTransport.from_mailbox(mailbox)
    if mailbox.transport == "capture":
        from atomcomm.mail.capture import CaptureTransport

        return CaptureTransport.for_mailbox(mailbox, Path(data_path))
    if mailbox.transport == "memory":
        from atomcomm.mail.memory import MemoryTransport

        return MemoryTransport(mailbox=mailbox.name)
    raise ConfigError(f"mailbox {mailbox.name!r}: unknown transport {mailbox.transport!r}")
