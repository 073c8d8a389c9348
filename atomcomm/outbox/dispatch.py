"""Dispatch: hands queued outbox rows to the transports, and records what happened.

Used by single sends and campaigns alike. Rows are claimed (queued → sending), grouped by channel and
sender, and sent over one transport session per group (one SMTP connection per mailbox, one HTTP client
per gateway), at most ``per_minute`` messages a minute per mailbox. Each row ends as ``sent``, ``failed``,
``unknown`` (it may have left: check before resending) or back in ``queued`` with a time for the next
attempt when the failure is temporary. Configuration errors stop the run and put the rows they affect
back in the queue: nothing is lost, nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atomcomm.errors import AtomcommError, ConfigError, TransportError
from atomcomm.outbox.blobs import outbox_blobs
from atomcomm.outbox.store import OutboxStore, Outcome, utcnow
from atomcomm.status import ACCEPTED

if TYPE_CHECKING:
    from atomcomm.workspace import Workspace

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (30, 120, 600)
SUCCESS = ACCEPTED


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one outbox row in one dispatch run.

    Attributes:
        outbox_id: the row.
        recipient: address or number.
        state: the row's state afterwards (sent, failed, queued, unknown).
        status: the provider's status in the shared vocabulary.
        provider_id: the Message-ID or the gateway's message id.
        error: why it failed, when it did.
    """

    outbox_id: int
    recipient: str
    state: str
    status: str
    provider_id: str | None = None
    error: str | None = None
    retryable: bool = False

    @property
    def ok(self) -> bool:
        return self.state == "sent"


