"""ws.sms: senders of the company and users (configuration and table), gateways from the configuration."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from atomcomm import Workspace
from atomcomm.config import Config
from atomcomm.errors import AuthorizationError, ConfigError, CredentialError
from atomcomm.sms import FakeGateway, Sender, SmsapiGateway, SmsService, TwilioGateway, build_gateway
from atomcomm.sms.senders import senders_table
from tests.conftest import TODAY, write_workspace
from tests.sms.conftest import sms

ANOWAK = Sender.name("ANOWAK")
JKOWAL = Sender.number("+48600100200")
ATOM = Sender.name("ATOM")


def as_user(ws: Workspace, user: str | None) -> Workspace:
    return Workspace(ws.config, user=user, today=TODAY)


def test_company_and_configured_senders(sms_ws: Workspace) -> None:
    store = sms_ws.sms.senders
    assert store.company() == ATOM
    assert store.configured() == {"anowak": ANOWAK, "jkowal": JKOWAL}
    assert store.stored() == {}


@pytest.mark.parametrize(
    ("user", "expected"),
    [("anowak", ANOWAK), ("jkowal", JKOWAL), ("mzielinska", ATOM), (None, ATOM)],
    ids=["own-name", "own-number", "no-own-sender", "company"],
)
def test_default_sender_per_user(sms_ws: Workspace, user: str | None, expected: Sender) -> None:
    assert sms_ws.sms.senders.resolve(user) == expected


def test_ws_sms_uses_the_workspace_user(sms_ws: Workspace) -> None:
    assert sms_ws.user == "anowak"
    assert sms_ws.sms.sender() == ANOWAK
    assert sms_ws.sms.sender(user="jkowal") == JKOWAL


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("name:ATOM", ATOM),
        ("name:ANOWAK", ANOWAK),
        (Sender.random(), Sender.random()),
        ("two_way", Sender.two_way()),
        ("default", Sender.default()),
    ],
    ids=["company", "own", "random", "two-way", "account-default"],
)
def test_allowed_requests(sms_ws: Workspace, requested: Sender | str, expected: Sender) -> None:
    assert sms_ws.sms.sender(requested) == expected


def test_another_users_sender_is_refused(sms_ws: Workspace) -> None:
    with pytest.raises(AuthorizationError, match="sender of user 'jkowal'") as info:
        sms_ws.sms.sender("number:+48600100200")
    assert "name:ANOWAK" in str(info.value) and "name:ATOM" in str(info.value)
    with pytest.raises(AuthorizationError, match="nobody's configured sender"):
        sms_ws.sms.sender("name:OTHER")


def test_the_company_may_not_use_a_users_sender(sms_ws: Workspace) -> None:
    with pytest.raises(AuthorizationError, match="the company may not send SMS as name:ANOWAK"):
        sms_ws.sms.senders.resolve(None, ANOWAK)


def test_table_wins_over_the_configuration(sms_ws: Workspace) -> None:
    service = sms_ws.sms
    assert service.set_sender("anowak", "name:NOWAK-A") == Sender.name("NOWAK-A")
    assert service.sender() == Sender.name("NOWAK-A")
    with pytest.raises(AuthorizationError):
        service.sender("name:ANOWAK")  # the configured one is superseded
    with sms_ws.engine.connect() as conn:
        rows = conn.execute(select(senders_table().c.user_login, senders_table().c.sender)).all()
    assert rows == [("anowak", "name:NOWAK-A")]
    service.set_sender("anowak", "name:NOWAK-B")  # update in place
    assert service.senders.stored() == {"anowak": Sender.name("NOWAK-B")}
    assert service.set_sender("anowak", None) is None
    assert service.sender() == ANOWAK


def test_stored_sender_for_a_user_without_configuration(sms_ws: Workspace) -> None:
    sms_ws.sms.set_sender("mzielinska", "number:+48 500 100 299")
    other = as_user(sms_ws, "mzielinska")
    assert other.sms.sender() == Sender.number("+48500100299")
    with pytest.raises(AuthorizationError, match="sender of user 'mzielinska'"):
        sms_ws.sms.sender("number:+48500100299")


@pytest.mark.parametrize(
    ("login", "sender", "message"),
    [
        ("anowak", "random", "shared by everyone"),
        ("mzielinska", "number:+48600100200", "already the sender of user 'jkowal'"),
        ("bad login!", "name:X", "not an ERP login"),
        ("anowak", "name:WAY-TOO-LONG-NAME", "1-11 characters"),
    ],
    ids=["shared-kind", "taken", "bad-login", "bad-name"],
)
def test_set_sender_refuses(sms_ws: Workspace, login: str, sender: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        sms_ws.sms.set_sender(login, sender)


def test_malformed_configuration(tmp_path: Path) -> None:
    config = Config.load(
        write_workspace(
            tmp_path / "ws", "sqlite://", '[sms]\nsender = "name:ŁÓDŹ"\n[sms.users.x]\nsender = "eco"\n'
        ),
        environ={},
    )
    service = SmsService(config)
    with pytest.raises(ConfigError, match=r"\[sms\] sender: .*not allowed"):
        service.senders.company()
    with pytest.raises(ConfigError, match=r"\[sms.users.x\] sender"):
        service.senders.configured()


# --- gateways from the configuration -------------------------------------------------------------------


def test_fake_gateway_is_shared_by_the_service(sms_ws: Workspace) -> None:
    gw = sms_ws.sms.gateway()
    assert isinstance(gw, FakeGateway)
    sms_ws.sms.send([sms()])
    assert sms_ws.sms.gateway() is gw
    assert len(gw.sent) == 1


def test_default_configuration_drives_the_fake_smsapi_server_over_http(ws: Workspace) -> None:
    gw = ws.sms.gateway()
    assert isinstance(gw, SmsapiGateway)
    server = ws.sms.fake_server()
    assert server.url.startswith("http://127.0.0.1:")
    assert ws.sms.sender() == ATOM
    [result] = ws.sms.send([sms()])
    assert result.ok and [m.id for m in server.received] == [result.message_id]


def test_smsapi_from_configuration() -> None:
    settings = {
        "gateway": "smsapi",
        "token": "env:SMS_TOKEN_FOR_TEST",
        "base_url": "https://api.smsapi.com",
        "concurrency": 8,
        "retries": 1,
        "random_from": "ECO",
        "allow_voip": True,
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMS_TOKEN_FOR_TEST", "tok")
        client = httpx.Client()
        gw = build_gateway(settings, client=client)
    assert isinstance(gw, SmsapiGateway)
    assert (gw.base_url, gw.backup_url, gw.concurrency, gw.retries, gw.random_from, gw.allow_voip) == (
        "https://api.smsapi.com",
        "https://api2.smsapi.com",
        8,
        1,
        "ECO",
        True,
    )
    assert gw.client is client
    client.close()


def test_twilio_from_configuration() -> None:
    settings = {
        "gateway": "twilio",
        "account_sid": "AC1",
        "token": "env:TWILIO_TOKEN_FOR_TEST",
        "messaging_service_sid": "MG1",
        "from_number": "+48799000111",
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TWILIO_TOKEN_FOR_TEST", "tok")
        gw = build_gateway(settings)
    assert isinstance(gw, TwilioGateway)
    assert (gw.account_sid, gw.messaging_service_sid, gw.from_number) == ("AC1", "MG1", "+48799000111")


@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"gateway": "carrier-pigeon"}, ConfigError, "not known"),
        ({"gateway": "smsapi"}, ConfigError, "needs token"),
        ({"gateway": "smsapi", "token": "literal-secret"}, CredentialError, "references, not values"),
        ({"gateway": "smsapi", "token": "env:ATOMCOMM_SURELY_UNSET_VAR"}, CredentialError, "is not set"),
        ({"gateway": "twilio", "token": "env:HOME"}, ConfigError, "account_sid"),
        ({"gateway": "fake", "concurrency": 0}, ConfigError, "concurrency must be a whole number"),
        (
            {"gateway": "smsapi", "token": "env:HOME", "timeout": "soon"},
            ConfigError,
            "timeout must be a number",
        ),
    ],
    ids=[
        "unknown",
        "no-token",
        "literal-token",
        "unset-env",
        "twilio-no-sid",
        "bad-concurrency",
        "bad-timeout",
    ],
)
def test_configuration_errors(settings: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build_gateway(settings)


def test_fake_smsapi_runs_the_http_path_in_process(tmp_path: Path) -> None:
    folder = write_workspace(
        tmp_path / "ws", f"sqlite:///{tmp_path / 'db.sqlite'}", '[sms]\ngateway = "fake-smsapi"\n'
    )
    w = Workspace.open(folder, environ={})
    try:
        gw = w.sms.gateway()
        assert isinstance(gw, SmsapiGateway)
        server = w.sms.fake_server()
        assert gw.base_url == server.url and server.url.startswith("http://127.0.0.1:")
        [result] = w.sms.send([sms(sender=w.sms.sender())])
        assert result.ok and result.message_id == server.received[0].id
        assert server.received[0].sender == "ATOM"
    finally:
        w.close()
    assert w.sms._server is None


def test_check_phone_uses_the_configuration(tmp_path: Path) -> None:
    config = Config.load(
        write_workspace(tmp_path / "ws", "sqlite://", "[sms]\nallow_voip = true\n"), environ={}
    )
    assert SmsService(config).check_phone("+48 39 123 45 67").ok
    assert (
        not SmsService(Config.load(tmp_path / "ws", environ={"ATOMCOMM_SMS__ALLOW_VOIP": "false"}))
        .check_phone("+48 39 123 45 67")
        .ok
    )
