"""SMSAPI (smsapi.pl / smsapi.com) gateway: ``POST {base_url}/sms.do``, form-encoded, Bearer token.

SMSAPI answers HTTP 200 for errors too: the error is in the body (``error``, ``message``,
``invalid_numbers``). Every message carries our key as ``idx`` with ``check_idx=1``, so SMSAPI itself
refuses a second message with the same key (error 53): a retry after a lost answer cannot send twice.
Connection failures fail over to the backup host (``api2.`` of the same domain).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from atomcomm.errors import ConfigError, GatewayError
from atomcomm.sms.gateway import Prepared, SmsGateway
from atomcomm.sms.message import CallbackData, DeliveryReport, InboundSms, SmsResult, Status
from atomcomm.sms.smsapi.callbacks import parse_smsapi_inbound, parse_smsapi_reports
from atomcomm.sms.smsapi.codes import (
    CONFIG_ERRORS,
    DUPLICATE_ERROR,
    INVALID_ERRORS,
    LIST_STATUS,
    RETRYABLE_ERRORS,
)

log = logging.getLogger("atomcomm.sms.smsapi")

_SPLIT: Literal["split"] = "split"


def backup_url_for(base_url: str) -> str | None:
    """``https://api.smsapi.pl`` -> ``https://api2.smsapi.pl``; None when the host has no ``api.`` form."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if not host.startswith("api."):
        return None
    netloc = parts.netloc.replace(host, "api2." + host[4:], 1)
    return urlunsplit(parts._replace(netloc=netloc)).rstrip("/")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return abs(Decimal(str(value)))
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _digits(number: Any) -> str:
    return "".join(c for c in str(number or "") if c.isdigit())


