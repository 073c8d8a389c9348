"""A transport that keeps messages in a list, for tests (like Django's locmem backend).

By default every instance appends to the module-level :data:`outbox`, so a test can look at what was
sent through a mailbox configured with ``transport = "memory"``. Recipients listed in ``reject`` are
refused (``rejected``, 550) and those in ``defer`` fail temporarily (``failed``, 451, retryable), so
callers can exercise their handling of partial failures without a server.
"""

from __future__ import annotations

from collections.abc import Collection

from atomcomm.mail.message import OutgoingEmail
from atomcomm.mail.result import SendResult, Status
from atomcomm.mail.transport import MailTransport

outbox: list[OutgoingEmail] = []
"""Messages sent through every MemoryTransport that was not given its own list."""


class MemoryTransport(MailTransport):
    """Keeps sent messages in a list.

    Args:
        outbox: the list to append to; None = the module-level :data:`outbox`.
        reject: recipient addresses to refuse permanently.
        defer: recipient addresses to fail temporarily.
        mailbox: name of the mailbox, for results.

    Attributes:
        connections: how many times ``open`` opened a (pretend) connection.
    """

    kind = "memory"

    def __init__(
        self,
        outbox: list[OutgoingEmail] | None = None,
        *,
        reject: Collection[str] = (),
        defer: Collection[str] = (),
        mailbox: str = "",
    ) -> None:
        super().__init__(mailbox=mailbox)
        self.outbox = _module_outbox() if outbox is None else outbox
        self.reject = {a.lower() for a in reject}
        self.defer = {a.lower() for a in defer}
        self.connections = 0
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> bool:
        if self._open:
            return False
        self._open = True
        self.connections += 1
        return True

    def close(self) -> None:
        self._open = False

    def _send_batch(self, batch: list[OutgoingEmail]) -> list[SendResult]:
        results: list[SendResult] = []
        for msg in batch:
            accepted = 0
            for rcpt in msg.recipients:
                if rcpt.lower() in self.reject:
                    results.append(
                        self._result(
                            msg,
                            rcpt,
                            Status.REJECTED,
                            error_code="550",
                            error=f"{rcpt}: recipient refused (memory transport, reject list)",
                            raw="550 5.1.1 recipient refused",
                        )
                    )
                elif rcpt.lower() in self.defer:
                    results.append(
                        self._result(
                            msg,
                            rcpt,
                            Status.FAILED,
                            retryable=True,
                            error_code="451",
                            error=f"{rcpt}: temporary failure (memory transport, defer list)",
                            raw="451 4.3.0 try again later",
                        )
                    )
                else:
                    accepted += 1
                    results.append(self._result(msg, rcpt, Status.SENT, raw="250 kept in memory"))
            if accepted:
                _ = msg.data  # serialise like a real transport would, so a broken message fails here
                self.outbox.append(msg)
        return results


def _module_outbox() -> list[OutgoingEmail]:
    return outbox
