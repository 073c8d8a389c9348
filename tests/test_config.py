"""Configuration: defaults, atomcomm.toml, ATOMCOMM_* overrides, secret references."""

from __future__ import annotations

from pathlib import Path

import pytest

from atomcomm.config import Config, resolve_secret
from atomcomm.errors import ConfigError, CredentialError


def test_defaults_without_a_file(tmp_path: Path) -> None:
    cfg = Config.load(tmp_path, environ={})
    assert cfg.source is None
    assert cfg.database_url == f"sqlite:///{tmp_path / 'data' / 'demo.sqlite'}"
    assert cfg.templates_path == tmp_path / "templates"
    assert cfg.section("mailboxes", "company")["transport"] == "capture"
    assert cfg.section("sms")["gateway"] == "fake-smsapi"


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "atomcomm.toml").write_text(
        '[database]\nurl = "postgresql+psycopg://u@127.0.0.1/atom"\n'
        '[mailboxes.company]\nhost = "127.0.0.1"\nport = 2525\n'
        '[mailboxes.users.anowak]\naddress = "anna.nowak@example.pl"\n',
        encoding="utf-8",
    )
    env = {
        "ATOMCOMM_MAILBOXES__COMPANY__PORT": "2626",
        "ATOMCOMM_SMS__GATEWAY": "smsapi",
        "ATOMCOMM_TEMPLATES_PATH": "/srv/templates",
        "UNRELATED": "x",
    }
    cfg = Config.load(tmp_path, environ=env)
    assert cfg.database_url == "postgresql+psycopg://u@127.0.0.1/atom"
    company = cfg.section("mailboxes", "company")
    assert company["port"] == 2626 and company["host"] == "127.0.0.1"
    assert company["transport"] == "capture"  # defaults still merged underneath
    assert cfg.section("mailboxes", "users", "anowak")["address"] == "anna.nowak@example.pl"
    assert cfg.section("sms")["gateway"] == "smsapi"
    assert cfg.templates_path == Path("/srv/templates")
    assert cfg.section("nothing", "here") == {}


def test_database_url_alias(tmp_path: Path) -> None:
    cfg = Config.load(tmp_path, environ={"ATOMCOMM_DATABASE_URL": "sqlite:///other.sqlite"})
    assert cfg.database_url == f"sqlite:///{tmp_path / 'other.sqlite'}"


@pytest.mark.parametrize(
    ("content", "message"),
    [("[database\nurl=1", "not valid TOML"), ("database = 3", "must be a table")],
    ids=["syntax", "not-a-table"],
)
def test_bad_files_are_named(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "atomcomm.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        Config.load(tmp_path, environ={}).section("database")


def test_missing_workspace_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Config.load(tmp_path / "nope", environ={})


def test_secret_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOM_TEST_SECRET", "s3cret")
    assert resolve_secret("env:ATOM_TEST_SECRET") == "s3cret"
    assert resolve_secret(None) is None
    with pytest.raises(CredentialError, match="ATOM_TEST_MISSING is not set"):
        resolve_secret("env:ATOM_TEST_MISSING", what="password of mailbox 'company'")
    with pytest.raises(CredentialError, match="references, not values"):
        resolve_secret("hunter2")
    with pytest.raises(CredentialError, match="keyring:SERVICE/USER"):
        resolve_secret("keyring:only-service")
