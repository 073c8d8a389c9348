"""SMS senders of the company and of each user: ``[sms] sender``, ``[sms.users.<login>]`` and the table.

A user's own sender (a fixed name or number assigned to that person) comes from the
``atomcomm_sms_senders`` table when a row exists, else from ``[sms.users.<login>] sender``. Sending as a
user uses their own sender when they have one, else the company's. A message may ask for another sender,
but only for the company's, the user's own, or one of the provider's shared kinds (``random``,
``two_way``, ``default``): another user's sender is an :class:`~atomcomm.errors.AuthorizationError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from atomcomm.config import Config
from atomcomm.errors import AuthorizationError, ConfigError, MessageError
from atomcomm.sms.message import Sender
from atomcomm.user_settings import LOGIN_RE

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

TABLE = "atomcomm_sms_senders"
SHARED_KINDS = frozenset({"random", "two_way", "default"})


def senders_table() -> Table:
    """The ``atomcomm_sms_senders`` table (created by migration 0001)."""
    from atomcomm.user_settings import sms_senders

    return sms_senders


def parse_sender(spec: object, where: str) -> Sender:
    """A :class:`Sender` from a configuration value, with ``where`` in the error message.

    Raises:
        ConfigError: the value is not a sender specification.
    """
    if isinstance(spec, Sender):
        return spec
    if not isinstance(spec, str):
        raise ConfigError(f'{where}: sender must be a string like "name:ATOM", got {spec!r}')
    try:
        return Sender.parse(spec)
    except MessageError as err:
        raise ConfigError(f"{where}: {err}") from err


class SenderStore:
    """Company and per-user SMS senders.

    Args:
        config: the workspace configuration (``[sms] sender``, ``[sms.users.<login>] sender``).
        engine: the database holding ``atomcomm_sms_senders``; None = configuration only.
        prepare: called once before the table is first touched (the workspace's ``migrate``).
    """

    def __init__(
        self, config: Config, engine: Engine | None = None, *, prepare: Callable[[], None] | None = None
    ) -> None:
        self.config = config
        self.engine = engine
        self._prepare = prepare
        self._prepared = False

    def _table(self) -> Table:
        if self.engine is None:
            raise ConfigError("SMS senders: this workspace has no database to store users' senders in")
        if not self._prepared and self._prepare is not None:
            self._prepare()
        self._prepared = True
        return senders_table()

    # --- reading -----------------------------------------------------------------------------------------

    def company(self) -> Sender:
        """The company's default sender (``[sms] sender``; the account default when unset)."""
        spec = self.config.section("sms").get("sender")
        return parse_sender(spec, "[sms] sender") if spec else Sender.default()

    def configured(self) -> dict[str, Sender]:
        """Users' senders from ``[sms.users.<login>] sender``."""
        out: dict[str, Sender] = {}
        for login, section in self.config.section("sms", "users").items():
            if not isinstance(section, dict):
                raise ConfigError(f"[sms.users.{login}] must be a table with a sender key, found {section!r}")
            if section.get("sender"):
                out[login] = parse_sender(section["sender"], f"[sms.users.{login}] sender")
        return out

    def stored(self) -> dict[str, Sender]:
        """Users' senders from the ``atomcomm_sms_senders`` table."""
        if self.engine is None:
            return {}
        from sqlalchemy import select

        table = self._table()
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.user_login, table.c.sender)).all()
        return {
            login: parse_sender(
                spec, f"{TABLE} row of user {login!r} (fix it with `atomcomm gateway senders`)"
            )
            for login, spec in rows
        }

    def all(self) -> dict[str, Sender]:
        """Every user's own sender; the table wins over the configuration."""
        return {**self.configured(), **self.stored()}

    def own(self, login: str) -> Sender | None:
        """The user's own sender, or None when the user has none."""
        return self.all().get(login)

    def owner(self, sender: Sender) -> str | None:
        """The login whose own sender ``sender`` is (None when nobody's)."""
        for login, own in self.all().items():
            if own == sender:
                return login
        return None

    def resolve(self, user: str | None, requested: Sender | str | None = None) -> Sender:
        """The sender a message from ``user`` goes out with.

        Args:
            user: ERP login of the person sending; None = the company.
            requested: a sender the message asks for (a :class:`Sender` or ``name:X``-style text);
                None = the user's own sender, else the company's.

        Raises:
            AuthorizationError: ``requested`` is another user's sender, or nobody's.
            ConfigError: a sender in the configuration or the table is malformed.
        """
        own = self.own(user) if user else None
        if requested is None:
            return own or self.company()
        wanted = parse_sender(requested, "requested SMS sender")
        if wanted.kind in SHARED_KINDS or wanted == self.company() or (own is not None and wanted == own):
            return wanted
        acting = f"user {user!r}" if user else "the company"
        allowed = f"the company sender ({self.company()})" + (f" or their own ({own})" if own else "")
        holder = self.owner(wanted)
        whose = f"it is the sender of user {holder!r}" if holder else "it is nobody's configured sender"
        raise AuthorizationError(
            f"{acting} may not send SMS as {wanted}: {whose}; {acting} may use {allowed}, or a shared "
            "kind (random, two_way, default)"
        )

    # --- writing (the table) -----------------------------------------------------------------------------

    def set(self, login: str, sender: Sender | str | None) -> Sender | None:
        """Store (or with None, remove) a user's own sender in the table.

        Returns:
            The sender stored, or None when removed.

        Raises:
            ConfigError: a malformed login or sender, or a sender that is the company's or another user's.
        """
        if not LOGIN_RE.fullmatch(login or ""):
            raise ConfigError(f"{login!r} is not an ERP login (letters, digits, . _ @ -, at most 50)")
        from sqlalchemy import delete, insert, select, update

        table = self._table()
        assert self.engine is not None
        if sender is None:
            with self.engine.begin() as conn:
                conn.execute(delete(table).where(table.c.user_login == login))
            return None
        value = parse_sender(sender, f"sender for user {login!r}")
        if value.kind in SHARED_KINDS:
            raise ConfigError(
                f"a user's own sender is a fixed name or number; {value} is shared by everyone already"
            )
        holder = self.owner(value)
        if holder is not None and holder != login:
            raise ConfigError(f"{value} is already the sender of user {holder!r}")
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            exists = conn.execute(select(table.c.id).where(table.c.user_login == login)).first()
            if exists:
                conn.execute(
                    update(table).where(table.c.user_login == login).values(sender=value.spec, updated_at=now)
                )
            else:
                conn.execute(insert(table).values(user_login=login, sender=value.spec, updated_at=now))
        return value
