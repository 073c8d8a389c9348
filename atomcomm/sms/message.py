"""What goes into a gateway and what comes out: Sms, Sender, SmsResult, DeliveryReport, InboundSms.

Every provider's answer is normalised into one status vocabulary (:data:`STATUSES`). Parsers start at
``unknown`` and upgrade only on evidence; the provider's raw answer is kept for the outbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs

import phonenumbers

from atomcomm.errors import MessageError
from atomcomm.sms.segments import SegmentInfo, segments
from atomcomm.sms.transliterate import transliterate as _transliterate
from atomcomm.status import ACCEPTED, StatusName

Status = StatusName

SenderKind = Literal["name", "number", "random", "two_way", "default"]
SENDER_NAME_RE = re.compile(r"^[A-Za-z0-9 .\-]{1,11}$")
_KEY_RE = re.compile(r"^[!-~]{1,255}$")  # printable ASCII, no spaces
MAX_PARTS_LIMIT = 10


@dataclass(frozen=True)
class Sender:
    """Who an SMS comes from, as a kind rather than a string.

    Build one with :meth:`name`, :meth:`number`, :meth:`random`, :meth:`two_way`, :meth:`default`, or
    :meth:`parse` a configuration value (``name:ATOM``, ``number:+48500100200``, ``random``, ``two_way``,
    ``default``).

    Attributes:
        kind: ``name`` (a registered sender name), ``number`` (a fixed number), ``random`` (a number from
            the provider's pool: SMSAPI's ECO traffic), ``two_way`` (a number that can receive replies),
            ``default`` (the account default).
        value: the name or the E.164 number for ``name`` and ``number``; None otherwise.
    """

    kind: SenderKind
    value: str | None = None

    KINDS: ClassVar[tuple[str, ...]] = ("name", "number", "random", "two_way", "default")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise MessageError(f"unknown SMS sender kind {self.kind!r}; use one of {', '.join(self.KINDS)}")
        if self.kind in ("name", "number") and not self.value:
            raise MessageError(f"an SMS sender of kind {self.kind!r} needs a value")
        if self.kind not in ("name", "number") and self.value is not None:
            raise MessageError(f"an SMS sender of kind {self.kind!r} takes no value")

    @classmethod
    def name(cls, value: str) -> Sender:
        """A registered sender name: 1-11 characters of letters, digits, space, dot and dash.

        Raises:
            MessageError: the name breaks those rules (the message says which).
        """
        if not SENDER_NAME_RE.fullmatch(value or ""):
            raise MessageError(
                f"SMS sender name {value!r} is not allowed: use 1-11 characters of A-Z, a-z, 0-9, "
                "space, dot or dash (no Polish letters)"
            )
        if not any(c.isalpha() for c in value):
            raise MessageError(
                f"SMS sender name {value!r} has no letter: networks read it as a number; "
                "use Sender.number() for a phone number"
            )
        return cls("name", value)

    @classmethod
    def number(cls, value: str, *, region: str = "PL") -> Sender:
        """A fixed sender number (stored in E.164).

        Raises:
            MessageError: the number is not a valid phone number.
        """
        try:
            parsed = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException as err:
            raise MessageError(f"SMS sender number {value!r} is not a phone number") from err
        if not phonenumbers.is_valid_number(parsed):
            raise MessageError(f"SMS sender number {value!r} is not a valid phone number")
        return cls("number", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))

    @classmethod
    def random(cls) -> Sender:
        """A number from the provider's pool (SMSAPI ECO; a Twilio Messaging Service)."""
        return cls("random")

    @classmethod
    def two_way(cls) -> Sender:
        """A number that can receive replies (SMSAPI ``2way``)."""
        return cls("two_way")

    @classmethod
    def default(cls) -> Sender:
        """The account's default sender: the request names none."""
        return cls("default")

    @classmethod
    def parse(cls, spec: str | Sender) -> Sender:
        """Read a sender from configuration: ``name:X``, ``number:+48...``, ``random``, ``two_way``, ``default``.

        Raises:
            MessageError: the text is not one of these forms.
        """
        if isinstance(spec, Sender):
            return spec
        text = (spec or "").strip()
        kind, sep, value = text.partition(":")
        kind = kind.strip().lower().replace("-", "_")
        if sep:
            if kind == "name":
                return cls.name(value)
            if kind == "number":
                return cls.number(value)
        elif kind in ("random", "two_way", "default"):
            return cls(kind)  # type: ignore[arg-type]
        raise MessageError(
            f"SMS sender {spec!r} is not understood: write name:ATOM, number:+48500100200, random, "
            "two_way or default"
        )

    @property
    def spec(self) -> str:
        """The configuration form, e.g. ``name:ATOM`` or ``random`` (inverse of :meth:`parse`)."""
        return f"{self.kind}:{self.value}" if self.value else self.kind

    def __str__(self) -> str:
        return self.spec


