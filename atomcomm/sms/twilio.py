"""Twilio Programmable Messaging: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``.

Twilio has no idempotency key: once a request may have reached Twilio (a timeout, a lost answer, a 5xx),
the message is *not* sent again automatically; the result says ``unknown`` and not retryable, so a person
checks the Twilio console. Only failures that prove nothing arrived (no connection, HTTP 429) are retried.
Callbacks are signed with ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted form fields, keyed
with the auth token) and verified before they are parsed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from atomcomm.errors import CallbackSignatureError, ConfigError, GatewayError, MessageError
from atomcomm.sms.gateway import Prepared, SmsGateway, header
from atomcomm.sms.message import (
    CallbackData,
    DeliveryReport,
    InboundSms,
    SmsResult,
    Status,
    first,
    form_fields,
)

log = logging.getLogger("atomcomm.sms.twilio")

# Twilio message status -> (our status, final?)
STATUS: dict[str, tuple[Status, bool]] = {
    "accepted": ("queued", False),
    "scheduled": ("queued", False),
    "queued": ("queued", False),
    "sending": ("sent", False),
    "sent": ("sent", False),
    "partially_delivered": ("sent", False),
    "delivered": ("delivered", True),
    "read": ("delivered", True),
    "undelivered": ("failed", True),
    "failed": ("failed", True),
    "canceled": ("failed", True),
}
# error codes that affect every message: (what it means, how to fix)
CONFIG_ERRORS: dict[int, str] = {
    20003: "Twilio refused the credentials: check [sms] account_sid and token",
    20404: "the Twilio account or Messaging Service does not exist: check [sms] account_sid",
    21212: "the From number is not valid: check the sender",
    21606: "the From number cannot send SMS to this destination: pick an SMS-capable Twilio number",
    21603: "a From number or Messaging Service is required: set [sms] from_number or messaging_service_sid",
    21702: "the Messaging Service does not exist: check [sms] messaging_service_sid",
}
INVALID_ERRORS = frozenset({21211, 21214, 21217, 21265, 21612, 21614, 21635})
RETRYABLE_ERRORS = frozenset({20429})


def compute_signature(url: str, params: Mapping[str, Any], auth_token: str) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 over the URL plus each sorted ``name`` + ``value``."""
    fields = form_fields(params)
    payload = url + "".join(name + value for name in sorted(fields) for value in sorted(fields[name]))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port (proxies differ)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = userinfo + "@" if userinfo else ""
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url, urlunsplit(parts._replace(netloc=prefix + host))]
    if default_port is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default_port}")))
    return list(dict.fromkeys(variants))


