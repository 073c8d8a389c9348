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

from sqlalchemy.engine import Engine

from atomcomm.config import DEFAULTS, Config
from atomcomm.db import make_engine, upgrade
from atomcomm.erp.service import ErpService

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
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r}, user={self.user!r})"
