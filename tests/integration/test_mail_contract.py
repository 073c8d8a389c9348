"""The transport contract (DESIGN §5), run against every mail transport.

Memory and capture run as they are; SMTP runs against aiosmtpd servers on 127.0.0.1: plain, STARTTLS
with AUTH, and implicit TLS with AUTH. Each subclass says how to make the transport and how to read back
what was delivered (envelope and raw bytes).
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from atomcomm.mail import (
    CaptureTransport,
    Mailbox,
    MailTransport,
    MemoryTransport,
    OutgoingEmail,
    SmtpTransport,
    Status,
    build_email,
)
from tests.mail.servers import HOST, SmtpServer, smtp_server, tls_files

Delivered = list[tuple[str, list[str], bytes]]

BOX = Mailbox.from_settings(
    "company", {"name": "Atom Sp. z o.o.", "address": "biuro@atom.example.pl", "transport": "memory"}
)


def message(n: int, **kwargs: object) -> OutgoingEmail:
    args: dict[str, object] = {
        "key": f"contract-{n}",
        "to": [("Łukasz Żółkiewski", f"lukasz{n}@example.pl")],
        "cc": "Księgowość <ksiegowosc@example.pl>",
        "bcc": "archiwum@atom.example.pl",
        "subject": f"Wiadomość {n} – zażółć 🙂",
        "html": f"<p>Treść <b>{n}</b></p>",
    }
    args.update(kwargs)
    return build_email(BOX, **args)  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


class TransportContract:
    """Behaviour every transport shares.

    A subclass provides two fixtures: ``transport`` (the transport under test) and ``delivered`` (a
    callable returning what reached the other side, as parsed messages).
    """

    def test_one_result_per_recipient_in_order(self, transport: MailTransport) -> None:
        msgs = [message(1), message(2, cc=None)]
        results = transport.send(msgs)
        assert [(r.key, r.recipient) for r in results] == [
            ("contract-1", "lukasz1@example.pl"),
            ("contract-1", "ksiegowosc@example.pl"),
            ("contract-1", "archiwum@atom.example.pl"),
            ("contract-2", "lukasz2@example.pl"),
            ("contract-2", "archiwum@atom.example.pl"),
        ]
        assert all(r.status == Status.SENT and r.ok and not r.retryable for r in results)
        assert {r.message_id for r in results} == {msgs[0].message_id, msgs[1].message_id}
        assert {(r.mailbox, r.transport) for r in results} == {("company", transport.kind)}
        assert all(r.error is None and r.error_code is None and r.raw for r in results)

    def test_delivers_the_bytes_and_the_envelope(
        self, transport: MailTransport, delivered: Callable[[], Delivered]
    ) -> None:
        msg = message(3)
        transport.send([msg])
        [(sender, rcpts, raw)] = delivered()
        assert sender == "biuro@atom.example.pl"
        assert sorted(rcpts) == sorted(msg.recipients)
        got = parse(raw)
        assert got["Subject"] == "Wiadomość 3 – zażółć 🙂"
        assert got["Message-ID"] == msg.message_id
        assert got["Bcc"] is None and b"archiwum@" not in raw
        assert "archiwum@atom.example.pl" in rcpts

    def test_empty_batch_opens_nothing(self, transport: MailTransport) -> None:
        assert transport.send([]) == []
        assert transport.connections == 0  # type: ignore[attr-defined]
        assert not transport.is_open

    def test_send_opens_and_closes_its_own_session(self, transport: MailTransport) -> None:
        transport.send([message(4)])
        assert not transport.is_open
        transport.send([message(5)])
        assert transport.connections == 2  # type: ignore[attr-defined]

    def test_a_held_session_is_reused_and_left_open(
        self, transport: MailTransport, delivered: Callable[[], Delivered]
    ) -> None:
        with transport as t:
            assert t.is_open
            t.send([message(6)])
            assert t.is_open, "send closes only a session it opened itself"
            t.send([message(7), message(8)])
        assert not transport.is_open
        assert transport.connections == 1  # type: ignore[attr-defined]
        assert len(delivered()) == 3

    def test_open_is_idempotent_and_close_is_safe_twice(self, transport: MailTransport) -> None:
        assert transport.open() is True
        assert transport.open() is False
        transport.close()
        transport.close()
        assert not transport.is_open


class TestMemoryTransport(TransportContract):
    @pytest.fixture
    def sink(self) -> list[OutgoingEmail]:
        return []

    @pytest.fixture
    def transport(self, sink: list[OutgoingEmail]) -> MailTransport:
        return MemoryTransport(sink, mailbox="company")

    @pytest.fixture
    def delivered(self, sink: list[OutgoingEmail]) -> Callable[[], Delivered]:
        return lambda: [(m.sender, list(m.recipients), m.data) for m in sink]


class TestCaptureTransport(TransportContract):
    @pytest.fixture
    def transport(self, tmp_path: Path) -> MailTransport:
        return CaptureTransport(tmp_path / "captured" / "company", mailbox="company")

    @pytest.fixture
    def delivered(self, transport: CaptureTransport) -> Callable[[], Delivered]:
        def read() -> Delivered:
            return [
                (e["sender"], e["recipients"], (transport.folder / e["file"]).read_bytes())
                for e in transport.index()
            ]

        return read


class TestSmtpTransport(TransportContract):
    @pytest.fixture(params=["none", "starttls+auth", "ssl+auth"])
    def server(self, request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
        tls, _, auth = str(request.param).partition("+")
        users = {"biuro": "hasło-testowe"} if auth else None
        with smtp_server(tls=tls, users=users) as server:
            yield server

    @pytest.fixture
    def transport(self, server: SmtpServer) -> MailTransport:
        return SmtpTransport(
            HOST,
            server.port,
            security=server.tls,  # type: ignore[arg-type]
            login="biuro" if server.users else None,
            password="hasło-testowe" if server.users else None,
            ca_file=tls_files().ca,
            timeout=10,
            mailbox="company",
        )

    @pytest.fixture
    def delivered(self, server: SmtpServer) -> Callable[[], Delivered]:
        return lambda: [(m.mail_from, m.rcpt_tos, m.data) for m in server.handler.messages]

    def test_the_server_saw_one_connection_and_one_login_per_session(
        self, transport: MailTransport, server: SmtpServer
    ) -> None:
        with transport as t:
            t.send([message(n) for n in range(5)])
            t.send([message(5)])
        assert len(server.handler.messages) == 6
        assert len(server.handler.peers) == 1
        assert server.handler.auths == (["biuro"] if server.users else [])