@dataclass(frozen=True)
class Sms:
    """One SMS to one recipient.

    Attributes:
        to: the recipient, preferably E.164 (``+48500100200``); gateways validate and normalise it.
        text: the body as it should arrive.
        sender: who it comes from.
        key: idempotency key (1-255 printable ASCII characters, no spaces or ``|``): a retry with the same
            key never sends twice where the provider supports it (SMSAPI ``idx``).
        send_at: schedule for later (timezone-aware); None sends now.
        max_parts: refuse locally when the text takes more parts than this (1-10).
        transliterate: replace Polish letters and typography with GSM-7 equivalents before sending.
        test: a validation call: the provider checks the request without sending or charging.
    """

    to: str
    text: str
    sender: Sender
    key: str
    send_at: dt.datetime | None = None
    max_parts: int = 6
    transliterate: bool = False
    test: bool = False

    def __post_init__(self) -> None:
        if not _KEY_RE.fullmatch(self.key or "") or "|" in self.key:
            raise MessageError(
                f"SMS key {self.key!r} is not usable: 1-255 printable ASCII characters, no spaces or '|'"
            )
        if not isinstance(self.sender, Sender):
            raise MessageError(f"SMS {self.key}: sender must be a Sender (use Sender.parse({self.sender!r}))")
        if not self.text or not self.text.strip():
            raise MessageError(f"SMS {self.key}: the text is empty")
        if not 1 <= self.max_parts <= MAX_PARTS_LIMIT:
            raise MessageError(f"SMS {self.key}: max_parts must be 1-{MAX_PARTS_LIMIT}, not {self.max_parts}")
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise MessageError(
                f"SMS {self.key}: send_at must be timezone-aware (e.g. ZoneInfo('Europe/Warsaw'))"
            )

    @property
    def body(self) -> str:
        """The text that goes on the wire (transliterated when asked)."""
        return _transliterate(self.text) if self.transliterate else self.text

    @property
    def info(self) -> SegmentInfo:
        """Encoding, length and parts of :attr:`body`."""
        return segments(self.body)


@dataclass
class SmsResult:
    """What happened to one :class:`Sms`.

    Attributes:
        key: the message's idempotency key.
        to: the recipient in E.164 when it could be parsed, else as given.
        status: one of :data:`STATUSES`.
        message_id: the provider's id, when it gave one.
        parts: the number of parts the provider counted (or we did, when it said nothing).
        cost: the price when known (SMSAPI points, Twilio's currency), positive.
        cost_unit: ``points``, ``USD``...
        error_code: the provider's error code (or ``too_many_parts``, ``invalid_number``, ``timeout``,
            ``connect``, ``http_503``...).
        error: the error text.
        retryable: True when sending again later may succeed (and is safe).
        duplicate: the provider says this key was already used: the earlier send went through.
        test: the answer to a validation call (``Sms.test``): nothing was sent.
        attempts: HTTP requests made for this message.
        provider: ``smsapi``, ``twilio``, ``fake``.
        raw: the provider's answer for this message (the outbox keeps it).
    """

    key: str
    to: str
    status: Status = "unknown"
    message_id: str | None = None
    parts: int | None = None
    cost: Decimal | None = None
    cost_unit: str | None = None
    error_code: str | None = None
    error: str | None = None
    retryable: bool = False
    duplicate: bool = False
    test: bool = False
    attempts: int = 0
    provider: str = ""
    raw: Any = None

    @property
    def ok(self) -> bool:
        """True when the provider accepted the message (queued, sent or delivered)."""
        return self.status in ACCEPTED


@dataclass(frozen=True)
class DeliveryReport:
    """A provider's news about a message sent earlier.

    Attributes:
        provider: ``smsapi``, ``twilio``, ``fake``.
        message_id: the provider's id of the sent message.
        status: one of :data:`STATUSES`.
        provider_status: the provider's own status word or code (``404``, ``delivered``).
        is_final: True when no further report will change the status.
        to: the recipient in E.164, when the report says.
        key: our idempotency key, when the provider echoes it (SMSAPI ``idx``).
        error_code: the provider's error code, if any.
        time: when the status was reached, if the report says (UTC).
        raw: the report's fields as received.
    """

    provider: str
    message_id: str | None
    status: Status
    provider_status: str = ""
    is_final: bool = False
    to: str | None = None
    key: str | None = None
    error_code: str | None = None
    time: dt.datetime | None = None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundSms:
    """An SMS someone sent to us (a reply to a two-way sender, or to our number).

    Attributes:
        provider: ``smsapi``, ``twilio``, ``fake``.
        message_id: the provider's id of this inbound message (or of the message it answers, for SMSAPI).
        from_number: the sender in E.164.
        to_number: our number it was sent to, in E.164 when it is a number.
        text: the body.
        received_at: when it arrived (UTC), if the callback says.
        in_reply_to: the provider's id of our message this answers, when the provider links them.
        raw: the callback's fields as received.
    """

    provider: str
    message_id: str | None
    from_number: str
    to_number: str | None
    text: str
    received_at: dt.datetime | None = None
    in_reply_to: str | None = None
    raw: dict[str, str] = field(default_factory=dict)


CallbackData = Mapping[str, Any] | str | bytes


def form_fields(data: CallbackData) -> dict[str, list[str]]:
    """Callback data as ``{name: [values]}``: from a form body, a query string or a mapping.

    Accepts ``str``/``bytes`` (``a=1&b=2``), a mapping of strings, or a mapping of lists (``parse_qs``,
    a web framework's multi-dict converted with ``lists()``).
    """
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    if isinstance(data, str):
        return {k: list(v) for k, v in parse_qs(data.lstrip("?"), keep_blank_values=True).items()}
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, str | bytes):
            values: Sequence[Any] = [value]
        elif isinstance(value, Sequence):
            values = value
        else:
            values = [value]
        out[str(key)] = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
    return out


def first(fields: Mapping[str, list[str]], name: str) -> str | None:
    """The first value of ``name`` in parsed form fields, or None."""
    values = fields.get(name)
    return values[0] if values else None


def e164_or_raw(number: str | None) -> str | None:
    """``48500100200`` or ``+48500100200`` as ``+48500100200``; other text unchanged."""
    if number is None:
        return None
    text = number.strip()
    if text.isdigit():
        return "+" + text
    return text
