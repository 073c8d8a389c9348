"""SmtpTransport against real aiosmtpd servers on 127.0.0.1: TLS modes, AUTH, failures, recovery, UTF-8.

Every server is started by the test on a free port; nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import Envelope

from atomcomm.errors import ConfigError, CredentialError, TransportError
from atomcomm.mail import Attachment, InlineImage, Mailbox, OutgoingEmail, SmtpTransport, Status, build_email
from tests.conftest import free_port
from tests.mail.servers import HOST, Recorder, SmtpServer, smtp_server, tls_files

PASSWORD = "Hasło-Próbne-🙂-42"
USERS = {"biuro": PASSWORD}
BOX = Mailbox.from_settings(
    "company",
    {"name": "Atom Sp. z o.o. – Faktury", "address": "faktury@atom.example.pl", "transport": "memory"},
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 100
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def transport(server: SmtpServer, **kwargs: Any) -> SmtpTransport:
    args: dict[str, Any] = {
        "security": server.tls,
        "login": "biuro" if server.users else None,
        "password": PASSWORD if server.users else None,
        "ca_file": tls_files().ca,
        "timeout": 10,
        "mailbox": "company",
    }
    args.update(kwargs)
    return SmtpTransport(HOST, server.port, **args)


def simple(n: int, to: str | list[str] = "jan@example.pl", **kwargs: Any) -> OutgoingEmail:
    return build_email(BOX, key=f"m-{n}", to=to, subject=f"Wiadomość {n}", text=f"Treść {n}", **kwargs)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_utf8_message_over_starttls_with_auth_arrives_intact() -> None:
    mail = build_email(
        BOX,
        key="invoice-42-reminder-1",
        to=[("Łukasz Żółkiewski", "lukasz@example.pl"), ("Zofia Gęślą", "zofia@żółw.pl")],
        cc=("Księgowość Klienta", "ksiegowosc@example.pl"),
        bcc="archiwum@atom.example.pl",
        reply_to="Windykacja <windykacja@atom.example.pl>",
        subject="Faktura FV/2026/11/001 – Zażółć gęślą jaźń 🙂📄",
        html='<style>p{color:#333}</style><p>Dzień dobry 🙂</p><p>Kwota: 1 234,56 zł</p><img src="cid:logo@atom">',
        attachments=[Attachment("Faktura_FV-2026-11-001_Żółć 🙂.pdf", PDF)],
        inline_images=[InlineImage("logo@atom", PNG, "image/png")],
        date=dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw")),
    )
    with smtp_server(tls="starttls", users=USERS) as server:
        [*results] = transport(server).send([mail])
    assert [(r.recipient, r.status) for r in results] == [
        ("lukasz@example.pl", "sent"),
        ("zofia@xn--w-uga1v8h.pl", "sent"),
        ("ksiegowosc@example.pl", "sent"),
        ("archiwum@atom.example.pl", "sent"),
    ]
    assert results[0].raw.startswith("250 2.0.0 OK")
    [got] = server.handler.messages
    assert got.mail_from == "faktury@atom.example.pl"
    assert got.rcpt_tos == [r.recipient for r in results]
    assert b"archiwum" not in got.data
    msg = parse(got.data)
    assert msg["Subject"] == "Faktura FV/2026/11/001 – Zażółć gęślą jaźń 🙂📄"
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("Łukasz Żółkiewski", "lukasz@example.pl"),
        ("Zofia Gęślą", "zofia@xn--w-uga1v8h.pl"),
    ]
    assert msg["From"].addresses[0].display_name == "Atom Sp. z o.o. – Faktury"
    assert msg["Cc"].addresses[0].display_name == "Księgowość Klienta"
    assert msg["Bcc"] is None
    assert msg["Message-ID"] == mail.message_id
    assert msg["Date"] == "Fri, 27 Nov 2026 09:00:00 +0100"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and "Dzień dobry 🙂" in text.get_content() and "<p>" not in text.get_content()
    assert html is not None and '<p style="color: #333;">Dzień dobry 🙂</p>' in html.get_content()
    [att] = msg.iter_attachments()
    assert (att.get_filename(), att.get_content()) == ("Faktura_FV-2026-11-001_Żółć 🙂.pdf", PDF)
    assert server.handler.auths == ["biuro"]


@pytest.mark.parametrize(
    ("tls", "users"),
    [("none", None), ("none", USERS), ("starttls", None), ("starttls", USERS), ("ssl", None), ("ssl", USERS)],
    ids=["plain", "plain-auth", "starttls", "starttls-auth", "ssl", "ssl-auth"],
)
def test_a_batch_uses_one_connection_and_one_login(tls: str, users: dict[str, str] | None) -> None:
    with smtp_server(tls=tls, users=users) as server:
        t = transport(server)
        results = t.send([simple(n, to=["a@example.pl", "b@example.pl"]) for n in range(20)])
    assert len(results) == 40 and all(r.status == "sent" for r in results)
    assert len(server.handler.messages) == 20
    assert len(server.handler.peers) == 1
    assert server.handler.auths == (["biuro"] if users else [])
    assert t.connections == 1


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_verifies_the_certificate(tls: str) -> None:
    with smtp_server(tls=tls) as server:
        with pytest.raises(
            TransportError, match=rf"127.0.0.1:{server.port}.*certificate was not accepted.*ca_file"
        ):
            transport(server, ca_file=None).send([simple(1)])
        assert server.handler.messages == []


def test_wrong_password_names_host_user_reference_and_reply_but_not_the_password() -> None:
    with smtp_server(tls="starttls", users=USERS) as server:
        t = transport(server, password="Złe-hasło-999", credential="env:SMTP_PASSWORD")
        with pytest.raises(TransportError) as info:
            t.send([simple(1)])
    text = str(info.value)
    assert text.startswith(
        f"smtp 127.0.0.1:{server.port} refused login for 'biuro' (password from env:SMTP_PASSWORD): 535"
    )
    assert "Złe-hasło-999" not in text and PASSWORD not in text
    assert server.handler.messages == [] and not t.is_open


def test_credential_reference_is_resolved_when_the_connection_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATOMCOMM_TEST_SMTP_PW", raising=False)
    with smtp_server(users=USERS) as server:
        box = Mailbox.from_settings(
            "company",
            {
                "address": "faktury@atom.example.pl",
                "transport": "smtp",
                "host": HOST,
                "port": server.port,
                "security": "none",
                "login": "biuro",
                "password": "env:ATOMCOMM_TEST_SMTP_PW",
            },
        )
        t = SmtpTransport.from_mailbox(box)
        with pytest.raises(
            CredentialError, match="password of mailbox 'company': environment variable ATOMCOMM_TEST_SMTP_PW"
        ):
            t.send([simple(1)])
        assert not t.is_open
        monkeypatch.setenv("ATOMCOMM_TEST_SMTP_PW", PASSWORD)
        [result] = t.send([simple(1)])
    assert result.status == "sent"
    assert server.handler.auths == ["biuro"]
    assert PASSWORD not in repr(t)


def test_login_without_password_is_a_config_error() -> None:
    with (
        smtp_server(users=USERS) as server,
        pytest.raises(ConfigError, match="login 'biuro' is set but there is no password"),
    ):
        transport(server, password=None).send([simple(1)])


def test_unreachable_server_names_host_and_port() -> None:
    port = free_port()
    with pytest.raises(
        TransportError,
        match=rf"^smtp 127.0.0.1:{port}: cannot connect \(none\): .*refused.*of mailbox 'company'",
    ):
        SmtpTransport(HOST, port, security="none", timeout=5, mailbox="company").send([simple(1)])


def test_starttls_asked_but_not_offered() -> None:
    with (
        smtp_server(tls="none") as server,
        pytest.raises(TransportError, match="does not offer STARTTLS; use security = 'ssl'"),
    ):
        transport(server, security="starttls").send([simple(1)])


def test_server_requiring_auth_rejects_an_anonymous_sender_per_message() -> None:
    with smtp_server(users=USERS) as server:
        [result] = transport(server, login=None, password=None).send([simple(1)])
    assert (result.status, result.error_code, result.retryable) == ("rejected", "530", False)
    assert "MAIL FROM" in (result.error or "") and "Authentication required" in result.raw


def test_rejected_recipient_is_reset_and_the_next_message_is_clean() -> None:
    handler = Recorder(rcpt_replies={"nikt@example.pl": "550 5.1.1 <nikt@example.pl>: no such user"})
    with smtp_server(handler=handler) as server:
        results = transport(server).send(
            [
                simple(1, to="nikt@example.pl"),
                simple(2, to=["jan@example.pl", "nikt@example.pl"]),
                simple(3, to="anna@example.pl"),
            ]
        )
    got = [(r.key, r.recipient, r.status, r.error_code, r.retryable) for r in results]
    assert got == [
        ("m-1", "nikt@example.pl", "rejected", "550", False),
        ("m-2", "jan@example.pl", "sent", None, False),
        ("m-2", "nikt@example.pl", "rejected", "550", False),
        ("m-3", "anna@example.pl", "sent", None, False),
    ]
    assert "no such user" in results[0].raw and "RCPT TO for nikt@example.pl" in (results[0].error or "")
    assert handler.rsets == 1
    assert [(m.mail_from, m.rcpt_tos) for m in handler.messages] == [
        ("faktury@atom.example.pl", ["jan@example.pl"]),
        ("faktury@atom.example.pl", ["anna@example.pl"]),
    ]
    assert handler.mail_froms == ["faktury@atom.example.pl"] * 3
    assert len(handler.peers) == 1


def test_temporary_failures_are_retryable_and_do_not_stop_the_batch() -> None:
    def data_reply(envelope: Envelope) -> str | None:
        return "452 4.3.1 Insufficient system storage" if "pelny@example.pl" in envelope.rcpt_tos else None

    handler = Recorder(
        rcpt_replies={"szary@example.pl": "451 4.7.1 Greylisted, try again in 5 minutes"},
        data_reply=data_reply,
    )
    with smtp_server(handler=handler) as server:
        results = transport(server).send(
            [
                simple(1, to=["szary@example.pl", "jan@example.pl"]),
                simple(2, to="pelny@example.pl"),
                simple(3, to="anna@example.pl"),
            ]
        )
    got = [(r.recipient, r.status, r.error_code, r.retryable) for r in results]
    assert got == [
        ("szary@example.pl", "failed", "451", True),
        ("jan@example.pl", "sent", None, False),
        ("pelny@example.pl", "failed", "452", True),
        ("anna@example.pl", "sent", None, False),
    ]
    assert "Greylisted" in results[0].raw
    assert handler.rsets == 1, "the failed DATA is followed by RSET"
    assert [m.rcpt_tos for m in handler.messages] == [["jan@example.pl"], ["anna@example.pl"]]


def test_message_refused_after_data_is_rejected_and_the_next_goes_through() -> None:
    handler = Recorder(
        data_reply=lambda env: (
            "554 5.7.1 Message rejected as spam" if "spam@example.pl" in env.rcpt_tos else None
        )
    )
    with smtp_server(handler=handler) as server:
        results = transport(server).send([simple(1, to="spam@example.pl"), simple(2)])
    assert [(r.status, r.error_code) for r in results] == [("rejected", "554"), ("sent", None)]
    assert "DATA" in (results[0].error or "")
    assert len(handler.messages) == 1


def test_connection_lost_during_data_is_unknown_and_the_batch_reconnects() -> None:
    handler = Recorder(drop_on_data="zrywa@example.pl")
    with smtp_server(handler=handler) as server:
        t = transport(server)
        results = t.send([simple(1, to="zrywa@example.pl"), simple(2), simple(3)])
    assert [(r.status, r.retryable, r.error_code) for r in results] == [
        ("unknown", False, "connection_lost"),
        ("sent", False, None),
        ("sent", False, None),
    ]
    assert "the server may have taken the message" in (results[0].error or "")
    assert t.connections == 2 and not t.is_open
    assert len(handler.messages) == 2 and len(handler.peers) == 1


def test_smtputf8_local_part_uses_smtputf8_when_offered() -> None:
    mail = simple(1, to="Zażółć Gęślą <zażółć@example.pl>")
    with smtp_server(smtputf8=True) as server:
        [result] = transport(server).send([mail])
    assert result.status == "sent" and result.recipient == "zażółć@example.pl"
    [got] = server.handler.messages
    assert "SMTPUTF8" in got.mail_options
    assert got.rcpt_tos == ["zażółć@example.pl"]
    msg = email.message_from_string(got.data.decode("utf-8"), policy=email.policy.default)
    assert msg["To"].addresses[0].username == "zażółć"
    assert msg["To"].addresses[0].display_name == "Zażółć Gęślą"


def test_smtputf8_local_part_is_refused_clearly_when_not_offered_and_ascii_mail_still_goes() -> None:
    with smtp_server(smtputf8=False) as server:
        results = transport(server).send([simple(1, to="zażółć@example.pl"), simple(2, to="jan@żółw.pl")])
    assert [(r.recipient, r.status, r.error_code, r.retryable) for r in results] == [
        ("zażółć@example.pl", "failed", "smtputf8_unsupported", False),
        ("jan@xn--w-uga1v8h.pl", "sent", None, False),
    ]
    assert f"smtp 127.0.0.1:{server.port} does not offer SMTPUTF8" in (results[0].error or "")
    [got] = server.handler.messages
    assert got.rcpt_tos == ["jan@xn--w-uga1v8h.pl"] and "SMTPUTF8" not in got.mail_options


def test_size_is_announced_when_the_server_offers_it() -> None:
    mail = simple(1)
    with smtp_server() as server:
        transport(server).send([mail])
    assert f"SIZE={len(mail.data)}" in server.handler.messages[0].mail_options


def test_envelope_sender_can_differ_from_from() -> None:
    with smtp_server() as server:
        transport(server).send([simple(1, envelope_from="bounces@atom.example.pl")])
    [got] = server.handler.messages
    assert got.mail_from == "bounces@atom.example.pl"
    assert parse(got.data)["From"].addresses[0].addr_spec == "faktury@atom.example.pl"


def test_results_keep_status_values_from_the_shared_vocabulary() -> None:
    assert {s.value for s in Status} == {
        "queued",
        "sent",
        "delivered",
        "failed",
        "rejected",
        "invalid",
        "unknown",
    }
    assert Status.SENT == "sent"
