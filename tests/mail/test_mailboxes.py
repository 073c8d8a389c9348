"""Mailboxes: settings validation, references instead of secrets, resolution per user, the table, keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from sqlalchemy import inspect, select

from atomcomm import Workspace
from atomcomm.config import Config, resolve_secret
from atomcomm.errors import AuthorizationError, ConfigError, CredentialError
from atomcomm.mail import CaptureTransport, Mailbox, MailboxRegistry, MemoryTransport, SmtpTransport
from atomcomm.mail.mailboxes import mailboxes_table
from tests.mail.conftest import MemoryKeyring

SECRET = "Tajne-Hasło-123!"


def test_default_company_mailbox_captures(tmp_path: Path) -> None:
    registry = MailboxRegistry(Config.load(tmp_path, environ={}))
    box = registry.company()
    assert (box.name, box.address, box.display_name, box.transport) == (
        "company",
        "biuro@atom.example.pl",
        "Atom Sp. z o.o.",
        "capture",
    )
    assert (box.per_minute, box.per_day, box.connections) == (600, 20000, 4)
    transport = registry.transport(box)
    assert isinstance(transport, CaptureTransport)
    assert transport.folder == tmp_path / "data" / "captured" / "company"


def test_environment_overrides_reach_the_company_mailbox(tmp_path: Path) -> None:
    env = {
        "ATOMCOMM_MAILBOXES__COMPANY__TRANSPORT": "smtp",
        "ATOMCOMM_MAILBOXES__COMPANY__HOST": "127.0.0.1",
        "ATOMCOMM_MAILBOXES__COMPANY__PORT": "2525",
        "ATOMCOMM_MAILBOXES__COMPANY__SECURITY": "none",
        "ATOMCOMM_MAILBOXES__COMPANY__PASSWORD": "env:SMTP_PW",
        "ATOMCOMM_MAILBOXES__COMPANY__LOGIN": "biuro",
    }
    box = MailboxRegistry(Config.load(tmp_path, environ=env)).company()
    assert (box.transport, box.where, box.security, box.password) == (
        "smtp",
        "127.0.0.1:2525",
        "none",
        "env:SMTP_PW",
    )
    transport = MailboxRegistry(Config.load(tmp_path, environ=env)).transport(box)
    assert isinstance(transport, SmtpTransport) and transport.where == "127.0.0.1:2525"


@pytest.mark.parametrize(
    ("security", "port"), [("ssl", 465), ("starttls", 587), ("none", 25)], ids=["ssl", "starttls", "none"]
)
def test_port_defaults_from_security(security: str, port: int) -> None:
    box = Mailbox.from_settings(
        "company", {"address": "a@example.pl", "transport": "smtp", "host": "h", "security": security}
    )
    assert box.smtp_port == port


@pytest.mark.parametrize("key", ["password", "imap_password"])
@pytest.mark.parametrize("name", ["company", "anowak"])
def test_literal_passwords_are_refused_without_echoing_them(name: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key} must be a reference") as info:
        Mailbox.from_settings(name, {"address": "a@example.pl", key: SECRET})
    assert SECRET not in str(info.value)
    assert "atomcomm mailbox set-password" in str(info.value)


@pytest.mark.parametrize(
    "reference", ["env:", "keyring:atomcomm", "keyring:/user", "keyring:svc/", "ENV:X", "env:A/B"]
)
def test_malformed_references_are_refused(reference: str) -> None:
    with pytest.raises(ConfigError, match="must be a reference"):
        Mailbox.from_settings("company", {"address": "a@example.pl", "password": reference})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, r"address is missing"),
        ({"address": "a@example.pl", "hots": "x"}, r"unknown setting\(s\) hots; known settings: address,"),
        ({"address": "a@example.pl", "transport": "smtp"}, r'transport = "smtp" needs host'),
        (
            {"address": "a@example.pl", "transport": "sendmail"},
            r"transport must be one of smtp, capture, memory",
        ),
        ({"address": "a@example.pl", "security": "tls"}, r"security must be one of ssl, starttls, none"),
        ({"address": "a@example.pl", "port": 70000}, r"port must be a whole number 1..65535"),
        ({"address": "a@example.pl", "per_minute": 0}, r"per_minute must be a whole number >= 1"),
        ({"address": "a@example.pl", "timeout": "30"}, r"timeout must be a positive number"),
        ({"address": "a@example.pl", "host": 5}, r"host must be a string"),
        ({"address": "not-an-address"}, r"address: 'not-an-address' is not a valid e-mail address"),
        ({"address": "a@example.pl", "reply_to": "bad@"}, r"reply_to: 'bad@' is not a valid"),
    ],
    ids=[
        "no-address",
        "typo",
        "smtp-no-host",
        "transport",
        "security",
        "port",
        "limit",
        "timeout",
        "type",
        "address",
        "reply-to",
    ],
)
def test_bad_settings_say_where_and_what(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[mailboxes.users.anowak\]: " + message):
        Mailbox.from_settings("anowak", settings)


def test_settings_round_trip_without_defaults() -> None:
    settings = {
        "address": "anna.nowak@atom.example.pl",
        "name": "Anna Nowak",
        "transport": "smtp",
        "host": "smtp.atom.example.pl",
        "password": "keyring:atomcomm/anowak:smtp",
        "login": "anna.nowak",
        "imap_host": "imap.atom.example.pl",
    }
    box = Mailbox.from_settings("anowak", settings)
    assert box.to_settings() == settings
    assert Mailbox.from_settings("anowak", box.to_settings()) == box


# --- resolution ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "requested", "expected"),
    [
        (None, None, "biuro@atom.example.pl"),
        ("anowak", None, "anna.nowak@atom.example.pl"),
        ("jkowalski", None, "biuro@atom.example.pl"),
        ("anowak", "company", "biuro@atom.example.pl"),
        ("anowak", "biuro@atom.example.pl", "biuro@atom.example.pl"),
        ("anowak", "anowak", "anna.nowak@atom.example.pl"),
        ("anowak", "Anna.Nowak@atom.example.pl", "anna.nowak@atom.example.pl"),
        (None, "company", "biuro@atom.example.pl"),
    ],
    ids=[
        "company",
        "own",
        "no-own",
        "ask-company",
        "company-by-address",
        "ask-own",
        "own-by-address",
        "company-as-company",
    ],
)
def test_resolution_uses_own_mailbox_else_company(
    mail_ws: Workspace, user: str | None, requested: str | None, expected: str
) -> None:
    assert mail_ws.mailboxes.for_user(user, requested).address == expected


@pytest.mark.parametrize(
    ("user", "requested"),
    [
        ("anowak", "pzielinski"),
        ("anowak", "piotr.zielinski@atom.example.pl"),
        ("jkowalski", "anowak"),
        (None, "anowak"),
        ("anowak", "nobody"),
    ],
    ids=["other-user", "other-by-address", "user-without-own", "company-asks-user", "unknown"],
)
def test_another_users_mailbox_is_an_authorisation_error(
    mail_ws: Workspace, user: str | None, requested: str
) -> None:
    with pytest.raises(AuthorizationError, match=f"may not send through mailbox '{requested}'"):
        mail_ws.mailboxes.for_user(user, requested)


def test_asking_for_an_own_mailbox_that_does_not_exist_says_how_to_add_it(mail_ws: Workspace) -> None:
    with pytest.raises(
        ConfigError, match="user 'jkowalski' has no own mailbox; add one with `atomcomm mailbox add"
    ):
        mail_ws.mailboxes.for_user("jkowalski", "jkowalski")


def test_company_replies_go_to_its_reply_to(mail_ws: Workspace) -> None:
    box = mail_ws.mailboxes.for_user("jkowalski")
    assert box.is_company and box.reply_to == "Atom Sp. z o.o. <biuro@atom.example.pl>"


# --- the table ------------------------------------------------------------------------------------------


def test_table_is_created_on_first_use(mail_ws: Workspace) -> None:
    assert not inspect(mail_ws.engine).has_table("atomcomm_mailboxes")
    assert [m.name for m in mail_ws.mailboxes.list()] == ["company", "anowak", "pzielinski"]
    assert inspect(mail_ws.engine).has_table("atomcomm_mailboxes")
    assert mail_ws.mailboxes is mail_ws.mailboxes


def test_stored_mailbox_wins_over_the_configuration_for_that_user(mail_ws: Workspace) -> None:
    reg = mail_ws.mailboxes
    stored = reg.add(
        "anowak",
        {"address": "a.nowak@spedycja.example.pl", "name": "Anna Nowak – Spedycja", "transport": "memory"},
    )
    assert stored.source == "database"
    assert reg.for_user("anowak").address == "a.nowak@spedycja.example.pl"
    listed = {m.name: m for m in reg.list()}
    assert listed["anowak"].source == "database" and len(reg.list()) == 3
    assert reg.remove("anowak") is True
    assert reg.for_user("anowak").address == "anna.nowak@atom.example.pl"


def test_add_save_list_remove_a_new_users_mailbox(mail_ws: Workspace) -> None:
    reg = mail_ws.mailboxes
    reg.add("jkowalski", {"address": "jan.kowalski@atom.example.pl", "transport": "memory", "per_minute": 30})
    assert reg.for_user("jkowalski").per_minute == 30
    with pytest.raises(ConfigError, match="already has a stored mailbox; remove it first or pass --replace"):
        reg.add("jkowalski", {"address": "x@atom.example.pl"})
    reg.add("jkowalski", {"address": "jan.k@atom.example.pl", "transport": "memory"}, replace_existing=True)
    assert reg.get("jkowalski").address == "jan.k@atom.example.pl"
    assert reg.get("jkowalski").per_minute == 60, "replace stores the new settings, not a merge"
    assert [m.name for m in reg.list()] == ["company", "anowak", "jkowalski", "pzielinski"]
    assert reg.remove("jkowalski") is True
    assert reg.remove("jkowalski") is False
    assert reg.for_user("jkowalski").is_company


def test_table_rows_hold_settings_and_references_only(mail_ws: Workspace) -> None:
    mail_ws.mailboxes.add(
        "jkowalski",
        {
            "address": "jan@atom.example.pl",
            "transport": "smtp",
            "host": "smtp.atom.example.pl",
            "password": "env:JK_PW",
        },
    )
    table = mailboxes_table()
    with mail_ws.engine.connect() as conn:
        [(login, settings)] = conn.execute(select(table.c.user_login, table.c.settings)).all()
    assert login == "jkowalski"
    assert settings == {
        "address": "jan@atom.example.pl",
        "transport": "smtp",
        "host": "smtp.atom.example.pl",
        "password": "env:JK_PW",
    }


@pytest.mark.parametrize(
    ("login", "message"),
    [
        ("company", "lives in atomcomm.toml"),
        ("jan kowalski", "not a valid user login"),
        ("", "not a valid user login"),
    ],
    ids=["company", "space", "empty"],
)
def test_add_refuses_bad_logins(mail_ws: Workspace, login: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        mail_ws.mailboxes.add(login, {"address": "a@atom.example.pl"})


def test_add_refuses_a_literal_password(mail_ws: Workspace) -> None:
    with pytest.raises(ConfigError, match="password must be a reference") as info:
        mail_ws.mailboxes.add("jkowalski", {"address": "a@atom.example.pl", "password": SECRET})
    assert SECRET not in str(info.value)
    assert "jkowalski" not in {m.name for m in mail_ws.mailboxes.list()}


def test_configured_mailboxes_cannot_be_removed_from_the_table(mail_ws: Workspace) -> None:
    with pytest.raises(
        ConfigError, match=r"comes from the configuration; remove \[mailboxes.users.pzielinski\]"
    ):
        mail_ws.mailboxes.remove("pzielinski")


def test_get_by_name_or_address_and_unknown_names(mail_ws: Workspace) -> None:
    assert mail_ws.mailboxes.get("piotr.zielinski@atom.example.pl").name == "pzielinski"
    with pytest.raises(ConfigError, match=r"no mailbox 'nobody' \(known: company, anowak, pzielinski\)"):
        mail_ws.mailboxes.get("nobody")


def test_memory_mailbox_gets_a_memory_transport(mail_ws: Workspace) -> None:
    assert isinstance(mail_ws.mailboxes.transport("anowak"), MemoryTransport)


# --- keyring --------------------------------------------------------------------------------------------


def test_set_password_stores_in_keyring_and_saves_the_reference(
    mail_ws: Workspace, memory_keyring: MemoryKeyring
) -> None:
    reg = mail_ws.mailboxes
    reg.add(
        "jkowalski", {"address": "jan@atom.example.pl", "transport": "smtp", "host": "smtp.atom.example.pl"}
    )
    ref = reg.set_password("jkowalski", SECRET)
    assert ref == "keyring:atomcomm/jkowalski:smtp"
    assert memory_keyring.entries == {("atomcomm", "jkowalski:smtp"): SECRET}
    assert reg.get("jkowalski").password == ref
    assert resolve_secret(ref) == SECRET
    imap_ref = reg.set_password("jkowalski", "imap-" + SECRET, imap=True)
    assert reg.get("jkowalski").imap_password == imap_ref == "keyring:atomcomm/jkowalski:imap"
    assert reg.get("jkowalski").password == ref


def test_set_password_of_a_configured_mailbox_returns_the_reference_to_write(
    mail_ws: Workspace, memory_keyring: MemoryKeyring
) -> None:
    ref = mail_ws.mailboxes.set_password("company", SECRET)
    assert ref == "keyring:atomcomm/company:smtp"
    assert memory_keyring.entries[("atomcomm", "company:smtp")] == SECRET
    assert mail_ws.mailboxes.company().password is None


def test_set_password_without_a_keyring_backend_explains_the_fix(mail_ws: Workspace) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(
            CredentialError, match=r"cannot store the password in the system keyring.*keyrings\.alt"
        ):
            mail_ws.mailboxes.set_password("company", SECRET)
    finally:
        keyring.set_keyring(previous)


def test_set_password_refuses_an_empty_password(mail_ws: Workspace, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ConfigError, match="the password is empty"):
        mail_ws.mailboxes.set_password("company", "")
    assert memory_keyring.entries == {}
