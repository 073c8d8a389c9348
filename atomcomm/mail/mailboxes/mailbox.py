"""One mailbox: its settings, validated, with secrets only as references.

The settings keys are those of ``[mailboxes.company]`` / ``[mailboxes.users.<login>]`` in atomcomm.toml and
of the JSON stored in the ``atomcomm_mailboxes`` table. ``password`` and ``imap_password`` are references
(``env:NAME`` or ``keyring:SERVICE/USER``) resolved only when a connection is opened; a literal password
is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any, Literal

from atomcomm.errors import AddressError, ConfigError, MessageError
from atomcomm.mail.addresses import EmailAddress, check_header_value, parse_address

TransportKind = Literal["smtp", "capture", "memory"]
Security = Literal["ssl", "starttls", "none"]

COMPANY = "company"
KEYRING_SERVICE = "atomcomm"
TABLE = "atomcomm_mailboxes"
SMTP_PORTS: dict[str, int] = {"ssl": 465, "starttls": 587, "none": 25}
IMAP_PORTS: dict[str, int] = {"ssl": 993, "starttls": 143, "none": 143}
_TRANSPORTS = ("smtp", "capture", "memory")
_SECURITY = ("ssl", "starttls", "none")
# settings key -> dataclass field; "name" is the display name, as in [mailboxes.company]
_KEY_TO_FIELD = {"name": "display_name"}
_FIELD_TO_KEY = {v: k for k, v in _KEY_TO_FIELD.items()}
_NOT_SETTINGS = ("name", "source")


def _is_reference(value: str) -> bool:
    if value.startswith("env:"):
        return bool(value[4:]) and "/" not in value[4:]
    if value.startswith("keyring:"):
        service, sep, user = value[8:].partition("/")
        return bool(service and sep and user)
    return False


@dataclass(frozen=True)
class Mailbox:
    """One outgoing mailbox (and where its replies are fetched from).

    Attributes:
        name: ``"company"`` or the login of the user who owns it.
        address: the From address.
        display_name: the From display name (settings key ``name``).
        transport: ``smtp`` (a real server), ``capture`` (``.eml`` files, the demo default) or ``memory``.
        host, port, security: SMTP server; the port defaults from security (465 / 587 / 25).
        login: SMTP login; None = no authentication.
        password: a reference to the SMTP password (``env:NAME`` / ``keyring:SERVICE/USER``), never the value.
        reply_to: Reply-To address; None = replies go to ``address``.
        per_minute, per_day, connections: limits the outbox and campaigns keep to.
        timeout: seconds to wait for the server on each network operation.
        ca_file: a PEM file of trusted certificate authorities (private CA, test servers); None = system CAs.
        imap_host, imap_port, imap_security, imap_login, imap_password, imap_folder: receiving replies.
        source: ``config`` (atomcomm.toml / ATOMCOMM_* variables) or ``database`` (the mailboxes table).
    """

    name: str
    address: str
    display_name: str = ""
    transport: TransportKind = "capture"
    host: str | None = None
    port: int | None = None
    security: Security = "starttls"
    login: str | None = None
    password: str | None = None
    reply_to: str | None = None
    per_minute: int = 60
    per_day: int = 2000
    connections: int = 2
    timeout: float = 30.0
    ca_file: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: Security = "ssl"
    imap_login: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"
    source: str = "config"

    @property
    def is_company(self) -> bool:
        """True for the company mailbox."""
        return self.name == COMPANY

    @property
    def smtp_port(self) -> int:
        """The configured port, or the usual one for the security mode."""
        return self.port or SMTP_PORTS[self.security]

    @property
    def imap_port_or_default(self) -> int:
        """The configured IMAP port, or the usual one for the IMAP security mode."""
        return self.imap_port or IMAP_PORTS[self.imap_security]

    @property
    def where(self) -> str:
        """``host:port`` of the SMTP server (or the transport name for capture / memory)."""
        return f"{self.host}:{self.smtp_port}" if self.transport == "smtp" else self.transport

    @cached_property
    def sender(self) -> EmailAddress:
        """The From address with its display name."""
        return parse_address((self.display_name, self.address), field=f"mailbox {self.name!r} address")

    @property
    def domain(self) -> str:
        """The ASCII form of the address's domain (used in Message-IDs)."""
        return self.sender.ascii_domain

    def to_settings(self) -> dict[str, Any]:
        """The settings as stored in the mailboxes table: same keys as ``[mailboxes.users.X]``.

        Values equal to the defaults are left out; ``password`` is a reference, never a secret.
        """
        defaults = Mailbox(name=self.name, address=self.address)
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in _NOT_SETTINGS:
                continue
            value = getattr(self, f.name)
            if f.name == "address" or value != getattr(defaults, f.name):
                out[_FIELD_TO_KEY.get(f.name, f.name)] = value
        return out

    def describe(self) -> dict[str, Any]:
        """Every field as a plain dict (for ``--json`` and panels); holds references only."""
        return {**asdict(self), "port": self.smtp_port if self.transport == "smtp" else self.port}

    @classmethod
    def from_settings(
        cls, name: str, settings: Mapping[str, Any], *, source: str = "config", where: str | None = None
    ) -> Mailbox:
        """Build and validate a mailbox from settings (TOML table or table row).

        Args:
            name: ``"company"`` or the owner's login.
            settings: keys as in ``[mailboxes.company]``: address, name (display name), transport, host,
                port, security, login, password (reference), reply_to, per_minute, per_day, connections,
                timeout, ca_file, imap_host, imap_port, imap_security, imap_login, imap_password, imap_folder.
            source: ``config`` or ``database``.
            where: where the settings come from, for error messages.

        Raises:
            ConfigError: unknown key, missing address, wrong value, or a literal password.
        """
        where = where or ("[mailboxes.company]" if name == COMPANY else f"[mailboxes.users.{name}]")
        known = {_FIELD_TO_KEY.get(f.name, f.name) for f in fields(cls) if f.name not in _NOT_SETTINGS}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown setting(s) {', '.join(unknown)}; known settings: {', '.join(sorted(known))}"
            )
        values: dict[str, Any] = {_KEY_TO_FIELD.get(k, k): v for k, v in settings.items()}
        if not values.get("address"):
            raise ConfigError(f'{where}: address is missing; add address = "name@example.pl"')
        for key in ("password", "imap_password"):
            value = values.get(key)
            if value in (None, ""):
                values[key] = None
            elif not isinstance(value, str) or not _is_reference(value):
                raise ConfigError(
                    f"{where}: {key} must be a reference (env:VARIABLE or keyring:SERVICE/USER), not the "
                    f"password itself; keep the secret in an environment variable (env:NAME), or set up the "
                    f"mailbox without it and run `atomcomm mailbox set-password {name}"
                    f"{' --imap' if key == 'imap_password' else ''}` (system keyring)"
                )
        _check_choice(values, "transport", _TRANSPORTS, where)
        _check_choice(values, "security", _SECURITY, where)
        _check_choice(values, "imap_security", _SECURITY, where)
        for key in ("port", "imap_port"):
            if values.get(key) is not None:
                _check_int(values, key, where, 1, 65535)
        for key in ("per_minute", "per_day", "connections"):
            if key in values:
                _check_int(values, key, where, 1, None)
        if "timeout" in values:
            timeout = values["timeout"]
            if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
                raise ConfigError(f"{where}: timeout must be a positive number of seconds, got {timeout!r}")
            values["timeout"] = float(timeout)
        for key in ("host", "login", "reply_to", "ca_file", "imap_host", "imap_login", "imap_folder"):
            if values.get(key) == "":
                values[key] = None
            elif key in values and values[key] is not None and not isinstance(values[key], str):
                raise ConfigError(f"{where}: {key} must be a string, got {values[key]!r}")
        if values.get("transport") == "smtp" and not values.get("host"):
            raise ConfigError(f'{where}: transport = "smtp" needs host = "smtp.example.pl"')
        mailbox = cls(name=name, source=source, **values)
        try:
            check_header_value(mailbox.display_name, "name")
            parse_address(mailbox.address, field="address")
            _ = mailbox.sender
            if mailbox.reply_to:
                parse_address(mailbox.reply_to, field="reply_to")
        except (AddressError, MessageError) as err:
            raise ConfigError(f"{where}: {err}") from err
        return mailbox


def _check_choice(values: dict[str, Any], key: str, choices: tuple[str, ...], where: str) -> None:
    if key in values and values[key] not in choices:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(choices)}, got {values[key]!r}")


def _check_int(values: dict[str, Any], key: str, where: str, low: int, high: int | None) -> None:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
        bounds = f"{low}..{high}" if high else f">= {low}"
        raise ConfigError(f"{where}: {key} must be a whole number {bounds}, got {value!r}")
