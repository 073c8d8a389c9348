"""Workspace: the façade; the demo database on first use; atomcomm's own tables by migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

import atomcomm
from atomcomm import Workspace
from atomcomm.db import current_revision

from .conftest import write_workspace


def test_public_names_are_pinned() -> None:
    assert "Workspace" in atomcomm.__all__
    assert "AtomcommError" in atomcomm.__all__


def test_fresh_folder_gets_the_demo_database(tmp_path: Path) -> None:
    with Workspace.open(tmp_path, environ={}) as ws:
        assert (tmp_path / "data" / "demo.sqlite").is_file()
        assert len(ws.erp.frame("invoice", columns=[])) == 5000
        assert ws.user is None


def test_user_is_kept(demo_workspace_dir: Path) -> None:
    with Workspace.open(demo_workspace_dir, user="anowak", environ={}) as ws:
        assert ws.user == "anowak"
        assert "anowak" in repr(ws)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_create_own_tables(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server").createdb("own_tables")
    with Workspace.open(write_workspace(tmp_path / "ws", url), environ={}) as ws:
        ws.migrate()
        ws.migrate()  # idempotent
        tables = set(inspect(ws.engine).get_table_names())
        assert {"atomcomm_mailboxes", "atomcomm_sms_senders", "atomcomm_alembic_version"} <= tables
        assert current_revision(ws.engine) is not None
