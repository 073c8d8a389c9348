"""Fixtures of the mail tests: a fresh workspace with its own database, mailboxes, an in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from atomcomm import Workspace
from atomcomm.mail import Mailbox, memory
from tests.conftest import TODAY, write_workspace

USERS_TOML = """
[mailboxes.company]
name = "Atom Sp. z o.o."
address = "biuro@atom.example.pl"
transport = "memory"
reply_to = "Atom Sp. z o.o. <biuro@atom.example.pl>"

[mailboxes.users.anowak]
name = "Anna Nowak"
address = "anna.nowak@atom.example.pl"
transport = "memory"

[mailboxes.users.pzielinski]
address = "piotr.zielinski@atom.example.pl"
transport = "memory"
"""


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in a dict (the test machine has no system keyring)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def mail_ws(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with its own (empty) SQLite database and memory-transport mailboxes."""
    folder = write_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'mail.sqlite'}", USERS_TOML)
    w = Workspace.open(folder, user="anowak", today=TODAY, environ={})
    yield w
    w.close()


@pytest.fixture
def company() -> Mailbox:
    return Mailbox.from_settings(
        "company",
        {"name": "Atom Sp. z o.o. – Faktury", "address": "faktury@atom.example.pl", "transport": "memory"},
    )


@pytest.fixture(autouse=True)
def _empty_memory_outbox() -> Iterator[None]:
    memory.outbox.clear()
    yield
    memory.outbox.clear()
