"""Real SMTP servers for the tests: aiosmtpd on 127.0.0.1 and a free port, plain / STARTTLS / implicit TLS.

The TLS material is generated once per test session with the cryptography package: a throw-away CA
(self-signed) and a server certificate for ``127.0.0.1`` and ``localhost`` signed by it. Clients trust the
CA file; without it the server is (rightly) refused.

A :class:`Recorder` handler keeps what each connection delivered (peer, envelope, raw bytes) and can
refuse recipients or message data with given replies, to exercise the transports' failure handling.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import email
import email.policy
import functools
import ipaddress
import logging
import shutil
import ssl
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.conftest import free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


@functools.cache
def tls_files() -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1/localhost, written to a temporary folder."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(tempfile.mkdtemp(prefix="atomcomm-tls-"))
    atexit.register(shutil.rmtree, folder, True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "atomcomm test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class Received:
    """One message as the server got it."""

    peer: Any
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    mail_options: list[str]

    def parse(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Recorder:
    """aiosmtpd handler that records deliveries and refuses what it is told to.

    Attributes:
        rcpt_replies: recipient address -> reply for RCPT TO (e.g. "550 5.1.1 no such user").
        data_reply: called with the envelope before accepting DATA; a reply string refuses it.
        drop_on_data: recipient address whose DATA makes the server cut the connection.
    """

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: Callable[[Envelope], str | None] | None = None
    drop_on_data: str | None = None
    messages: list[Received] = field(default_factory=list)
    rsets: int = 0
    auths: list[str] = field(default_factory=list)
    mail_froms: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.mail_froms.append(address)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.rsets += 1
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_on_data and self.drop_on_data in envelope.rcpt_tos:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
            return "250 OK"
        if self.data_reply is not None:
            reply = self.data_reply(envelope)
            if reply:
                return reply
        raw = envelope.original_content
        assert isinstance(raw, bytes)
        self.messages.append(
            Received(
                peer=session.peer,
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                data=raw,
                mail_options=list(envelope.mail_options),
            )
        )
        return "250 2.0.0 OK queued"

    @property
    def peers(self) -> set[Any]:
        """Distinct client connections (host, port) that delivered messages."""
        return {m.peer for m in self.messages}


@dataclass
class SmtpServer:
    handler: Recorder
    port: int
    tls: str
    users: dict[str, str] | None

    @property
    def where(self) -> str:
        return f"{HOST}:{self.port}"


def _authenticator(
    users: dict[str, str], handler: Recorder
) -> Callable[[SMTP, Session, Envelope, str, Any], AuthResult]:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode()
        handler.auths.append(login)
        # handled=False: let aiosmtpd answer "535 ... credentials invalid" itself on failure
        return AuthResult(success=users.get(login) == auth_data.password.decode("utf-8"), handled=False)

    return authenticate


class _QuietController(Controller):
    def factory(self) -> SMTP:
        # AUTH without aiosmtpd's TLS check is deliberate here; it warns about it on every connection
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


@contextmanager
def smtp_server(
    *,
    tls: str = "none",
    users: dict[str, str] | None = None,
    smtputf8: bool = True,
    handler: Recorder | None = None,
) -> Iterator[SmtpServer]:
    """Run an aiosmtpd server on 127.0.0.1 and a free port for the duration of the block.

    Args:
        tls: ``none`` (plain), ``starttls`` (required before MAIL) or ``ssl`` (implicit TLS).
        users: login -> password; when given, AUTH is required before MAIL.
        smtputf8: whether the server offers SMTPUTF8.
        handler: the recorder (a fresh one by default).
    """
    assert tls in ("none", "starttls", "ssl"), tls
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd: a deprecation line per AUTH
    handler = handler or Recorder()
    port = free_port()
    kwargs: dict[str, Any] = {"hostname": HOST, "port": port, "enable_SMTPUTF8": smtputf8}
    if users is not None:
        kwargs.update(
            authenticator=_authenticator(users, handler),
            auth_required=True,
            # aiosmtpd cannot tell that an implicit-TLS socket is encrypted: require TLS only for STARTTLS
            auth_require_tls=tls == "starttls",
        )
    if tls == "starttls":
        kwargs.update(tls_context=tls_files().server_context(), require_starttls=True)
    elif tls == "ssl":
        kwargs.update(ssl_context=tls_files().server_context())
    controller = _QuietController(handler, **kwargs)
    controller.start()
    try:
        yield SmtpServer(handler=handler, port=port, tls=tls, users=users)
    finally:
        controller.stop()
