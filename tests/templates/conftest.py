"""Fixtures for template tests: a scratch templates folder on the demo ERP, and a private database copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from atomcomm import Workspace
from atomcomm.templates.registry import TemplateRegistry
from tests.conftest import REPO, TODAY, copy_demo, write_workspace

SHIPPED = REPO / "templates"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty templates folder with the shipped layouts and partials copied in."""
    root = tmp_path / "templates"
    root.mkdir()
    for name in ("_layouts", "_partials"):
        shutil.copytree(SHIPPED / name, root / name)
    return root


WriteTemplate = Callable[[str, str], Path]


@pytest.fixture
def write(folder: Path) -> WriteTemplate:
    """Write ``<folder>/<name>.liquid`` (name like ``invoice/x.email``) and return its path."""

    def _write(name: str, body: str) -> Path:
        path = folder / f"{name}.liquid"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def reg(folder: Path, ws: Workspace) -> TemplateRegistry:
    """A registry on the scratch folder, rendering against the demo ERP on the pinned day."""
    return TemplateRegistry(folder, ws.erp, today=TODAY, mailbox=ws.config.section("mailboxes", "company"))


@pytest.fixture
def mutable_ws(tmp_path: Path, demo_sqlite_url: str) -> Iterator[Workspace]:
    """A workspace on a private copy of the demo database (tests may change its data)."""
    url = copy_demo(demo_sqlite_url, tmp_path / "copy.sqlite")
    w = Workspace.open(write_workspace(tmp_path / "ws", url), today=TODAY, environ={})
    yield w
    w.close()


def execute(ws: Workspace, sql: str, **params: object) -> None:
    """Run one data-changing statement on a workspace's database."""
    with ws.engine.begin() as conn:
        conn.execute(text(sql), params)


def simple(subject: str | None, body: str, *, types: str = "[invoice]", channel: str = "email") -> str:
    """Template text with a minimal front matter."""
    lines = ["---", "name: Test", f"object_types: {types}", f"channel: {channel}"]
    if subject is not None:
        lines.append(f"subject: {subject!r}" if "'" not in subject else f'subject: "{subject}"')
    lines.append("---")
    return "\n".join(lines) + "\n" + body
