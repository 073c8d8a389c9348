"""The mailbox registry: the company's and the users' own, from atomcomm.toml and atomcomm's own table.

By default all mail leaves from the company mailbox (``[mailboxes.company]``) and replies come back to it.
A user can have an own outgoing mailbox, configured in ``[mailboxes.users.<login>]`` or stored in the
``atomcomm_mailboxes`` table (set up through the CLI or the settings panel); the table wins for that user.

Settings never hold secrets: ``password`` and ``imap_password`` are references (``env:NAME`` or
``keyring:SERVICE/USER``) resolved only when a connection is opened. A literal password is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atomcomm.errors import AuthorizationError, ConfigError, CredentialError
from atomcomm.mail.mailboxes.mailbox import COMPANY, KEYRING_SERVICE, TABLE, Mailbox
from atomcomm.user_settings import LOGIN_RE

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from atomcomm.config import Config
    from atomcomm.mail.check import MailboxCheck
    from atomcomm.mail.transport import MailTransport


def mailboxes_table() -> Table:
    """The ``atomcomm_mailboxes`` table (created by migration 0001)."""
    from atomcomm.user_settings import mailboxes

    return mailboxes


class MailboxRegistry:
    """The mailboxes of one workspace: company and users', from the configuration and the table.

    Args:
        config: the workspace configuration (``[mailboxes.company]``, ``[mailboxes.users.*]``).
        engine: database holding the ``atomcomm_mailboxes`` table; None = configuration only.
        prepare: called once before the table is first touched (the workspace's ``migrate``).
    """

    def __init__(
        self, config: Config, engine: Engine | None = None, *, prepare: Callable[[], None] | None = None
    ) -> None:
        self.config = config
        self.engine = engine
        self._prepare = prepare
        self._prepared = prepare is None

    # --- reading ------------------------------------------------------------------------------------

    def company(self) -> Mailbox:
        """The company mailbox (``[mailboxes.company]``)."""
        return Mailbox.from_settings(COMPANY, self.config.section("mailboxes", "company"))

    def configured(self) -> dict[str, Mailbox]:
        """Users' mailboxes from atomcomm.toml / ATOMCOMM_* variables, by login."""
        users = self.config.section("mailboxes", "users")
        out: dict[str, Mailbox] = {}
        for login, settings in users.items():
            if not isinstance(settings, Mapping):
                raise ConfigError(f"[mailboxes.users.{login}] must be a table, found {settings!r}")
            out[login] = Mailbox.from_settings(login, settings)
        return out

    def stored(self) -> dict[str, Mailbox]:
        """Users' mailboxes from the ``atomcomm_mailboxes`` table, by login."""
        if self.engine is None:
            return {}
        from sqlalchemy import select

        table = self._table()
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.user_login, table.c.settings)).all()
        return {
            login: Mailbox.from_settings(
                login, settings, source="database", where=f"table {TABLE}, user {login!r}"
            )
            for login, settings in rows
        }

    def user_mailbox(self, user: str) -> Mailbox | None:
        """A user's own mailbox (the table wins over the configuration), or None."""
        stored = self.stored()
        return stored.get(user) or self.configured().get(user)

    def list(self) -> list[Mailbox]:
        """The company mailbox first, then users' mailboxes by login (table entries win)."""
        users = {**self.configured(), **self.stored()}
        return [self.company(), *(users[login] for login in sorted(users))]

    def get(self, name: str) -> Mailbox:
        """A mailbox by name (``company`` or a login) or by its address.

        Raises:
            ConfigError: no such mailbox.
        """
        if name == COMPANY:
            return self.company()
        mailboxes = self.list()
        for mailbox in mailboxes:
            if mailbox.name == name:
                return mailbox
        for mailbox in mailboxes:
            if "@" in name and mailbox.address.lower() == name.lower():
                return mailbox
        known = ", ".join(m.name for m in mailboxes)
        raise ConfigError(
            f"no mailbox {name!r} (known: {known}); add one with `atomcomm mailbox add {name} --address ...`"
        )

    def for_user(self, user: str | None, requested: str | None = None) -> Mailbox:
        """The mailbox a user sends through.

        Sending as user U uses U's own mailbox when one is configured, else the company mailbox. A user
        may ask for the company mailbox or their own; the company (``user=None``) only for its own.

        Args:
            user: the ERP login of the person sending; None = the company.
            requested: ``"company"``, a login or a mailbox address; None = the default for the user.

        Raises:
            AuthorizationError: the requested mailbox belongs to another user.
            ConfigError: the user asked for an own mailbox that is not configured.
        """
        if requested is None:
            own = self.user_mailbox(user) if user else None
            return own or self.company()
        company = self.company()
        if requested == COMPANY or requested.lower() == company.address.lower():
            return company
        if user and requested == user:
            own = self.user_mailbox(user)
            if own is None:
                raise ConfigError(
                    f"user {user!r} has no own mailbox; add one with `atomcomm mailbox add {user} "
                    "--address ...` or send through the company mailbox"
                )
            return own
        own = self.user_mailbox(user) if user else None
        if own is not None and requested.lower() == own.address.lower():
            return own
        acting = f"user {user!r}" if user else "the company"
        allowed = "the company mailbox" + (f" or their own ({user!r})" if user else "")
        raise AuthorizationError(
            f"{acting} may not send through mailbox {requested!r}: it belongs to another user; "
            f"{acting} may use {allowed}"
        )

    # --- writing (the table) ------------------------------------------------------------------------

    def add(self, user: str, settings: Mapping[str, Any], *, replace_existing: bool = False) -> Mailbox:
        """Store a user's own mailbox in the table (validated; secrets only as references).

        Raises:
            ConfigError: bad settings, a literal password, or the user already has a stored mailbox
                and ``replace_existing`` is False.
        """
        self._check_login(user)
        mailbox = Mailbox.from_settings(user, settings, source="database", where=f"mailbox for user {user!r}")
        if not replace_existing and user in self.stored():
            raise ConfigError(
                f"user {user!r} already has a stored mailbox; remove it first or pass --replace"
            )
        return self.save(mailbox)

    def save(self, mailbox: Mailbox) -> Mailbox:
        """Insert or update a user's mailbox in the table; returns it with ``source="database"``."""
        from sqlalchemy import insert, select, update

        self._check_login(mailbox.name)
        if self.engine is None:
            raise ConfigError("mailboxes cannot be stored without a database")
        saved = Mailbox.from_settings(
            mailbox.name,
            mailbox.to_settings(),
            source="database",
            where=f"mailbox for user {mailbox.name!r}",
        )
        table = self._table()
        now = dt.datetime.now(dt.UTC)
        row = {"settings": saved.to_settings(), "updated_at": now}
        with self.engine.begin() as conn:
            found = conn.execute(select(table.c.id).where(table.c.user_login == mailbox.name)).first()
            if found:
                conn.execute(update(table).where(table.c.id == found[0]).values(**row))
            else:
                conn.execute(insert(table).values(user_login=mailbox.name, **row))
        return saved

    def remove(self, user: str) -> bool:
        """Delete a user's stored mailbox; False when none was stored.

        Raises:
            ConfigError: the mailbox exists only in atomcomm.toml (edit the file instead).
        """
        from sqlalchemy import delete

        if self.engine is not None:
            table = self._table()
            with self.engine.begin() as conn:
                if conn.execute(delete(table).where(table.c.user_login == user)).rowcount:
                    return True
        if user == COMPANY or user in self.configured():
            where = "[mailboxes.company]" if user == COMPANY else f"[mailboxes.users.{user}]"
            raise ConfigError(f"mailbox {user!r} comes from the configuration; remove {where} there")
        return False

    def set_password(self, name: str, password: str, *, imap: bool = False) -> str:
        """Store a mailbox's password in the system keyring and return the reference to it.

        A mailbox stored in the table gets the reference saved; for one from atomcomm.toml the caller
        must put the returned reference into the file (unless it is already there).

        Raises:
            ConfigError: unknown mailbox or empty password.
            CredentialError: no usable keyring backend.
        """
        mailbox = self.get(name)
        if not password:
            raise ConfigError(f"mailbox {name!r}: the password is empty")
        account = f"{mailbox.name}:{'imap' if imap else 'smtp'}"
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, account, password)
        except Exception as err:  # keyring backends raise many unrelated types
            import keyring

            raise CredentialError(
                f"mailbox {name!r}: cannot store the password in the system keyring "
                f"({type(keyring.get_keyring()).__module__}): {err}; install a keyring backend "
                "(e.g. the keyrings.alt package) or use an env:VARIABLE reference instead"
            ) from err
        reference = f"keyring:{KEYRING_SERVICE}/{account}"
        if mailbox.source == "database":
            updated = (
                replace(mailbox, imap_password=reference) if imap else replace(mailbox, password=reference)
            )
            self.save(updated)
        return reference

    # --- using ----------------------------------------------------------------------------------------

    def transport(self, mailbox: Mailbox | str) -> MailTransport:
        """A transport for a mailbox (capture files go to ``<data>/captured/<mailbox>/``)."""
        from atomcomm.mail.transport import transport_for

        box = self.get(mailbox) if isinstance(mailbox, str) else mailbox
        return transport_for(box, data_path=self.data_path)

    def check(self, mailbox: Mailbox | str) -> MailboxCheck:
        """Connect, negotiate TLS, log in and quit; one step per stage with the server's replies."""
        from atomcomm.mail.check import check_mailbox

        box = self.get(mailbox) if isinstance(mailbox, str) else mailbox
        return check_mailbox(box, data_path=self.data_path)

    @property
    def data_path(self) -> Path:
        return self.config.data_path

    # --- helpers --------------------------------------------------------------------------------------

    def _table(self) -> Table:
        if not self._prepared and self._prepare is not None:
            self._prepare()
            self._prepared = True
        return mailboxes_table()

    @staticmethod
    def _check_login(user: str) -> None:
        if user == COMPANY:
            raise ConfigError(
                "the company mailbox lives in atomcomm.toml [mailboxes.company], not in the table"
            )
        if not LOGIN_RE.match(user):
            raise ConfigError(
                f"{user!r} is not a valid user login (letters, digits, '.', '_', '-', '@'; at most 50)"
            )
