"""`atomcomm mailbox test` / check_mailbox against real servers: each step with the server's replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from atomcomm.cli import main
from atomcomm.mail import Mailbox, check_mailbox
from tests.conftest import free_port, write_workspace
from tests.mail.servers import HOST, smtp_server, tls_files

PASSWORD = "Hasło-do-sprawdzenia-7"


def smtp_box(port: int, security: str, **extra: Any) -> Mailbox:
    settings: dict[str, Any] = {
        "address": "biuro@atom.example.pl",
        "transport": "smtp",
        "host": HOST,
        "port": port,
        "security": security,
        "ca_file": str(tls_files().ca),
        "timeout": 5,
        **extra,
    }
    return Mailbox.from_settings("company", settings)


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ATOMCOMM_TEST_CHECK_PW", PASSWORD)
    return "env:ATOMCOMM_TEST_CHECK_PW"


def test_starttls_with_login_reports_every_step(tmp_path: Path, password_env: str) -> None:
    with smtp_server(tls="starttls", users={"biuro": PASSWORD}) as server:
        box = smtp_box(server.port, "starttls", login="biuro", password=password_env)
        report = check_mailbox(box, data_path=tmp_path)
    assert report.ok and report.where == f"{HOST}:{server.port}"
    assert [s.step for s in report.steps] == [
        "credential",
        "connect",
        "ehlo",
        "starttls",
        "ehlo",
        "login",
        "quit",
    ]
    details = {s.step: s.detail for s in report.steps}
    assert details["credential"] == "password from env:ATOMCOMM_TEST_CHECK_PW"
    assert details["connect"].startswith(f"{HOST}:{server.port} 220 ")
    assert (
        details["starttls"].startswith("220 ")
        and "TLSv1." in details["starttls"]
        and "commonName=localhost" in details["starttls"]
    )
    assert "235" in details["login"] and details["quit"].startswith("221")
    assert server.handler.auths == ["biuro"] and server.handler.messages == []
    assert PASSWORD not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_implicit_tls_shows_the_tls_session_at_connect(tmp_path: Path) -> None:
    with smtp_server(tls="ssl") as server:
        report = check_mailbox(smtp_box(server.port, "ssl"), data_path=tmp_path)
    assert report.ok
    assert [s.step for s in report.steps] == ["connect", "ehlo", "quit"]
    assert "TLSv1." in report.steps[0].detail


@pytest.mark.parametrize(
    ("case", "failed_step", "detail"),
    [
        ("wrong-password", "login", "535"),
        ("untrusted-cert", "starttls", "certificate was not accepted"),
        ("no-starttls", "starttls", "does not offer STARTTLS"),
        ("missing-env", "credential", "environment variable ATOMCOMM_TEST_CHECK_MISSING is not set"),
        ("refused", "connect", "refused"),
    ],
)
def test_failures_stop_at_the_step_that_failed(
    tmp_path: Path, password_env: str, case: str, failed_step: str, detail: str
) -> None:
    users = {"biuro": PASSWORD}
    with smtp_server(tls="none" if case == "no-starttls" else "starttls", users=users) as server:
        extra: dict[str, Any] = {"login": "biuro", "password": password_env}
        port = server.port
        if case == "wrong-password":
            extra["password"] = "env:ATOMCOMM_TEST_WRONG_PW"
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("ATOMCOMM_TEST_WRONG_PW", "zle-haslo")
                report = check_mailbox(smtp_box(port, "starttls", **extra), data_path=tmp_path)
        else:
            if case == "untrusted-cert":
                extra["ca_file"] = None
            if case == "missing-env":
                extra["password"] = "env:ATOMCOMM_TEST_CHECK_MISSING"
            if case == "refused":
                port = free_port()
            report = check_mailbox(smtp_box(port, "starttls", **extra), data_path=tmp_path)
    assert not report.ok
    last = report.steps[-1]
    assert (last.step, last.ok) == (failed_step, False)
    assert detail in last.detail
    assert all(s.ok for s in report.steps[:-1])
    assert PASSWORD not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_cli_mailbox_test_prints_steps_and_sets_the_exit_code(
    tmp_path: Path, password_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with smtp_server(tls="starttls", users={"biuro": PASSWORD}) as server:
        toml = f"""
[mailboxes.company]
address = "biuro@atom.example.pl"
transport = "smtp"
host = "{HOST}"
port = {server.port}
ca_file = "{tls_files().ca}"
login = "biuro"
password = "{password_env}"
"""
        folder = write_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'db.sqlite'}", toml)
        assert main(["-C", str(folder), "mailbox", "test", "company", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] is True and [s["step"] for s in report["steps"]][-2:] == ["login", "quit"]
        assert main(["-C", str(folder), "mailbox", "test"]) == 0
        text = capsys.readouterr().out
        assert f"mailbox company (smtp {HOST}:{server.port})" in text
        assert "ok  starttls" in text and text.rstrip().endswith("ok")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("ATOMCOMM_TEST_CHECK_PW", "zle")
            assert main(["-C", str(folder), "mailbox", "test", "company"]) == 1
        text = capsys.readouterr().out
        assert "FAIL login" in text and "535" in text and text.rstrip().endswith("failed")
