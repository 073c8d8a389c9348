"""Secrets stay out of the database and the logs: sending through mailboxes with env: and keyring: passwords."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from atomcomm import Workspace
from atomcomm.errors import TransportError
from atomcomm.mail import build_email
from tests.conftest import TODAY, write_workspace
from tests.mail.conftest import MemoryKeyring
from tests.mail.servers import HOST, smtp_server, tls_files

COMPANY_PASSWORD = "Firmowe-Hasło-Ż9#"
USER_PASSWORD = "anowak-Sekret-ó7!"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def forms(secret: str, login: str) -> list[bytes]:
    """The password as it could leak: plain, and inside an AUTH PLAIN token."""
    plain = secret.encode()
    token = base64.b64encode(b"\0" + login.encode() + b"\0" + plain)
    return [plain, token, base64.b64encode(plain)]


def test_no_password_in_database_or_logs_after_sending(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("ATOMCOMM_TEST_COMPANY_PW", COMPANY_PASSWORD)
    log_file = tmp_path / "atomcomm.log"
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(file_handler)
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "atomcomm.sqlite"
    users = {"biuro": COMPANY_PASSWORD, "anowak": USER_PASSWORD}
    try:
        with smtp_server(tls="starttls", users=users) as server:
            toml = f"""
[mailboxes.company]
address = "biuro@atom.example.pl"
transport = "smtp"
host = "{HOST}"
port = {server.port}
security = "starttls"
ca_file = "{tls_files().ca}"
login = "biuro"
password = "env:ATOMCOMM_TEST_COMPANY_PW"
"""
            folder = write_workspace(tmp_path / "ws", f"sqlite:///{db}", toml)
            with Workspace.open(folder, user="anowak", today=TODAY, environ={}) as ws:
                ws.mailboxes.add(
                    "anowak",
                    {
                        "address": "anna.nowak@atom.example.pl",
                        "name": "Anna Nowak",
                        "transport": "smtp",
                        "host": HOST,
                        "port": server.port,
                        "ca_file": str(tls_files().ca),
                        "login": "anowak",
                    },
                )
                ref = ws.mailboxes.set_password("anowak", USER_PASSWORD)
                sent = []
                for user in ("anowak", None):
                    box = ws.mailboxes.for_user(user)
                    mail = build_email(
                        box, key=f"secret-test-{box.name}", to="jan@example.pl", subject="s", text="t"
                    )
                    sent.extend(ws.mailboxes.transport(box).send([mail]))
                    assert ws.mailboxes.check(box).ok
                memory_keyring.set_password("atomcomm", "anowak:smtp", "wrong-" + USER_PASSWORD)
                with pytest.raises(TransportError) as refused:
                    ws.mailboxes.transport("anowak").send([mail])
    finally:
        root.removeHandler(file_handler)
        file_handler.close()

    assert [r.status for r in sent] == ["sent", "sent"]
    assert server.handler.auths.count("anowak") >= 2 and "biuro" in server.handler.auths
    assert "refused login for 'anowak'" in str(refused.value)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("atomcomm.sqlite*"))
    logs = log_file.read_bytes() + caplog.text.encode()
    # the checks below would see the data: the reference is stored, the sends are logged
    assert ref.encode() in database and b"anna.nowak@atom.example.pl" in database
    assert sent[0].message_id.encode() in logs and b"refused login for 'anowak'" in logs
    for secret, login in (
        (COMPANY_PASSWORD, "biuro"),
        (USER_PASSWORD, "anowak"),
        ("wrong-" + USER_PASSWORD, "anowak"),
    ):
        for leaked in forms(secret, login):
            assert leaked not in database
            assert leaked not in logs
            assert leaked.decode() not in str(refused.value)