def verify_signature(url: str, params: Mapping[str, Any], signature: str | None, auth_token: str) -> bool:
    """True when ``signature`` (the ``X-Twilio-Signature`` header) matches the request."""
    if not signature:
        return False
    return any(
        hmac.compare_digest(compute_signature(variant, params, auth_token), signature.strip())
        for variant in _url_variants(url)
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TwilioGateway(SmsGateway):
    """Twilio's Messages API.

    Args:
        account_sid: ``AC...``.
        auth_token: the auth token (a value: resolve ``env:``/``keyring:`` references before); it also
            keys callback signatures.
        base_url: ``https://api.twilio.com``.
        from_number: the default ``From`` (a Twilio number, E.164) for ``Sender.default()`` and
            ``Sender.two_way()``.
        messaging_service_sid: ``MG...``: a number pool, used for ``Sender.random()``, for scheduled sends,
            and as the default when there is no ``from_number``.
        status_callback: URL Twilio posts delivery reports to.
        verify_callbacks: refuse callbacks without a valid ``X-Twilio-Signature``.
        connect_retries: attempts after a failed connection (nothing reached Twilio, so it is safe).
        client, timeout, concurrency, region, allow_voip: see :class:`~atomcomm.sms.gateway.SmsGateway`.
    """

    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = "https://api.twilio.com",
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
        verify_callbacks: bool = True,
        connect_retries: int = 1,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        concurrency: int = 1,
        region: str = "PL",
        allow_voip: bool = False,
    ) -> None:
        super().__init__(
            client=client, timeout=timeout, concurrency=concurrency, region=region, allow_voip=allow_voip
        )
        if not account_sid or not auth_token:
            raise ConfigError('Twilio needs [sms] account_sid and token (token = "env:TWILIO_AUTH_TOKEN")')
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.base_url = base_url.rstrip("/")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.verify_callbacks = verify_callbacks
        self.connect_retries = max(0, connect_retries)

    def __repr__(self) -> str:  # the auth token stays out of reprs and logs
        return f"TwilioGateway(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    @property
    def messages_url(self) -> str:
        """The Messages resource of the account."""
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    # --- sending -----------------------------------------------------------------------------------------

    def _check(self, item: Prepared) -> Prepared | SmsResult:
        if item.sms.test:
            raise MessageError(
                f"SMS {item.sms.key}: Twilio has no free validation call; use Twilio's test credentials"
            )
        self.form(item)  # raises ConfigError before anything is sent
        return item

    def form(self, item: Prepared) -> dict[str, str]:
        """The form fields of one Messages request.

        Raises:
            ConfigError: the sender kind needs a setting this gateway lacks.
        """
        sms = item.sms
        form = {"To": item.to, "Body": item.body}
        sender = sms.sender
        if sender.kind in ("name", "number") and sender.value:
            form["From"] = sender.value
        elif sender.kind == "random":
            if not self.messaging_service_sid:
                raise ConfigError(
                    "Twilio: Sender.random() needs a number pool: set [sms] messaging_service_sid (MG...)"
                )
            form["MessagingServiceSid"] = self.messaging_service_sid
        elif self.from_number:  # default and two_way: a Twilio number can receive replies
            form["From"] = self.from_number
        elif self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            raise ConfigError(
                f"Twilio: Sender.{sender.kind}() needs [sms] from_number or messaging_service_sid"
            )
        if sms.send_at is not None:
            if not self.messaging_service_sid:
                raise ConfigError(
                    "Twilio schedules only through a Messaging Service: set messaging_service_sid"
                )
            form["MessagingServiceSid"] = self.messaging_service_sid
            form.pop("From", None)
            form["ScheduleType"] = "fixed"
            form["SendAt"] = sms.send_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        return form

    def _send_group(self, group: list[Prepared]) -> list[SmsResult]:
        [item] = group
        form = self.form(item)
        auth = (self.account_sid, self._auth_token)
        attempts = 0
        while True:
            attempts += 1
            try:
                response = self.client.post(self.messages_url, data=form, auth=auth)
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                if attempts <= self.connect_retries:
                    continue
                return [
                    self._result(
                        item, "failed", "connect", f"cannot connect to Twilio: {err}", True, attempts
                    )
                ]
            except httpx.TransportError as err:
                # the request may have reached Twilio: never resend automatically
                return [
                    self._result(
                        item,
                        "unknown",
                        "timeout" if isinstance(err, httpx.TimeoutException) else "connection_lost",
                        f"no answer from Twilio ({err!r}); the message may have been sent: check the Twilio "
                        "console before sending again",
                        False,
                        attempts,
                    )
                ]
            result = self.parse_response(item, response)
            result.attempts = attempts
            return [result]

    def _result(
        self, item: Prepared, status: Status, code: str, error: str, retryable: bool, attempts: int
    ) -> SmsResult:
        return SmsResult(
            key=item.sms.key,
            to=item.to,
            status=status,
            error_code=code,
            error=error,
            retryable=retryable,
            attempts=attempts,
            provider=self.provider,
        )

    def parse_response(self, item: Prepared, response: httpx.Response) -> SmsResult:
        """The result of one message from Twilio's answer."""
        result = SmsResult(key=item.sms.key, to=item.to, provider=self.provider)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        result.raw = body if body is not None else response.text[:2000]
        if response.is_success:
            if not isinstance(body, dict):
                result.error_code = "bad_response"
                result.error = f"Twilio answered HTTP {response.status_code} without JSON; check the console"
                return result
            status = STATUS.get(str(body.get("status") or "").lower())
            if status is not None:
                result.status = status[0]
            result.message_id = body.get("sid")
            result.parts = _int(body.get("num_segments")) or None
            try:
                result.cost = abs(Decimal(str(body["price"]))) if body.get("price") is not None else None
            except InvalidOperation:
                result.cost = None
            result.cost_unit = body.get("price_unit") if result.cost is not None else None
            if body.get("error_code"):
                result.error_code = str(body["error_code"])
                result.error = str(body.get("error_message") or "")
            return result
        code = _int(body.get("code")) if isinstance(body, dict) else None
        message = str(body.get("message") or "") if isinstance(body, dict) else response.text[:200]
        result.error_code = str(code) if code is not None else f"http_{response.status_code}"
        result.error = f"Twilio error {code or response.status_code}: {message}"
        if code in CONFIG_ERRORS or response.status_code == 401:
            hint = CONFIG_ERRORS.get(
                code or 0, "Twilio refused the credentials: check [sms] account_sid and token"
            )
            raise GatewayError(
                f"Twilio refused the request: {message or response.status_code}; {hint}",
                code=result.error_code,
            )
        if response.status_code >= 500:
            result.error += "; the message may have been sent: check the Twilio console before sending again"
            return result  # unknown, not retryable
        if code in RETRYABLE_ERRORS or response.status_code == 429:
            result.status, result.retryable = "failed", True
        elif code in INVALID_ERRORS:
            result.status = "invalid"
        else:
            result.status = "rejected"
        return result

    # --- callbacks ---------------------------------------------------------------------------------------

    def _verified(
        self, data: CallbackData, url: str | None, headers: Mapping[str, str] | None
    ) -> dict[str, list[str]]:
        fields = form_fields(data)
        if self.verify_callbacks:
            signature = header(headers, "X-Twilio-Signature")
            if not url or not signature:
                raise CallbackSignatureError(
                    "Twilio callback without X-Twilio-Signature or without the URL it was sent to: pass "
                    "url= (the full public URL) and headers= to verify it"
                )
            if not verify_signature(url, fields, signature, self._auth_token):
                raise CallbackSignatureError(
                    f"Twilio callback to {url} has a signature that does not match: not from Twilio, or the "
                    "URL differs from the one Twilio called (a proxy rewriting it?)"
                )
        return fields

    def parse_delivery_reports(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> list[DeliveryReport]:
        """A status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``, ``To``), signature verified."""
        fields = self._verified(data, url, headers)
        word = (first(fields, "MessageStatus") or first(fields, "SmsStatus") or "").lower()
        status, final = STATUS.get(word, ("unknown", False))
        return [
            DeliveryReport(
                provider=self.provider,
                message_id=first(fields, "MessageSid") or first(fields, "SmsSid"),
                status=status,
                provider_status=word,
                is_final=final,
                to=first(fields, "To"),
                error_code=first(fields, "ErrorCode") or None,
                raw={k: v[0] for k, v in fields.items() if v},
            )
        ]

    def parse_inbound(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> InboundSms:
        """An incoming-message webhook (``MessageSid``, ``From``, ``To``, ``Body``), signature verified."""
        fields = self._verified(data, url, headers)
        sender = first(fields, "From")
        if not sender:
            raise MessageError("not a Twilio inbound webhook: the field From is missing")
        return InboundSms(
            provider=self.provider,
            message_id=first(fields, "MessageSid"),
            from_number=sender,
            to_number=first(fields, "To"),
            text=first(fields, "Body") or "",
            raw={k: v[0] for k, v in fields.items() if v},
        )
