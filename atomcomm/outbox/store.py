"""OutboxStore: persisted outgoing messages, their state machine and event log.

Every send, single or bulk, goes through here. A row is one message to one recipient with an idempotency
key (unique), so planning the same thing twice never makes two rows and a crash never loses one:

    planned → queued → sending → sent | failed | skipped | unknown

``claim`` moves rows from queued to sending with a conditional UPDATE, so two dispatchers never send the
same row. ``recover`` handles rows left in ``sending`` by a crash: they become ``unknown`` (the message may
have left) unless the channel's transport de-duplicates by key, in which case they are queued again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from atomcomm.errors import DuplicateSendError, OutboxError
from atomcomm.outbox.tables import FINAL_STATES, STATES, TRANSITIONS, events, outbox

MAX_KEY = 255


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def content_hash(*parts: object) -> str:
    """A short stable hash of message content, for idempotency keys."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


@dataclass
class OutboxEntry:
    """A message to one recipient, as it is put into the outbox.

    Attributes:
        key: idempotency key (at most 255 characters), unique across the outbox.
        channel: "email" or "sms".
        sender: mailbox name ("company" or a user login) or SMS sender spec ("name:ATOM").
        recipient: e-mail address or E.164 number.
        attachments: references (dicts with name, filename, source, size, and how to get the bytes).
        meta: channel options (kind, reply_to, List-Unsubscribe, SMS max_parts / transliterate ...).
    """

    key: str
    channel: str
    sender: str
    recipient: str
    recipient_name: str | None = None
    recipient_role: str | None = None
    sender_address: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    template: str | None = None
    user_login: str | None = None
    batch: str | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None

    def row(self, state: str, now: dt.datetime) -> dict[str, Any]:
        if not self.key or len(self.key) > MAX_KEY:
            raise OutboxError(f"an outbox key must have 1 to {MAX_KEY} characters, got {len(self.key)}")
        if self.channel not in ("email", "sms"):
            raise OutboxError(f"unknown channel {self.channel!r}; use 'email' or 'sms'")
        return {
            "key": self.key,
            "batch": self.batch,
            "channel": self.channel,
            "state": state,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "template": self.template,
            "user_login": self.user_login,
            "sender": self.sender,
            "sender_address": self.sender_address,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "recipient_role": self.recipient_role,
            "cc": self.cc,
            "bcc": self.bcc,
            "subject": self.subject,
            "body_text": self.body_text,
            "body_html": self.body_html,
            "attachments": self.attachments,
            "meta": self.meta,
            "message_id": self.message_id,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }


@dataclass(frozen=True)
class Outcome:
    """The result of one delivery attempt of one row, as the dispatcher reports it.

    Attributes:
        state: the row's next state: "sent", "failed", "queued" (retry later) or "unknown".
        status: the provider status in the shared vocabulary.
    """

    state: str
    status: str
    provider_id: str | None = None
    error_code: str | None = None
    error: str | None = None
    retryable: bool = False
    retry_at: dt.datetime | None = None
    raw: Any = None