class SmsapiGateway(SmsGateway):
    """SMSAPI's ``sms.do``.

    Args:
        token: the OAuth token (a value: resolve ``env:``/``keyring:`` references before).
        base_url: ``https://api.smsapi.pl`` (PL accounts) or ``https://api.smsapi.com``.
        backup_url: where to go when ``base_url`` cannot be reached; None = the ``api2.`` host of the same
            domain (no failover for other hosts). ``failover=False`` disables it.
        client: an ``httpx.Client`` to use (never closed by the gateway).
        retries: extra attempts for retryable failures (timeouts, 5xx, errors 8, 52, 200-203, 999); each
            retry reuses the idx, so it cannot send twice.
        retry_backoff: seconds before the first retry (doubled for each next one).
        batch_size: recipients per request for messages with the same text and options (1 = none shared).
        notify_url: per-request delivery-report URL (SMSAPI then takes one recipient per request).
        random_from: the ``from`` value that asks for a number from SMSAPI's pool (``Sender.random()``);
            confirm it for your account with ``atomcomm gateway test --sender random``.
        timeout, concurrency, region, allow_voip: see :class:`~atomcomm.sms.gateway.SmsGateway`.
    """

    provider = "smsapi"
    dedupes_by_key = True

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.smsapi.pl",
        *,
        backup_url: str | None = None,
        failover: bool = True,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        concurrency: int = 1,
        retries: int = 2,
        retry_backoff: float = 0.5,
        batch_size: int = 100,
        notify_url: str | None = None,
        random_from: str = "Eco",
        region: str = "PL",
        allow_voip: bool = False,
    ) -> None:
        super().__init__(
            client=client, timeout=timeout, concurrency=concurrency, region=region, allow_voip=allow_voip
        )
        if not token:
            raise ConfigError('SMSAPI needs a token: set [sms] token = "env:ATOMCOMM_SMSAPI_TOKEN"')
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ConfigError(f"[sms] base_url must be an http(s) URL, not {base_url!r}")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.backup_url = (backup_url or backup_url_for(self.base_url)) if failover else None
        if self.backup_url:
            self.backup_url = self.backup_url.rstrip("/")
        self._preferred = self.base_url
        self.retries = max(0, retries)
        self.retry_backoff = retry_backoff
        self.batch_size = 1 if notify_url else max(1, batch_size)
        self.notify_url = notify_url
        self.random_from = random_from

    def __repr__(self) -> str:  # the token stays out of reprs and logs
        return f"SmsapiGateway({self.base_url!r}, backup_url={self.backup_url!r})"

    # --- requests ----------------------------------------------------------------------------------------

    def _group(self, ready: list[Prepared]) -> list[list[Prepared]]:
        by_options: dict[tuple[Any, ...], list[list[Prepared]]] = {}
        for item in ready:
            s = item.sms
            options = (item.body, s.sender, s.send_at, s.max_parts, s.transliterate, s.test)
            chunks = by_options.setdefault(options, [[]])
            chunk = chunks[-1]
            # the same number twice in one request would be merged by SMSAPI: start a new request
            if len(chunk) >= self.batch_size or any(other.to == item.to for other in chunk):
                chunk = []
                chunks.append(chunk)
            chunk.append(item)
        return [chunk for chunks in by_options.values() for chunk in chunks]

    def form(self, group: list[Prepared]) -> dict[str, str]:
        """The form fields of one ``sms.do`` request for messages sharing text and options."""
        sms = group[0].sms
        form = {
            "to": ",".join(item.to.lstrip("+") for item in group),
            "message": group[0].body,
            "encoding": "utf-8",
            "format": "json",
            "details": "1",
            "idx": "|".join(item.sms.key for item in group),
            "check_idx": "1",
            "max_parts": str(sms.max_parts),
        }
        sender = sms.sender
        if sender.kind == "name" and sender.value:
            form["from"] = sender.value
        elif sender.kind == "number" and sender.value:
            form["from"] = sender.value.lstrip("+")
        elif sender.kind == "two_way":
            form["from"] = "2way"
        elif sender.kind == "random":
            form["from"] = self.random_from
        if sms.transliterate:
            form["normalize"] = "1"
        if sms.send_at is not None:
            form["date"] = str(int(sms.send_at.timestamp()))
            form["date_validate"] = "1"
        if sms.test:
            form["test"] = "1"
        if self.notify_url:
            form["notify_url"] = self.notify_url
        return form

    def _post(self, form: dict[str, str]) -> httpx.Response:
        """POST to the preferred host; on a connection failure, to the other one."""
        hosts = [self._preferred] + [
            u for u in (self.base_url, self.backup_url) if u and u != self._preferred
        ]
        headers = {"Authorization": f"Bearer {self._token}", "X-Request-Id": str(uuid.uuid4())}
        last: httpx.HTTPError | None = None
        for host in hosts:
            try:
                response = self.client.post(f"{host}/sms.do", data=form, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                log.warning("SMSAPI %s cannot be reached (%s)", host, err)
                last = err
                continue
            if host != self._preferred:
                log.warning("SMSAPI: failed over to %s", host)
                self._preferred = host
            return response
        assert last is not None
        raise last

    def _send_group(self, group: list[Prepared]) -> list[SmsResult]:
        done: dict[int, SmsResult] = {}
        attempts: dict[int, int] = {}
        queue: deque[list[Prepared]] = deque([group])
        while queue:
            batch = queue.popleft()
            for item in batch:
                attempts[item.index] = attempts.get(item.index, 0) + 1
            outcome = self._attempt(batch)
            if outcome == _SPLIT:
                queue.extend([item] for item in batch)
                continue
            retry: list[Prepared] = []
            for item, result in zip(batch, outcome, strict=True):
                result.attempts = attempts[item.index]
                if result.retryable and attempts[item.index] <= self.retries:
                    retry.append(item)
                else:
                    done[item.index] = result
            if retry:
                delay = self.retry_backoff * 2 ** (attempts[retry[0].index] - 1)
                log.info("SMSAPI: retrying %d message(s) in %.1f s with the same idx", len(retry), delay)
                if delay > 0:
                    time.sleep(delay)
                queue.append(retry)
        return [done[item.index] for item in group]

    def _attempt(self, batch: list[Prepared]) -> list[SmsResult] | Literal["split"]:
        form = self.form(batch)
        try:
            response = self._post(form)
        except (httpx.ConnectError, httpx.ConnectTimeout) as err:
            hosts = " nor ".join(u for u in (self.base_url, self.backup_url) if u)
            return self._all(batch, "failed", "connect", f"cannot connect to {hosts}: {err}", True)
        except httpx.TimeoutException as err:
            return self._all(batch, "unknown", "timeout", f"SMSAPI did not answer in time: {err!r}", True)
        except httpx.TransportError as err:
            return self._all(batch, "unknown", "connection_lost", f"the answer was lost: {err!r}", True)
        return self.parse_response(batch, response)

    def _all(
        self,
        batch: list[Prepared],
        status: Status,
        code: str | None,
        error: str | None,
        retryable: bool,
        raw: Any = None,
    ) -> list[SmsResult]:
        return [
            SmsResult(
                key=item.sms.key,
                to=item.to,
                status=status,
                error_code=code,
                error=error,
                retryable=retryable,
                provider=self.provider,
                raw=raw,
            )
            for item in batch
        ]

    # --- answers -----------------------------------------------------------------------------------------

    def parse_response(
        self, batch: list[Prepared], response: httpx.Response
    ) -> list[SmsResult] | Literal["split"]:
        """Results for the messages of one request from SMSAPI's answer (or "split": resend one by one)."""
        host = response.request.url.host if response.request else self.base_url
        if response.status_code in (401, 403):
            raise GatewayError(
                f"SMSAPI {host} refused the credentials (HTTP {response.status_code}): check [sms] token",
                code=f"http_{response.status_code}",
            )
        if response.status_code != 200:
            retryable = response.status_code >= 500 or response.status_code == 429
            return self._all(
                batch,
                "failed" if retryable else "rejected",
                f"http_{response.status_code}",
                f"SMSAPI {host} answered HTTP {response.status_code}: {response.text[:200]}",
                retryable,
                response.text[:2000],
            )
        try:
            body = response.json()
        except ValueError:
            return self._parse_text(batch, response.text)
        if not isinstance(body, dict):
            return self._all(
                batch, "unknown", "bad_response", f"unexpected answer: {body!r:.200}", True, body
            )
        if "error" in body and body.get("error") is not None and not body.get("list"):
            return self._parse_error(batch, body, host)
        return self._parse_list(batch, body)

    def _parse_text(self, batch: list[Prepared], text: str) -> list[SmsResult] | Literal["split"]:
        stripped = text.strip()
        if stripped.startswith("ERROR:"):
            code = _int(stripped[6:].split(":")[0])
            return self._parse_error(batch, {"error": code, "message": stripped}, self.base_url)
        # an answer we cannot read: the message may or may not be queued; a retry is safe (same idx)
        error = f"SMSAPI answered something that is not JSON: {stripped[:200]!r}"
        return self._all(batch, "unknown", "bad_response", error, True, stripped[:2000])

    def _parse_error(
        self, batch: list[Prepared], body: dict[str, Any], host: str
    ) -> list[SmsResult] | Literal["split"]:
        code = _int(body.get("error"))
        message = str(body.get("message") or "")
        if code in CONFIG_ERRORS:
            raise GatewayError(
                f"SMSAPI {host} refused the request: error {code} ({message}); {CONFIG_ERRORS[code]}",
                code=str(code),
            )
        if code == DUPLICATE_ERROR:
            if len(batch) > 1:
                return _SPLIT  # which idx was used is not said: ask for each message alone
            [item] = batch
            return [
                SmsResult(
                    key=item.sms.key,
                    to=item.to,
                    status="queued",
                    parts=item.info.parts,
                    error_code=str(code),
                    error=f"idx {item.sms.key!r} was used before: the earlier send went through ({message})",
                    duplicate=True,
                    provider=self.provider,
                    raw=body,
                )
            ]
        invalid = {
            _digits(n.get("number") or n.get("submitted_number")): n
            for n in body.get("invalid_numbers") or []
            if isinstance(n, dict)
        }
        status: Status
        if code in RETRYABLE_ERRORS:
            status, retryable = "failed", True
        elif code in INVALID_ERRORS:
            status, retryable = "invalid", False
        else:
            status, retryable = "rejected", False
        results = []
        for item in batch:
            bad = invalid.get(_digits(item.to))
            results.append(
                SmsResult(
                    key=item.sms.key,
                    to=item.to,
                    status="invalid" if bad else status,
                    error_code=str(code) if code is not None else "error",
                    error=str(bad.get("message") or message) if bad else f"SMSAPI error {code}: {message}",
                    retryable=False if bad else retryable,
                    test=item.sms.test,
                    provider=self.provider,
                    raw=body,
                )
            )
        return results

    def _parse_list(self, batch: list[Prepared], body: dict[str, Any]) -> list[SmsResult]:
        entries = [e for e in body.get("list") or [] if isinstance(e, dict)]
        by_idx = {str(e.get("idx")): e for e in entries if e.get("idx") is not None}
        by_number = {_digits(e.get("number")): e for e in entries}
        invalid = {
            _digits(n.get("number") or n.get("submitted_number")): n
            for n in body.get("invalid_numbers") or []
            if isinstance(n, dict)
        }
        results = []
        for item in batch:
            entry = by_idx.get(item.sms.key) or by_number.get(_digits(item.to))
            result = SmsResult(
                key=item.sms.key, to=item.to, test=item.sms.test, provider=self.provider, raw=entry
            )
            if entry is not None:
                status = LIST_STATUS.get(str(entry.get("status") or "").upper())
                if status is not None:
                    result.status = status
                result.message_id = str(entry["id"]) if entry.get("id") is not None else None
                result.parts = _int(entry.get("parts")) or _int(body.get("parts")) or item.info.parts
                result.cost = _decimal(entry.get("points"))
                result.cost_unit = "points" if result.cost is not None else None
                if entry.get("error"):
                    result.status = "rejected"
                    result.error_code = str(entry.get("error"))
                    result.error = str(entry.get("message") or entry.get("error"))
            elif (bad := invalid.get(_digits(item.to))) is not None:
                result.status = "invalid"
                result.error_code = "13"
                result.error = str(bad.get("message") or "invalid number")
                result.raw = bad
            else:
                # not in the answer at all: unknown; a retry is safe because the idx travels with it
                result.error_code = "missing"
                result.error = "SMSAPI's answer does not mention this recipient"
                result.retryable = True
                result.raw = body
            results.append(result)
        return results

    # --- callbacks ---------------------------------------------------------------------------------------

    def parse_delivery_reports(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> list[DeliveryReport]:
        """SMSAPI's DLR callback: ``MsgId``, ``status``, ``idx``, ``to`` (comma-separated, index-aligned).

        ``donedate`` (unix time), ``points``, ``username``, ``from`` are read when present.
        """
        return parse_smsapi_reports(data)

    def parse_inbound(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> InboundSms:
        """SMSAPI's ``sms_mo`` callback: ``MsgId``, ``sms_from``, ``sms_to``, ``sms_text``, ``sms_date``."""
        return parse_smsapi_inbound(data)
