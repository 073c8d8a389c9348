"""FakeGateway: an in-memory SMS gateway for tests and the demo.

It follows the same contract as the real gateways (local checks, one result per message, duplicate keys
answered as "already sent") and records what it accepted. Failures can be scripted per number, and
helpers produce delivery-report and reply callbacks that :meth:`FakeGateway.parse_delivery_reports` and
:meth:`FakeGateway.parse_inbound` read back into the shared objects.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from atomcomm.errors import GatewayError, MessageError
from atomcomm.sms.gateway import Prepared, SmsGateway
from atomcomm.sms.message import (
    CallbackData,
    DeliveryReport,
    InboundSms,
    Sms,
    SmsResult,
    Status,
    first,
    form_fields,
)
from atomcomm.sms.phone import normalize_phone
from atomcomm.status import FINAL, STATUSES

PRICE_PER_PART = Decimal("0.16")


@dataclass(frozen=True)
class FakeSent:
    """One message the fake accepted.

    Attributes:
        message_id: the id it was given (``FAKE-000001``...).
        sms: the message as passed to ``send``.
        to: the recipient in E.164.
        body: the text that would have gone on the wire.
        parts: its number of parts.
        at: when it was accepted (UTC).
    """

    message_id: str
    sms: Sms
    to: str
    body: str
    parts: int
    at: dt.datetime


@dataclass
class _Script:
    status: Status
    error_code: str
    error: str
    retryable: bool
    times: int | None
    stop_batch: bool


class FakeGateway(SmsGateway):
    """An SMS gateway that keeps everything in memory.

    Args:
        region: region for numbers without a country code.
        allow_voip: accept VoIP recipients.
        concurrency: parallel "requests" (exercises the same code path as the HTTP gateways).
    """

    provider = "fake"
    dedupes_by_key = True
    uses_http = False

    def __init__(self, *, region: str = "PL", allow_voip: bool = False, concurrency: int = 1) -> None:
        super().__init__(concurrency=concurrency, region=region, allow_voip=allow_voip)
        self.sent: list[FakeSent] = []
        self.tested: list[FakeSent] = []
        self.requests = 0
        self._by_key: dict[str, FakeSent] = {}
        self._by_id: dict[str, FakeSent] = {}
        self._scripts: dict[str, _Script] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeGateway(sent={len(self.sent)})"

    # --- scripting ---------------------------------------------------------------------------------------

    def fail(
        self,
        number: str,
        status: Status = "failed",
        *,
        error_code: str = "fake",
        error: str = "scripted failure",
        retryable: bool = False,
        times: int | None = None,
        stop_batch: bool = False,
    ) -> None:
        """Make messages to ``number`` fail.

        Args:
            number: the recipient (any form phonenumbers reads).
            status: the status of the failed result (``failed``, ``rejected``, ``invalid``, ``unknown``).
            error_code: the error code the result carries.
            error: the error text.
            retryable: the result's retryable flag.
            times: fail only the next ``times`` messages to that number; None = always.
            stop_batch: raise :class:`GatewayError` instead, as a provider refusing the whole batch.
        """
        if status not in STATUSES or status in ("queued", "sent", "delivered"):
            raise ValueError(f"a scripted failure needs a failure status, not {status!r}")
        self._scripts[normalize_phone(number, region=self.region, allow_voip=True)] = _Script(
            status, error_code, error, retryable, times, stop_batch
        )

    def clear(self) -> None:
        """Forget sent messages, keys and scripted failures."""
        with self._lock:
            self.sent.clear()
            self.tested.clear()
            self._by_key.clear()
            self._by_id.clear()
            self._scripts.clear()
            self.requests = 0

    @property
    def messages(self) -> list[Sms]:
        """The messages accepted so far, in order."""
        return [s.sms for s in self.sent]

    # --- sending -----------------------------------------------------------------------------------------

    def _send_group(self, group: list[Prepared]) -> list[SmsResult]:
        [item] = group
        sms = item.sms
        with self._lock:
            self.requests += 1
            script = self._scripts.get(item.to)
            if script is not None and script.times is not None:
                script.times -= 1
                if script.times <= 0:
                    del self._scripts[item.to]
            if script is not None:
                if script.stop_batch:
                    message = f"fake gateway refused the batch at {item.to}: {script.error}"
                    raise GatewayError(message, code=script.error_code)
                return [
                    SmsResult(
                        key=sms.key,
                        to=item.to,
                        status=script.status,
                        error_code=script.error_code,
                        error=script.error,
                        retryable=script.retryable,
                        attempts=1,
                        provider=self.provider,
                        raw={"scripted": True},
                    )
                ]
            earlier = self._by_key.get(sms.key)
            if earlier is not None and not sms.test:
                return [
                    SmsResult(
                        key=sms.key,
                        to=item.to,
                        status="queued",
                        message_id=earlier.message_id,
                        parts=earlier.parts,
                        error_code="duplicate",
                        error=f"key {sms.key!r} was used before: the earlier send went through",
                        duplicate=True,
                        attempts=1,
                        provider=self.provider,
                    )
                ]
            record = FakeSent(
                f"FAKE-{next(self._ids):06d}",
                sms,
                item.to,
                item.body,
                item.info.parts,
                dt.datetime.now(dt.UTC),
            )
            if sms.test:
                self.tested.append(record)
            else:
                self.sent.append(record)
                self._by_key[sms.key] = record
                self._by_id[record.message_id] = record
        return [
            SmsResult(
                key=sms.key,
                to=item.to,
                status="queued",
                message_id=record.message_id,
                parts=record.parts,
                cost=PRICE_PER_PART * record.parts,
                cost_unit="points",
                test=sms.test,
                attempts=1,
                provider=self.provider,
                raw={"id": record.message_id, "parts": record.parts},
            )
        ]

    # --- callbacks ---------------------------------------------------------------------------------------

    def _find(self, key_or_id: str) -> FakeSent:
        record = self._by_key.get(key_or_id) or self._by_id.get(key_or_id)
        if record is None:
            raise MessageError(f"the fake gateway sent nothing with key or id {key_or_id!r}")
        return record

    def report_payload(
        self, key_or_id: str, status: Status = "delivered", error_code: str | None = None
    ) -> dict[str, str]:
        """The form fields of a delivery-report callback for a message sent earlier."""
        record = self._find(key_or_id)
        payload = {"id": record.message_id, "key": record.sms.key, "to": record.to, "status": status}
        if error_code:
            payload["error_code"] = error_code
        return payload

    def reply_payload(self, key_or_id: str, text: str, from_number: str | None = None) -> dict[str, str]:
        """The form fields of an inbound SMS answering a message sent earlier (from its recipient)."""
        record = self._find(key_or_id)
        return {
            "id": f"FAKE-MO-{next(self._ids):06d}",
            "in_reply_to": record.message_id,
            "from": from_number or record.to,
            "to": record.sms.sender.value or record.sms.sender.kind,
            "text": text,
        }

    def deliver(self, key_or_id: str, status: Status = "delivered") -> DeliveryReport:
        """A delivery report for a message sent earlier (parsed from :meth:`report_payload`)."""
        [report] = self.parse_delivery_reports(self.report_payload(key_or_id, status))
        return report

    def reply(self, key_or_id: str, text: str) -> InboundSms:
        """A reply from the recipient of a message sent earlier (parsed from :meth:`reply_payload`)."""
        return self.parse_inbound(self.reply_payload(key_or_id, text))

    def parse_delivery_reports(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> list[DeliveryReport]:
        """Reports from the fake's callback fields: ``id``, ``status``, ``key``, ``to``, ``error_code``."""
        fields = form_fields(data)
        word = first(fields, "status") or "unknown"
        status: Status = word if word in STATUSES else "unknown"
        return [
            DeliveryReport(
                provider=self.provider,
                message_id=first(fields, "id"),
                status=status,
                provider_status=word,
                is_final=status in FINAL,
                to=first(fields, "to"),
                key=first(fields, "key"),
                error_code=first(fields, "error_code"),
                time=dt.datetime.now(dt.UTC),
                raw={k: v[0] for k, v in fields.items() if v},
            )
        ]

    def parse_inbound(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> InboundSms:
        """An inbound SMS from the fake's callback fields: ``id``, ``from``, ``to``, ``text``, ``in_reply_to``."""
        fields = form_fields(data)
        sender = first(fields, "from")
        if not sender:
            raise MessageError("not a fake inbound callback: the field 'from' is missing")
        return InboundSms(
            provider=self.provider,
            message_id=first(fields, "id"),
            from_number=sender,
            to_number=first(fields, "to"),
            text=first(fields, "text") or "",
            received_at=dt.datetime.now(dt.UTC),
            in_reply_to=first(fields, "in_reply_to"),
            raw={k: v[0] for k, v in fields.items() if v},
        )