class RateLimiter:
    """A token bucket per mailbox: ``per_minute`` messages a minute, small bursts allowed."""

    def __init__(
        self, per_minute: float, burst: int = 10, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = max(per_minute, 1e-6) / 60.0
        self.capacity = float(max(1, min(burst, int(per_minute) or 1)))
        self.tokens = self.capacity
        self.clock = clock
        self.last = clock()
        self.lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            delay = (1 - self.tokens) / self.rate
            self.tokens = 0.0
            self.last = now + delay
        sleep(delay)
        return delay


def _retry_at(attempts: int, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def outcome_for(status: str, attempts: int, *, retryable: bool, max_attempts: int = MAX_ATTEMPTS) -> str:
    """The row's next state for a provider status."""
    if status in SUCCESS:
        return "sent"
    if status == "unknown":
        return "unknown"
    if retryable and attempts < max_attempts:
        return "queued"
    return "failed"


class Dispatcher:
    """Sends queued rows of the outbox of a workspace.

    Args:
        ws: the workspace (mailboxes, SMS gateway, blobs folder).
        store: the outbox store (default: ``ws.outbox``).
        max_attempts: attempts per row before a temporary failure becomes final.
        sleep: the function that waits (tests pass a fake).
    """

    def __init__(
        self,
        ws: Workspace,
        store: OutboxStore | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ws = ws
        self.store = store or ws.outbox
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.limiters: dict[str, RateLimiter] = {}
        self.blobs = outbox_blobs(ws.config)

    def recover(self) -> dict[str, int]:
        """Settle rows an interrupted run left in ``sending`` (see :meth:`OutboxStore.recover`).

        SMS rows are queued again only when the gateway de-duplicates by key; e-mail never is.
        """
        safe = ["sms"] if self.ws.sms.gateway().dedupes_by_key else []
        return self.store.recover(idempotent_channels=safe)

    def run(
        self,
        *,
        ids: Iterable[int] | None = None,
        batch: str | None = None,
        limit: int | None = None,
        chunk: int = 200,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[SendOutcome]:
        """Claim and send due queued rows (all of them, or the given ids / batch); returns one outcome per row."""
        wanted = [int(i) for i in ids] if ids is not None else None
        outcomes: list[SendOutcome] = []
        total = len(wanted) if wanted is not None else (limit or 0)
        while limit is None or len(outcomes) < limit:
            take = chunk if limit is None else min(chunk, limit - len(outcomes))
            rows = self.store.claim(batch=batch, ids=wanted, limit=take)
            if not rows:
                break
            groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for row in rows:
                groups.setdefault((row["channel"], row["sender"]), []).append(row)
            for (channel, sender), group in groups.items():
                if channel == "email":
                    outcomes += self._send_email(sender, group)
                else:
                    outcomes += self._send_sms(sender, group)
                if progress:
                    progress(len(outcomes), max(total, len(outcomes)))
        return outcomes

    # --- e-mail -----------------------------------------------------------------------------------------

    def _limiter(self, name: str, per_minute: float) -> RateLimiter:
        if name not in self.limiters:
            self.limiters[name] = RateLimiter(per_minute)
        return self.limiters[name]

    def _send_email(self, sender: str, rows: list[dict[str, Any]]) -> list[SendOutcome]:
        from atomcomm.mail.message import Attachment, build_email

        try:
            mailbox = self.ws.mailboxes.get(sender)
            transport = self.ws.mailboxes.transport(mailbox)
        except AtomcommError as err:
            self._requeue(rows, f"mailbox {sender!r}: {err}")
            raise
        limiter = self._limiter(f"mail:{mailbox.name}", float(mailbox.per_minute or 600))
        outcomes: list[SendOutcome] = []
        pending = list(rows)
        try:
            with transport:
                while pending:
                    row = pending[0]  # leaves the list once its outcome is recorded
                    meta = row.get("meta") or {}
                    try:
                        files = [
                            Attachment(a["filename"], self._attachment_bytes(a), a.get("content_type"))
                            for a in row.get("attachments") or []
                        ]
                        to = (row["recipient_name"] or "", row["recipient"])
                        msg = build_email(
                            mailbox,
                            key=row["key"],
                            to=[to],
                            cc=row.get("cc") or None,
                            bcc=row.get("bcc") or None,
                            subject=row.get("subject") or "",
                            text=row.get("body_text"),
                            html=row.get("body_html"),
                            attachments=files,
                            is_marketing=bool(meta.get("is_marketing")),
                            unsubscribe_url=meta.get("unsubscribe_url"),
                            unsubscribe_mailto=meta.get("unsubscribe_mailto"),
                            headers=meta.get("headers"),
                        )
                    except AtomcommError as err:  # this message cannot be built: its row fails alone
                        outcomes.append(self._record(row, "failed", "invalid", error=str(err)))
                        pending.pop(0)
                        continue
                    limiter.wait(self.sleep)
                    results = transport.send([msg])
                    pending.pop(0)
                    main = next((r for r in results if r.recipient == msg.recipients[0]), results[0])
                    others = [r for r in results if r is not main and not r.ok]
                    error = main.error
                    if others:
                        extra = "; ".join(f"{r.recipient}: {r.error}" for r in others)
                        error = f"{error}; {extra}" if error else f"copies failed: {extra}"
                    outcomes.append(
                        self._record(
                            row,
                            str(main.status),
                            str(main.status),
                            provider_id=msg.message_id,
                            error=error,
                            error_code=None if main.error_code is None else str(main.error_code),
                            retryable=main.retryable,
                            raw=main.raw,
                        )
                    )
        except (ConfigError, TransportError) as err:
            requeued = self._requeue(pending, str(err), retryable=isinstance(err, TransportError))
            if isinstance(err, ConfigError) or not outcomes:
                raise
            outcomes += requeued  # the server went away mid-batch: the rest waits for the next run
        return outcomes

    def _attachment_bytes(self, ref: Mapping[str, Any]) -> bytes:
        digest = ref.get("sha256")
        if digest:
            return self.blobs.read(str(digest))
        raise AtomcommError(f"attachment {ref.get('filename')!r} has no stored content")

    # --- SMS --------------------------------------------------------------------------------------------

    def _send_sms(self, sender: str, rows: list[dict[str, Any]]) -> list[SendOutcome]:
        from atomcomm.sms.message import Sender, Sms

        try:
            gateway = self.ws.sms.gateway()
        except AtomcommError as err:
            self._requeue(rows, f"SMS gateway: {err}")
            raise
        messages: list[Sms] = []
        usable: list[dict[str, Any]] = []
        outcomes: list[SendOutcome] = []
        for row in rows:
            meta = row.get("meta") or {}
            try:
                messages.append(
                    Sms(
                        to=row["recipient"],
                        text=row.get("body_text") or "",
                        sender=Sender.parse(sender),
                        key=row["key"],
                        max_parts=int(meta.get("max_parts", 6)),
                        transliterate=bool(meta.get("transliterate", False)),
                    )
                )
                usable.append(row)
            except AtomcommError as err:
                outcomes.append(self._record(row, "failed", "invalid", error=str(err)))
        if not messages:
            return outcomes
        try:
            with gateway:
                results = gateway.send(messages)
        except AtomcommError as err:
            settled = list(getattr(err, "results", None) or [])
            done = {r.key for r in settled}
            for r in settled:
                row = next(x for x in usable if x["key"] == r.key)
                outcomes.append(self._sms_outcome(row, r))
            self._requeue([x for x in usable if x["key"] not in done], str(err))
            raise
        by_key = {r.key: r for r in results}
        for row in usable:
            r = by_key.get(row["key"])
            if r is None:
                outcomes.append(
                    self._record(row, "unknown", "unknown", error="the gateway returned no result")
                )
            else:
                outcomes.append(self._sms_outcome(row, r))
        return outcomes

    def _sms_outcome(self, row: dict[str, Any], r: Any) -> SendOutcome:
        return self._record(
            row,
            str(r.status),
            str(r.status),
            provider_id=r.message_id,
            error=r.error,
            error_code=None if r.error_code is None else str(r.error_code),
            retryable=bool(r.retryable),
            raw=r.raw,
        )

    # --- recording --------------------------------------------------------------------------------------

    def _record(
        self,
        row: dict[str, Any],
        status_for_state: str,
        status: str,
        *,
        provider_id: str | None = None,
        error: str | None = None,
        error_code: str | None = None,
        retryable: bool = False,
        raw: Any = None,
    ) -> SendOutcome:
        attempts = int(row.get("attempts") or 1)
        state = outcome_for(status_for_state, attempts, retryable=retryable, max_attempts=self.max_attempts)
        now = utcnow()
        self.store.record(
            int(row["id"]),
            Outcome(
                state=state,
                status=status,
                provider_id=provider_id,
                error_code=error_code,
                error=error,
                retryable=retryable,
                retry_at=_retry_at(attempts, now) if state == "queued" else None,
                raw=raw,
            ),
        )
        return SendOutcome(int(row["id"]), row["recipient"], state, status, provider_id, error, retryable)

    def _requeue(
        self, rows: Sequence[dict[str, Any]], error: str, retryable: bool = True
    ) -> list[SendOutcome]:
        now = utcnow()
        out = []
        for row in rows:
            out.append(
                SendOutcome(int(row["id"]), row["recipient"], "queued", "unknown", None, error, retryable)
            )
            self.store.record(
                int(row["id"]),
                Outcome(
                    state="queued",
                    status="unknown",
                    error=error,
                    retryable=retryable,
                    retry_at=now if not retryable else _retry_at(int(row.get("attempts") or 1), now),
                ),
            )
        return out


__all__ = ["Dispatcher", "RateLimiter", "SendOutcome", "outcome_for"]
