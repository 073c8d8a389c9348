"""Database engines and atomcomm's own tables (created through Alembic migrations).

The ERP schema is Atom's, not ours: the demo creates it directly. atomcomm's own tables (user mailboxes,
SMS senders, the outbox, history) live in the same database and are versioned by the migrations in
``atomcomm/migrations`` (version table ``atomcomm_alembic_version``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine

from atomcomm.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "atomcomm_alembic_version"

# Metadata of atomcomm's own tables; modules that own tables define them on it.
own_metadata = MetaData()


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite gets foreign keys on and a busy timeout."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:" and "mode=memory" not in path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()

            return engine
        return create_engine(url, echo=echo, pool_pre_ping=True)
    except Exception as err:  # bad URL, missing driver
        raise ConfigError(f"cannot use database URL {redact(url)}: {err}") from err


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring atomcomm's own tables to ``revision`` (idempotent)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()
