"""The gateway contract every SMS provider implements.

A gateway has ``open()``, ``close()`` and ``send(messages) -> list[SmsResult]`` and is a context manager.
``send`` closes only a client it opened itself, so a campaign can hold one ``httpx.Client`` for a whole
batch; an injected client (tests pass one with ``httpx.MockTransport``) is never closed by the gateway.

Before anything goes on the wire, every message is checked locally: the recipient must be a valid number
that can receive SMS, and the text must fit in ``max_parts``. Those refusals are results, like every
failure of a single recipient; errors that affect every message (credentials, sender name, account) raise
:class:`~atomcomm.errors.GatewayError`, carrying the results settled so far.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar

import httpx

from atomcomm.errors import GatewayError
from atomcomm.sms.message import CallbackData, DeliveryReport, InboundSms, Sms, SmsResult
from atomcomm.sms.phone import DEFAULT_REGION, check_phone
from atomcomm.sms.segments import SegmentInfo, segments

log = logging.getLogger("atomcomm.sms")

USER_AGENT = "atomcomm-sms/0.1"


@dataclass(frozen=True)
class Prepared:
    """A message that passed the local checks, with what goes on the wire.

    Attributes:
        index: position in the list given to ``send``.
        sms: the message.
        to: the recipient in E.164.
        body: the text to send (transliterated when the message asks for it).
        info: segments of ``body``.
    """

    index: int
    sms: Sms
    to: str
    body: str
    info: SegmentInfo


class SmsGateway(ABC):
    """Base of every SMS gateway: local checks, client lifetime, bounded concurrency.

    Args:
        client: an ``httpx.Client`` to use (never closed by the gateway); None = the gateway opens its own.
        timeout: seconds for each HTTP request of a client the gateway opens itself.
        concurrency: how many requests may be in flight at once during one ``send``.
        region: region for recipient numbers without a country code.
        allow_voip: accept VoIP recipients (some of them receive SMS).
    """

    provider: ClassVar[str] = ""
    uses_http: ClassVar[bool] = True
    #: True when the provider refuses a second message with the same key (SMSAPI ``check_idx``), so a
    #: message interrupted mid-send can safely be sent again.
    dedupes_by_key: ClassVar[bool] = False

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        concurrency: int = 1,
        region: str = DEFAULT_REGION,
        allow_voip: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._client = client
        self._owns_client = False
        self.timeout = timeout
        self.concurrency = concurrency
        self.region = region
        self.allow_voip = allow_voip

    # --- lifetime ----------------------------------------------------------------------------------------

    def open(self) -> bool:
        """Open an HTTP client unless one is open or was injected.

        Returns:
            True when this call opened it (the caller then closes it).
        """
        if not self.uses_http or self._client is not None:
            return False
        self._client = httpx.Client(
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=max(10, self.concurrency), max_keepalive_connections=None),
        )
        self._owns_client = True
        return True

    def close(self) -> None:
        """Close the HTTP client if the gateway opened it; an injected client stays open."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
            self._owns_client = False

    def __enter__(self) -> SmsGateway:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def client(self) -> httpx.Client:
        """The HTTP client in use (open the gateway first)."""
        if self._client is None:
            raise RuntimeError(f"{type(self).__name__} is not open: call open() or use it in a with block")
        return self._client

    # --- sending -----------------------------------------------------------------------------------------

    def check(self, index: int, sms: Sms) -> Prepared | SmsResult:
        """Check one message locally: a :class:`Prepared` to send, or the result of a local refusal."""
        verdict = check_phone(sms.to, region=self.region, allow_voip=self.allow_voip)
        if not verdict.ok or verdict.e164 is None:
            return SmsResult(
                key=sms.key,
                to=verdict.e164 or sms.to,
                status="invalid",
                error_code="invalid_number",
                error=verdict.reason,
                provider=self.provider,
            )
        body = sms.body
        info = segments(body)
        if info.parts > sms.max_parts:
            hint = (
                " or transliterate it (Polish letters force UCS-2: " + "".join(info.unsupported[:10]) + ")"
                if info.encoding == "UCS-2" and not sms.transliterate
                else ""
            )
            return SmsResult(
                key=sms.key,
                to=verdict.e164,
                status="rejected",
                parts=info.parts,
                error_code="too_many_parts",
                error=(
                    f"SMS {sms.key}: the text takes {info.parts} parts ({info.encoding}, {info.units} units),"
                    f" more than max_parts={sms.max_parts}; shorten it{hint}"
                ),
                provider=self.provider,
            )
        return self._check(Prepared(index, sms, verdict.e164, body, info))

    def _check(self, item: Prepared) -> Prepared | SmsResult:
        """Provider-specific local checks (a hook); raise ConfigError for a misconfigured sender."""
        return item

    def send(self, messages: Sequence[Sms]) -> list[SmsResult]:
        """Send messages; one result per message, in the same order.

        Raises:
            GatewayError: the provider refused something that affects every message (credentials,
                sender name, account); ``err.results`` holds the results settled before the stop.
            ConfigError: the gateway's configuration cannot serve a message (e.g. no pool for
                ``Sender.random()``); raised before anything is sent.
        """
        results: list[SmsResult | None] = [None] * len(messages)
        ready: list[Prepared] = []
        for index, sms in enumerate(messages):
            checked = self.check(index, sms)
            if isinstance(checked, SmsResult):
                results[index] = checked
            else:
                ready.append(checked)
        if ready:
            opened = self.open()
            try:
                self._run(self._group(ready), results)
            finally:
                if opened:
                    self.close()
        settled = [r for r in results if r is not None]
        if len(settled) != len(messages):
            raise RuntimeError(
                f"{type(self).__name__} left {len(messages) - len(settled)} messages unsettled"
            )
        return settled

    def _group(self, ready: list[Prepared]) -> list[list[Prepared]]:
        """Split the checked messages into requests (default: one message per request)."""
        return [[item] for item in ready]

    @abstractmethod
    def _send_group(self, group: list[Prepared]) -> list[SmsResult]:
        """Send one request's worth of messages; one result per item, retries included."""

    def _run(self, groups: list[list[Prepared]], results: list[SmsResult | None]) -> None:
        def settle(group: list[Prepared], outcome: list[SmsResult]) -> None:
            for item, result in zip(group, outcome, strict=True):
                results[item.index] = result

        if self.concurrency == 1 or len(groups) == 1:
            for group in groups:
                try:
                    settle(group, self._send_group(group))
                except GatewayError as err:
                    err.results = [r for r in results if r is not None]
                    raise
            return

        stop = threading.Event()

        def job(group: list[Prepared]) -> list[SmsResult] | None:
            if stop.is_set():
                return None
            try:
                return self._send_group(group)
            except GatewayError:
                stop.set()
                raise

        first_error: GatewayError | None = None
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="sms") as pool:
            futures: dict[Future[list[SmsResult] | None], list[Prepared]] = {
                pool.submit(job, group): group for group in groups
            }
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except GatewayError as err:
                    first_error = first_error or err
                    continue
                if outcome is not None:
                    settle(futures[future], outcome)
        if first_error is not None:
            first_error.results = [r for r in results if r is not None]
            raise first_error

    # --- callbacks ---------------------------------------------------------------------------------------

    @abstractmethod
    def parse_delivery_reports(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> list[DeliveryReport]:
        """Turn a delivery-report callback into :class:`DeliveryReport` objects.

        Args:
            data: the callback's form fields (a mapping, or the raw body / query string).
            url: the full URL the provider called (needed to verify signed callbacks).
            headers: the request headers (needed to verify signed callbacks).

        Raises:
            CallbackSignatureError: the provider signs callbacks and the signature does not match.
        """

    @abstractmethod
    def parse_inbound(
        self, data: CallbackData, *, url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> InboundSms:
        """Turn an inbound-SMS callback into an :class:`InboundSms` (same arguments as delivery reports)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(concurrency={self.concurrency})"


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header value looked up without regard to case."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
