"""`atomcomm mailbox add|list|remove|set-password|test` (no network: capture and memory mailboxes)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.cli import main
from tests.conftest import write_workspace
from tests.mail.conftest import USERS_TOML, MemoryKeyring


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'cli.sqlite'}", USERS_TOML)


def run(folder: Path, *args: str) -> int:
    return main(["-C", str(folder), "mailbox", *args])


def test_add_list_remove_round_trip(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        folder,
        "add",
        "jkowalski",
        "--address",
        "jan.kowalski@atom.example.pl",
        "--name",
        "Jan Kowalski – Spedycja",
        "--transport",
        "smtp",
        "--host",
        "smtp.atom.example.pl",
        "--login",
        "jan.kowalski",
        "--per-minute",
        "20",
        "--json",
    )
    assert code == 0
    added = json.loads(capsys.readouterr().out)
    assert (added["name"], added["display_name"], added["port"], added["per_minute"], added["source"]) == (
        "jkowalski",
        "Jan Kowalski – Spedycja",
        587,
        20,
        "database",
    )
    assert run(folder, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["source"]) for m in listed] == [
        ("company", "config"),
        ("anowak", "config"),
        ("jkowalski", "database"),
        ("pzielinski", "config"),
    ]
    assert run(folder, "list") == 0
    text = capsys.readouterr().out
    assert "jkowalski    Jan Kowalski – Spedycja <jan.kowalski@atom.example.pl>" in text
    assert (
        "smtp smtp.atom.example.pl:587 starttls, login jan.kowalski (password not set); from database" in text
    )
    assert (
        "anowak       Anna Nowak <anna.nowak@atom.example.pl>\n             memory (tests); from config"
        in text
    )
    assert run(folder, "remove", "jkowalski") == 0
    assert "now sends through the company mailbox" in capsys.readouterr().out
    assert run(folder, "remove", "jkowalski", "--json") == 1
    assert json.loads(capsys.readouterr().out) == {"user": "jkowalski", "removed": False}


def test_add_refuses_a_literal_password_without_printing_it(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(folder, "add", "jkowalski", "--address", "j@atom.example.pl", "--password", "Sekret123")
    err = capsys.readouterr().err
    assert code == 2
    assert "password must be a reference (env:VARIABLE or keyring:SERVICE/USER)" in err
    assert "Sekret123" not in err


def test_set_password_from_stdin_into_the_keyring(
    folder: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(folder, "add", "jkowalski", "--address", "j@atom.example.pl", "--transport", "memory") == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("Hasło z wejścia\n"))
    assert run(folder, "set-password", "jkowalski", "--stdin", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "mailbox": "jkowalski",
        "reference": "keyring:atomcomm/jkowalski:smtp",
        "config_needs_edit": False,
    }
    assert memory_keyring.entries[("atomcomm", "jkowalski:smtp")] == "Hasło z wejścia"
    with Workspace.open(folder, environ={}) as ws:
        assert ws.mailboxes.get("jkowalski").password == "keyring:atomcomm/jkowalski:smtp"


def test_set_password_of_a_configured_mailbox_says_what_to_write(
    folder: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("x-y-z\n"))
    assert run(folder, "set-password", "company", "--imap", "--stdin") == 0
    out = capsys.readouterr().out
    assert (
        'put imap_password = "keyring:atomcomm/company:imap" into [mailboxes.company] of atomcomm.toml' in out
    )
    assert "x-y-z" not in out


def test_set_password_asks_twice_and_refuses_a_mismatch(
    folder: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter(["pierwsze", "drugie"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(folder, "set-password", "anowak") == 2
    assert "the two passwords differ; nothing was stored" in capsys.readouterr().err
    assert memory_keyring.entries == {}


def test_mailbox_test_on_capture_and_memory(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(folder, "test", "anowak", "--json") == 0
    assert json.loads(capsys.readouterr().out)["steps"] == [
        {"step": "memory", "ok": True, "detail": "messages are kept in memory"}
    ]
    plain = write_workspace(tmp_path / "plain", f"sqlite:///{tmp_path / 'plain.sqlite'}")
    assert main(["-C", str(plain), "mailbox", "test", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["transport"] == "capture" and report["ok"] is True
    assert report["where"] == str(plain / "data" / "captured" / "company")


def test_mailbox_test_defaults_to_the_as_users_mailbox(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(folder, "test", "--as", "anowak") == 0
    assert "mailbox anowak (memory memory)" in capsys.readouterr().out
