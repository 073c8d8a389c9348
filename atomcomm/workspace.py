"""Workspace: the one façade that notebooks, the CLI and tests open.

``Workspace.open(path=".", user=None)`` reads the configuration of the workspace folder, opens the database
and exposes the services (``ws.erp`` today; templates, prints, mail, SMS, outbox and campaigns as they
are added). ``user`` is the ERP login of the person sending; None means the company itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from atomcomm.config import DEFAULTS, Config
from atomcomm.db import make_engine, upgrade
from atomcomm.erp.service import ErpService

if TYPE_CHECKING:
    import pandas as pd

    from atomcomm.compose.draft import Draft
    from atomcomm.compose.recipients import Recipient
    from atomcomm.mail.mailboxes import MailboxRegistry
    from atomcomm.outbox.dispatch import SendOutcome
    from atomcomm.outbox.store import OutboxStore
    from atomcomm.prints.service import Print, PrintService
    from atomcomm.sms.service import SmsService
    from atomcomm.templates.registry import TemplateRegistry
    from atomcomm.templates.render import Rendered

log = logging.getLogger("atomcomm")


class Workspace:
    """Configuration, database and services of one workspace folder."""

    def __init__(self, config: Config, user: str | None = None, today: dt.date | None = None) -> None:
        self.config = config
        self.user = user
        self._today = today
        self._migrated = False

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = ".",
        user: str | None = None,
        *,
        today: dt.date | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Workspace:
        """Open the workspace in ``path``.

        With the default configuration (no ``atomcomm.toml``) a missing demo database is created first,
        so the demo works on a fresh checkout.

        Args:
            path: the workspace folder (holds atomcomm.toml, templates/, data/).
            user: ERP login of the person sending; None = the company.
            today: reference day for computed fields (tests pin it); None = the real today.
            environ: environment to read ATOMCOMM_* overrides from (default: os.environ).
        """
        ws = cls(Config.load(path, environ), user=user, today=today)
        ws._ensure_demo()
        return ws

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.config.database_url, bool(self.config.section("database").get("echo")))

    @cached_property
    def erp(self) -> ErpService:
        return ErpService(self.engine, today=self._today)

    @cached_property
    def templates(self) -> TemplateRegistry:
        """Templates of this workspace (``Config.templates_path``): list, render, preview, validate."""
        from atomcomm.templates.registry import TemplateRegistry

        return TemplateRegistry(
            self.config.templates_path,
            self.erp,
            today=lambda: self.today,
            user=self.user,
            mailbox=self.config.section("mailboxes", "company"),
        )

    def render(
        self, name_or_text: str, object_id: int, object_type: str | None = None, *, channel: str | None = None
    ) -> Rendered:
        """Render a template (or free Liquid text with ``object_type`` and ``channel``) for one object.

        ``Rendered.recipients`` holds the suggested recipients (defaults for the template's roles first) and,
        for e-mail, ``Rendered.attachments`` the proposed prints and fixed files (rendered on demand).
        """
        from dataclasses import replace

        from atomcomm.compose.attachments import propose_attachments
        from atomcomm.compose.recipients import by_roles, suggest

        compiled, type_name = self.templates.resolve(name_or_text, object_type, channel)
        info = compiled.info
        rendered = self.templates.render(name_or_text, object_id, type_name, channel=info.channel)
        suggested = suggest(self.erp, type_name, int(object_id), info.channel, region=self.sms.region)
        defaults = by_roles(suggested, info.recipients)
        ordered = defaults + [r for r in suggested if r not in defaults]
        attachments = (
            propose_attachments(self, info.attachments, type_name, int(object_id), measure=False)
            if info.channel == "email"
            else []
        )
        return replace(rendered, recipients=ordered, attachments=attachments)

    def preview(
        self,
        name: str,
        frame_or_ids: Any,
        object_type: str | None = None,
        *,
        attachments: bool = False,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """A DataFrame, one row per object, with the rendered output and an ``error`` column.

        Args:
            attachments: for e-mail templates, also pre-flight the attachments of every row: columns
                ``attachments`` (file names), ``attachments_bytes`` and ``attachments_error``. Prints are
                rendered one at a time and only their sizes kept.
            kwargs: see :func:`atomcomm.templates.preview.preview` (columns, chunk_size, progress, ...).
        """
        df = self.templates.preview(name, frame_or_ids, object_type, **kwargs)
        if not attachments:
            return df
        from atomcomm.compose.attachments import max_total_bytes, preflight_attachments, preflight_summary

        compiled, type_name = self.templates.resolve(name, object_type, kwargs.get("channel"))
        if compiled.info.channel != "email":
            return df
        ids = [int(i) for i in df.index]
        rows = preflight_attachments(self, compiled.info.attachments, type_name, ids)
        return df.join(preflight_summary(rows, max_total_bytes(self.config), ids))

    def preview_diff(
        self, name_a: str, name_b: str, frame_or_ids: Any, object_type: str | None = None, **kwargs: Any
    ) -> pd.DataFrame:
        """The objects whose output differs between two templates, with a unified diff per row."""
        return self.templates.preview_diff(name_a, name_b, frame_or_ids, object_type, **kwargs)

    @cached_property
    def mailboxes(self) -> MailboxRegistry:
        """Company and users' mailboxes (atomcomm.toml and the mailboxes table); ``for_user`` picks one."""
        from atomcomm.mail.mailboxes import MailboxRegistry

        return MailboxRegistry(self.config, self.engine, prepare=self.migrate)

    @cached_property
    def sms(self) -> SmsService:
        """SMS gateways from ``[sms]``, senders of the company and of ``user``, phone number checks."""
        from atomcomm.sms.service import SmsService

        return SmsService(self.config, self.engine, user=self.user, prepare=self.migrate)

    @cached_property
    def printing(self) -> PrintService:
        """Print templates of this workspace and their PDFs (cached per object and template version)."""
        from atomcomm.prints.service import PrintService

        return PrintService(
            self.erp, self.config.templates_path, render_globals=lambda: self.templates.render_globals()
        )

    def prints(self, object_type: str, object_id: int) -> list[Print]:
        """The prints of one object: ``[Print(name, filename, render() -> bytes)]``."""
        return self.printing.prints(object_type, object_id)

    @cached_property
    def outbox(self) -> OutboxStore:
        """The outbox of this workspace (every send goes through it)."""
        from atomcomm.outbox.store import OutboxStore

        self.migrate()
        return OutboxStore(self.engine)

    def recipients(self, object_type: str, object_id: int, channel: str = "email") -> list[Recipient]:
        """Recipients suggested for an object, by role, most relevant first (unusable ones with a reason)."""
        from atomcomm.compose.recipients import suggest

        return suggest(self.erp, object_type, object_id, channel, region=self.sms.region)

    def draft(
        self,
        template_or_text: str,
        object_type: str,
        object_id: int,
        channel: str | None = None,
        as_user: str | None = None,
        *,
        sender: str | None = None,
    ) -> Draft:
        """A message about one object, ready to look at, edit and send (see :class:`~atomcomm.compose.Draft`).

        Args:
            template_or_text: a template name or Liquid text (free text needs ``channel``).
            as_user: send as this ERP user (default: the workspace's user); their own mailbox or SMS
                sender is used when configured, else the company's.
            sender: a mailbox name or SMS sender spec to use instead (must be the user's or the company's).
        """
        from atomcomm.compose.draft import Draft

        return Draft(self, template_or_text, object_type, object_id, channel, as_user=as_user, sender=sender)

    def send_email(
        self,
        name_or_text: str,
        object_type: str,
        object_id: int,
        to: str | list[str] | None = None,
        cc: str | list[str] | None = None,
        bcc: str | list[str] | None = None,
        attachments: list[str | Path] | None = None,
        as_user: str | None = None,
        *,
        resend: bool = False,
    ) -> list[SendOutcome]:
        """Render and send one e-mail about an object through the outbox; one outcome per recipient.

        Args:
            to: recipients instead of the template's default roles (addresses, "Name <address>").
            attachments: files added by hand, next to the template's prints and fixed files.
        """
        d = self.draft(name_or_text, object_type, object_id, "email", as_user)
        if to is not None:
            d.set_recipients([to] if isinstance(to, str) else to)
        d.cc = [cc] if isinstance(cc, str) else list(cc or [])
        d.bcc = [bcc] if isinstance(bcc, str) else list(bcc or [])
        for path in attachments or []:
            d.add_attachment(path)
        return d.send(resend=resend)

    def dispatch(self, **kwargs: Any) -> list[SendOutcome]:
        """Send what is due in the outbox (queued rows, retries); see :class:`~atomcomm.outbox.Dispatcher`."""
        from atomcomm.outbox.dispatch import Dispatcher

        return Dispatcher(self).run(**kwargs)

    def migrate(self) -> None:
        """Create or upgrade atomcomm's own tables (idempotent; services call it before first use)."""
        if not self._migrated:
            upgrade(self.engine)
            self._migrated = True

    def _ensure_demo(self) -> None:
        default_url = DEFAULTS["database"]["url"]
        configured = str(self.config.section("database").get("url", default_url))
        if configured != default_url:
            return
        file = self.config.resolve_path(default_url.split("///", 1)[1])
        if file.exists():
            return
        from atomcomm.erp.demo import create_demo

        log.warning("creating the demo database %s (first use)", file)
        create_demo(self.engine)

    def close(self) -> None:
        """Release database connections."""
        if "sms" in self.__dict__:
            self.sms.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r}, user={self.user!r})"