class OutboxStore:
    """Rows of the outbox in the workspace database (tables created by the migrations)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- writing ----------------------------------------------------------------------------------

    def add(
        self, entries: Iterable[OutboxEntry], *, state: str = "queued", on_duplicate: str = "raise"
    ) -> list[int]:
        """Insert entries; returns their row ids (existing rows' ids for skipped duplicates).

        Args:
            state: "planned" (a campaign plan) or "queued" (ready to send).
            on_duplicate: "raise" a DuplicateSendError naming the key, or "skip" keys already present.
        """
        if state not in ("planned", "queued"):
            raise OutboxError(f"new rows start as planned or queued, not {state!r}")
        now = utcnow()
        rows = [e.row(state, now) for e in entries]
        if not rows:
            return []
        ids: list[int] = []
        with self.engine.begin() as conn:
            keys = [r["key"] for r in rows]
            existing = self._ids_by_key(conn, keys)
            if existing and on_duplicate == "raise":
                key = next(k for k in keys if k in existing)
                state_now = conn.execute(select(outbox.c.state).where(outbox.c.key == key)).scalar_one()
                raise DuplicateSendError(
                    f"this message was already put in the outbox (key {key!r}, state {state_now}); "
                    "pass resend=True to send it again"
                )
            fresh = [r for r in rows if r["key"] not in existing]
            try:
                for start in range(0, len(fresh), 1000):
                    conn.execute(insert(outbox), fresh[start : start + 1000])
            except IntegrityError as err:  # a concurrent writer inserted the same key
                raise DuplicateSendError(f"duplicate outbox key: {err.orig}") from err
            by_key = self._ids_by_key(conn, keys)
            new_ids = [by_key[r["key"]] for r in fresh]
            self._log_many(conn, [(i, None, state, None, "created", None) for i in new_ids], now)
            ids = [by_key[k] for k in keys]
        return ids

    def _ids_by_key(self, conn: Connection, keys: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            chunk = list(keys[start : start + 900])
            for key, oid in conn.execute(select(outbox.c.key, outbox.c.id).where(outbox.c.key.in_(chunk))):
                out[key] = int(oid)
        return out

    def _log_many(
        self,
        conn: Connection,
        items: Sequence[tuple[int, str | None, str, str | None, str | None, Any]],
        now: dt.datetime,
    ) -> None:
        if items:
            conn.execute(
                insert(events),
                [
                    {
                        "outbox_id": i,
                        "at": now,
                        "from_state": a,
                        "to_state": b,
                        "status": s,
                        "detail": d,
                        "data": x,
                    }
                    for i, a, b, s, d, x in items
                ],
            )

    def transition(
        self,
        ids: Iterable[int],
        to_state: str,
        *,
        from_states: Iterable[str] | None = None,
        detail: str | None = None,
    ) -> int:
        """Move rows to ``to_state`` where the state machine allows it; returns how many moved."""
        if to_state not in STATES:
            raise OutboxError(f"unknown outbox state {to_state!r}; states: {', '.join(STATES)}")
        allowed = [s for s, targets in TRANSITIONS.items() if to_state in targets]
        if from_states is not None:
            allowed = [s for s in allowed if s in set(from_states)]
        id_list = [int(i) for i in ids]
        now = utcnow()
        moved = 0
        with self.engine.begin() as conn:
            for start in range(0, len(id_list), 900):
                chunk = id_list[start : start + 900]
                current = dict(
                    conn.execute(
                        select(outbox.c.id, outbox.c.state).where(
                            outbox.c.id.in_(chunk), outbox.c.state.in_(allowed)
                        )
                    ).all()
                )
                if not current:
                    continue
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(list(current)), outbox.c.state.in_(allowed))
                    .values(state=to_state, updated_at=now)
                )
                self._log_many(conn, [(i, s, to_state, None, detail, None) for i, s in current.items()], now)
                moved += len(current)
        return moved

    def claim(
        self,
        *,
        batch: str | None = None,
        ids: Iterable[int] | None = None,
        limit: int = 100,
        now: dt.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Take up to ``limit`` due queued rows (queued → sending) and return them.

        A conditional UPDATE per row makes the claim safe against a second dispatcher.
        """
        now = now or utcnow()
        cond = [
            outbox.c.state == "queued",
            or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
        ]
        if batch is not None:
            cond.append(outbox.c.batch == batch)
        if ids is not None:
            cond.append(outbox.c.id.in_([int(i) for i in ids]))
        claimed: list[int] = []
        with self.engine.begin() as conn:
            candidates = conn.execute(
                select(outbox.c.id).where(and_(*cond)).order_by(outbox.c.id).limit(limit)
            )
            for (oid,) in candidates.all():
                res = conn.execute(
                    update(outbox)
                    .where(outbox.c.id == oid, outbox.c.state == "queued")
                    .values(state="sending", attempts=outbox.c.attempts + 1, updated_at=now)
                )
                if res.rowcount == 1:
                    claimed.append(int(oid))
            self._log_many(conn, [(i, "queued", "sending", None, None, None) for i in claimed], now)
            rows = conn.execute(
                select(outbox).where(outbox.c.id.in_(claimed)).order_by(outbox.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    def record(self, outbox_id: int, outcome: Outcome) -> None:
        """Store the outcome of a delivery attempt of a row that is ``sending``."""
        if outcome.state not in TRANSITIONS["sending"]:
            raise OutboxError(f"an attempt ends in sent, failed, queued or unknown, not {outcome.state!r}")
        now = utcnow()
        values: dict[str, Any] = {
            "state": outcome.state,
            "status": outcome.status,
            "updated_at": now,
            "retryable": outcome.retryable,
            "error_code": outcome.error_code,
            "error": outcome.error,
            "next_attempt_at": outcome.retry_at,
        }
        if outcome.provider_id:
            values["provider_id"] = outcome.provider_id
        if outcome.state == "sent":
            values["sent_at"] = now
        with self.engine.begin() as conn:
            res = conn.execute(
                update(outbox).where(outbox.c.id == outbox_id, outbox.c.state == "sending").values(**values)
            )
            if res.rowcount != 1:
                raise OutboxError(f"outbox row {outbox_id} is not being sent; its result cannot be recorded")
            detail = outcome.error or None
            self._log_many(
                conn,
                [(outbox_id, "sending", outcome.state, outcome.status, detail, _jsonable(outcome.raw))],
                now,
            )

    def update_status(
        self,
        *,
        provider_id: str | None = None,
        key: str | None = None,
        status: str,
        detail: str | None = None,
    ) -> int:
        """Apply a later provider status (a delivery report) to the row it belongs to; returns rows touched."""
        if provider_id is None and key is None:
            raise OutboxError("a status update needs the provider id or the outbox key")
        cond = outbox.c.provider_id == provider_id if provider_id is not None else outbox.c.key == key
        now = utcnow()
        with self.engine.begin() as conn:
            found = conn.execute(select(outbox.c.id, outbox.c.state).where(cond)).all()
            for oid, state in found:
                values: dict[str, Any] = {"status": status, "updated_at": now}
                new_state = state
                if status in ("failed", "rejected", "invalid") and state in ("sent", "unknown"):
                    new_state = "failed" if state == "unknown" else state
                if status in ("delivered", "sent") and state == "unknown":
                    new_state = "sent"
                values["state"] = new_state
                conn.execute(update(outbox).where(outbox.c.id == oid).values(**values))
                self._log_many(conn, [(oid, state, new_state, status, detail or "status report", None)], now)
        return len(found)

    def recover(self, *, idempotent_channels: Iterable[str] = ()) -> dict[str, int]:
        """Rows left in ``sending`` by a crash: re-queue where the transport de-duplicates, else ``unknown``."""
        safe = set(idempotent_channels)
        moved = {"queued": 0, "unknown": 0}
        with self.engine.connect() as conn:
            stuck = conn.execute(
                select(outbox.c.id, outbox.c.channel).where(outbox.c.state == "sending")
            ).all()
        requeue = [i for i, ch in stuck if ch in safe]
        unknown = [i for i, ch in stuck if ch not in safe]
        moved["queued"] = self.transition(requeue, "queued", detail="recovered after an interruption")
        moved["unknown"] = self.transition(
            unknown, "unknown", detail="interrupted while sending: it may have left; check before resending"
        )
        return moved

    # --- reading ----------------------------------------------------------------------------------

    def get(self, outbox_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == outbox_id)).mappings().first()
        if row is None:
            raise OutboxError(f"no outbox row {outbox_id}")
        return dict(row)

    def get_many(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        id_list = [int(i) for i in ids]
        out: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(id_list), 900):
                chunk = id_list[start : start + 900]
                for row in conn.execute(select(outbox).where(outbox.c.id.in_(chunk))).mappings():
                    out[int(row["id"])] = dict(row)
        return [out[i] for i in id_list if i in out]

    def rows(
        self,
        *,
        state: str | Sequence[str] | None = None,
        batch: str | None = None,
        object_type: str | None = None,
        object_id: int | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Outbox rows as a DataFrame indexed by row id, newest last."""
        cols = [outbox.c[c] for c in columns] if columns else list(outbox.c)
        if columns and "id" not in columns:
            cols.insert(0, outbox.c.id)
        stmt = select(*cols).order_by(outbox.c.id)
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            unknown = [s for s in states if s not in STATES]
            if unknown:
                raise OutboxError(f"unknown outbox state {unknown[0]!r}; states: {', '.join(STATES)}")
            stmt = stmt.where(outbox.c.state.in_(states))
        if batch is not None:
            stmt = stmt.where(outbox.c.batch == batch)
        if object_type is not None:
            stmt = stmt.where(outbox.c.object_type == object_type)
        if object_id is not None:
            stmt = stmt.where(outbox.c.object_id == int(object_id))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            df = pd.DataFrame(result.mappings().all(), columns=list(result.keys()))
        return df.set_index("id") if "id" in df.columns else df

    def counts(self, batch: str | None = None) -> dict[str, int]:
        """Rows per state (all states present, zeros included)."""
        stmt = select(outbox.c.state, func.count()).group_by(outbox.c.state)
        if batch is not None:
            stmt = stmt.where(outbox.c.batch == batch)
        with self.engine.connect() as conn:
            found = {s: int(n) for s, n in conn.execute(stmt).all()}
        return {s: found.get(s, 0) for s in STATES}

    def events(self, outbox_id: int | None = None, ids: Iterable[int] | None = None) -> pd.DataFrame:
        """The event log of one row (or several), oldest first."""
        stmt = select(events).order_by(events.c.id)
        if outbox_id is not None:
            stmt = stmt.where(events.c.outbox_id == outbox_id)
        if ids is not None:
            stmt = stmt.where(events.c.outbox_id.in_([int(i) for i in ids]))
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))

    def next_key(self, key: str) -> str:
        """``key`` when unused, else ``key-r2``, ``key-r3``... (an explicit resend of the same message)."""
        with self.engine.connect() as conn:
            used = {
                k
                for (k,) in conn.execute(
                    select(outbox.c.key).where(or_(outbox.c.key == key, outbox.c.key.like(f"{key}-r%")))
                )
            }
        if key not in used:
            return key
        n = 2
        while f"{key}-r{n}" in used:
            n += 1
        return f"{key}-r{n}"

    def is_final(self, outbox_id: int) -> bool:
        return str(self.get(outbox_id)["state"]) in FINAL_STATES


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


__all__ = ["OutboxEntry", "OutboxStore", "Outcome", "content_hash", "utcnow"]
