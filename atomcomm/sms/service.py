"""The SMS service of a workspace (``ws.sms``): gateways from the configuration, senders, number checks.

``[sms] gateway`` picks the gateway:

* ``smsapi``: :class:`SmsapiGateway` (``base_url``, ``backup_url``, ``token`` as a secret reference).
* ``twilio``: :class:`TwilioGateway` (``account_sid``, ``token``, ``from_number``,
  ``messaging_service_sid``, ``status_callback``).
* ``fake`` (the demo default): one in-memory :class:`FakeGateway` per service, so what was "sent" can be
  inspected (``ws.sms.gateway().sent``).
* ``fake-smsapi``: a :class:`FakeSmsapiServer` started in this process on 127.0.0.1 (a free port and a
  throw-away token) and a real :class:`SmsapiGateway` talking HTTP to it: the whole SMSAPI path, end to
  end, with nothing leaving the machine. ``latency_ms``, ``fail_rate`` and ``callback_url`` configure it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from atomcomm.config import Config, resolve_secret
from atomcomm.errors import ConfigError
from atomcomm.sms.fake import FakeGateway
from atomcomm.sms.fake_server import FakeSmsapiServer
from atomcomm.sms.gateway import SmsGateway
from atomcomm.sms.message import Sender, Sms, SmsResult
from atomcomm.sms.phone import DEFAULT_REGION, PhoneCheck, check_phone
from atomcomm.sms.segments import SegmentInfo, segments
from atomcomm.sms.senders import SenderStore
from atomcomm.sms.smsapi import SmsapiGateway
from atomcomm.sms.twilio import TwilioGateway

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

GATEWAYS = ("smsapi", "twilio", "fake", "fake-smsapi")


def _number(settings: Mapping[str, Any], key: str, default: float, *, low: float = 0) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ConfigError(f"[sms] {key} must be a number >= {low}, got {value!r}")
    return float(value)


def _int(settings: Mapping[str, Any], key: str, default: int, *, low: int = 0) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"[sms] {key} must be a whole number >= {low}, got {value!r}")
    return value


def _text(settings: Mapping[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"[sms] {key} must be a string, got {value!r}")
    return value


def build_gateway(
    settings: Mapping[str, Any],
    *,
    client: httpx.Client | None = None,
    base_url: str | None = None,
    token: str | None = None,
) -> SmsGateway:
    """A gateway from ``[sms]`` settings (``fake-smsapi`` is handled by :class:`SmsService`).

    Args:
        settings: the ``[sms]`` section.
        client: an ``httpx.Client`` to inject (tests); None = the gateway opens its own.
        base_url / token: override the configured ones (the in-process fake server).

    Raises:
        ConfigError: unknown gateway, missing or malformed settings, unresolvable token reference.
    """
    kind = str(settings.get("gateway") or "fake").lower()
    common: dict[str, Any] = {
        "region": _text(settings, "region") or DEFAULT_REGION,
        "allow_voip": bool(settings.get("allow_voip", False)),
        "concurrency": _int(settings, "concurrency", 4, low=1),
    }
    if kind == "fake":
        return FakeGateway(**common)
    common.update(client=client, timeout=_number(settings, "timeout", 30.0, low=0.1))
    if kind in ("smsapi", "fake-smsapi"):
        secret = token or resolve_secret(_text(settings, "token"), what="[sms] token")
        if not secret:
            raise ConfigError(
                '[sms] gateway = "smsapi" needs token = "env:ATOMCOMM_SMSAPI_TOKEN" (a reference)'
            )
        return SmsapiGateway(
            secret,
            base_url or _text(settings, "base_url") or "https://api.smsapi.pl",
            backup_url=_text(settings, "backup_url"),
            failover=bool(settings.get("failover", True)),
            retries=_int(settings, "retries", 2),
            retry_backoff=_number(settings, "retry_backoff", 0.5),
            batch_size=_int(settings, "batch_size", 100, low=1),
            notify_url=_text(settings, "notify_url"),
            random_from=_text(settings, "random_from") or "Eco",
            **common,
        )
    if kind == "twilio":
        account_sid = _text(settings, "account_sid")
        secret = resolve_secret(_text(settings, "token"), what="[sms] token (Twilio auth token)")
        if not account_sid or not secret:
            raise ConfigError(
                '[sms] gateway = "twilio" needs account_sid = "AC..." and token = "env:TWILIO_AUTH_TOKEN"'
            )
        return TwilioGateway(
            account_sid,
            secret,
            base_url=_text(settings, "base_url") or "https://api.twilio.com",
            from_number=_text(settings, "from_number"),
            messaging_service_sid=_text(settings, "messaging_service_sid"),
            status_callback=_text(settings, "status_callback"),
            verify_callbacks=bool(settings.get("verify_callbacks", True)),
            **common,
        )
    raise ConfigError(f"[sms] gateway = {kind!r} is not known; use one of {', '.join(GATEWAYS)}")


class SmsService:
    """SMS for one workspace: gateways, senders and number checks, for the acting user.

    Args:
        config: the workspace configuration.
        engine: database with atomcomm's tables (users' senders); None = configuration only.
        user: ERP login of the person sending; None = the company.
        prepare: called before atomcomm's tables are first touched (the workspace's ``migrate``).
    """

    def __init__(
        self,
        config: Config,
        engine: Engine | None = None,
        *,
        user: str | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.user = user
        self.senders = SenderStore(config, engine, prepare=prepare)
        self._fake: FakeGateway | None = None
        self._server: FakeSmsapiServer | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> dict[str, Any]:
        """The ``[sms]`` section."""
        return self.config.section("sms")

    @property
    def region(self) -> str:
        return _text(self.settings, "region") or DEFAULT_REGION

    # --- gateways ----------------------------------------------------------------------------------------

    def gateway(self, *, client: httpx.Client | None = None) -> SmsGateway:
        """The gateway ``[sms] gateway`` names (see the module docstring for the choices).

        Args:
            client: an ``httpx.Client`` to inject (HTTP gateways only).
        """
        settings = self.settings
        kind = str(settings.get("gateway") or "fake").lower()
        if kind == "fake":
            with self._lock:
                if self._fake is None:
                    gateway = build_gateway(settings)
                    assert isinstance(gateway, FakeGateway)
                    self._fake = gateway
                return self._fake
        if kind == "fake-smsapi":
            server = self.fake_server()
            return build_gateway(settings, client=client, base_url=server.url, token=server.token)
        return build_gateway(settings, client=client)

    def fake_server(self) -> FakeSmsapiServer:
        """The in-process fake SMSAPI server of ``gateway = "fake-smsapi"`` (started on first use)."""
        with self._lock:
            if self._server is None:
                s = self.settings
                callback = _text(s, "callback_url")
                self._server = FakeSmsapiServer(
                    latency_ms=_number(s, "latency_ms", 0),
                    fail_rate=_number(s, "fail_rate", 0),
                    callback_url=callback,
                    log_file=self.config.resolve_path(s["log"]) if _text(s, "log") else None,
                ).start()
            return self._server

    def send(self, messages: list[Sms]) -> list[SmsResult]:
        """Send through the configured gateway right away (the outbox is the tracked path)."""
        with self.gateway() as gateway:
            return gateway.send(messages)

    def close(self) -> None:
        """Stop the in-process fake server, if one was started."""
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None

    # --- senders and numbers -----------------------------------------------------------------------------

    def sender(self, requested: Sender | str | None = None, *, user: str | None = None) -> Sender:
        """The sender for the acting user (or ``user``), honouring ``requested`` when allowed.

        Raises:
            AuthorizationError: ``requested`` is another user's sender, or nobody's.
        """
        return self.senders.resolve(user if user is not None else self.user, requested)

    def set_sender(self, login: str, sender: Sender | str | None) -> Sender | None:
        """Store (None: remove) a user's own sender in the database."""
        return self.senders.set(login, sender)

    def check_phone(self, raw: str) -> PhoneCheck:
        """Whether ``raw`` can receive SMS (``[sms] region`` and ``allow_voip`` apply)."""
        return check_phone(raw, region=self.region, allow_voip=bool(self.settings.get("allow_voip", False)))

    def segments(self, text: str) -> SegmentInfo:
        """Encoding, length and parts of ``text``."""
        return segments(text)

    def __repr__(self) -> str:
        return f"SmsService(gateway={self.settings.get('gateway', 'fake')!r}, user={self.user!r})"
