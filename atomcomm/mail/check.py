"""Checking a mailbox without sending anything: connect, TLS, login, quit, step by step.

``atomcomm mailbox test`` prints these steps with the server's replies, so a wrong port, a certificate
problem or a refused login shows exactly where it happened. The password is resolved from its reference
and never shown.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atomcomm.config import resolve_secret
from atomcomm.errors import ConfigError
from atomcomm.mail.capture import CaptureTransport
from atomcomm.mail.mailboxes import Mailbox
from atomcomm.mail.session import describe_tls_error, reply_text, smtp_login, tls_context


@dataclass(frozen=True)
class CheckStep:
    """One stage of a mailbox check.

    Attributes:
        step: ``credential``, ``connect``, ``ehlo``, ``starttls``, ``login``, ``quit`` or ``folder``.
        ok: whether the stage succeeded.
        detail: the server's reply or what went wrong (never a secret).
    """

    step: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class MailboxCheck:
    """The outcome of checking one mailbox.

    Attributes:
        mailbox: the mailbox's name.
        transport: smtp, capture or memory.
        where: ``host:port`` or the capture folder.
        steps: the stages in order; checking stops at the first failure.
    """

    mailbox: str
    transport: str
    where: str
    steps: tuple[CheckStep, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every stage succeeded."""
        return bool(self.steps) and all(s.ok for s in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "transport": self.transport,
            "where": self.where,
            "ok": self.ok,
            "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in self.steps],
        }


class _Probe(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's greeting, which smtplib reads and drops."""

    banner: tuple[int, bytes] = (0, b"")

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self.banner = super().connect(host, port, source_address)
        return self.banner


class _ProbeSsl(smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL that keeps the server's greeting."""

    banner: tuple[int, bytes] = (0, b"")

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self.banner = super().connect(host, port, source_address)
        return self.banner


def _tls_detail(conn: smtplib.SMTP) -> str:
    sock = conn.sock
    if not isinstance(sock, ssl.SSLSocket):
        return ""
    cert = sock.getpeercert() or {}
    subject = ", ".join("=".join(part) for rdn in cert.get("subject", ()) for part in rdn)
    return f"{sock.version()} {(sock.cipher() or ('?',))[0]}; certificate {subject or '(no subject)'}"


def check_mailbox(mailbox: Mailbox, *, data_path: Path) -> MailboxCheck:
    """Check that a mailbox can send, without sending a message.

    For SMTP: resolve the password reference, connect, EHLO, STARTTLS (when configured), EHLO again,
    log in (when a login is set) and QUIT. For capture: the folder is writable. Memory always passes.
    """
    if mailbox.transport == "capture":
        transport = CaptureTransport.for_mailbox(mailbox, data_path)
        try:
            transport.open()
            probe = transport.folder / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
            transport.close()
            step = CheckStep("folder", True, f"messages are written to {transport.folder} (nothing is sent)")
        except Exception as err:
            step = CheckStep("folder", False, f"{transport.folder} is not writable: {err}")
        return MailboxCheck(mailbox.name, "capture", str(transport.folder), (step,))
    if mailbox.transport == "memory":
        return MailboxCheck(
            mailbox.name, "memory", "memory", (CheckStep("memory", True, "messages are kept in memory"),)
        )
    return MailboxCheck(mailbox.name, "smtp", mailbox.where, tuple(_check_smtp(mailbox)))


def _check_smtp(mailbox: Mailbox) -> list[CheckStep]:
    steps: list[CheckStep] = []
    password: str | None = None
    if mailbox.login:
        try:
            password = resolve_secret(mailbox.password, what=f"password of mailbox {mailbox.name!r}")
        except ConfigError as err:
            return [CheckStep("credential", False, str(err))]
        if not password:
            return [
                CheckStep("credential", False, f"login {mailbox.login!r} is set but there is no password")
            ]
        steps.append(CheckStep("credential", True, f"password from {mailbox.password}"))
    host, port = mailbox.host or "", mailbox.smtp_port
    try:
        context = tls_context(mailbox.ca_file) if mailbox.security != "none" else None
    except ConfigError as err:
        return [*steps, CheckStep("connect", False, str(err))]
    conn: _Probe | _ProbeSsl | None = None
    stage = "connect"
    try:
        if mailbox.security == "ssl":
            conn = _ProbeSsl(host, port, timeout=mailbox.timeout, context=context)
        else:
            conn = _Probe(host, port, timeout=mailbox.timeout)
        tls = f" [{_tls_detail(conn)}]" if mailbox.security == "ssl" else ""
        steps.append(CheckStep("connect", True, f"{host}:{port} {reply_text(*conn.banner)}{tls}"))
        stage = "ehlo"
        code, resp = conn.ehlo()
        steps.append(CheckStep("ehlo", code == 250, reply_text(code, resp)))
        if code != 250:
            return steps
        if mailbox.security == "starttls":
            stage = "starttls"
            if not conn.has_extn("starttls"):
                steps.append(CheckStep("starttls", False, "the server does not offer STARTTLS"))
                return steps
            code, resp = conn.starttls(context=context)
            steps.append(CheckStep("starttls", True, f"{reply_text(code, resp)} [{_tls_detail(conn)}]"))
            stage = "ehlo"
            code, resp = conn.ehlo()
            steps.append(CheckStep("ehlo", code == 250, reply_text(code, resp)))
        if mailbox.login:
            stage = "login"
            assert password is not None
            if not conn.has_extn("auth"):
                steps.append(CheckStep("login", False, "the server does not offer AUTH on this connection"))
                return steps
            code, resp = smtp_login(conn, mailbox.login, password)
            steps.append(CheckStep("login", True, f"{mailbox.login!r}: {reply_text(code, resp)}"))
        stage = "quit"
        code, resp = conn.quit()
        steps.append(CheckStep("quit", True, reply_text(code, resp)))
    except smtplib.SMTPResponseException as err:
        steps.append(CheckStep(stage, False, reply_text(err.smtp_code, err.smtp_error)))
    except ssl.SSLError as err:
        steps.append(CheckStep(stage, False, describe_tls_error(err)))
    except (OSError, smtplib.SMTPException) as err:
        steps.append(CheckStep(stage, False, f"{host}:{port}: {err}"))
    finally:
        if conn is not None:
            conn.close()
    return steps
