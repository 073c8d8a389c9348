"""Sending over SMTP with smtplib: implicit TLS, STARTTLS or plain; one session for a whole batch.

TLS always verifies the server's certificate and host name (smtplib's own default does not); a private
CA is given with ``ca_file`` (helpers shared with the mailbox check live in :mod:`atomcomm.mail.session`).
Each message is one transaction (``MAIL FROM``, ``RCPT TO`` per recipient, ``DATA``), so the server's
answer is known per recipient:

* 2xx: ``sent``;
* 4xx: ``failed``, retryable (greylisting, mailbox full, rate limits);
* 5xx: ``rejected``, not retryable;
* a connection lost before ``DATA`` completes: ``failed`` (retryable), during ``DATA``: ``unknown``
  (the server may have taken the message).

After a failed transaction the session is reset with ``RSET``; when that fails too, or the server
answered 421, the connection is dropped and the next message opens a new one, so one bad message never
poisons the next. Connection and login failures raise :class:`TransportError` naming host:port, the
login and the server's reply.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from os import PathLike
from typing import TYPE_CHECKING

from atomcomm.config import resolve_secret
from atomcomm.errors import ConfigError, TransportError
from atomcomm.mail.mailboxes import SMTP_PORTS
from atomcomm.mail.message import OutgoingEmail
from atomcomm.mail.result import SendResult, Status
from atomcomm.mail.session import describe_tls_error, reply_text, smtp_login, tls_context
from atomcomm.mail.transport import MailTransport

if TYPE_CHECKING:
    from atomcomm.mail.mailboxes import Mailbox, Security

log = logging.getLogger(__name__)

Password = str | Callable[[], str | None] | None


class SmtpTransport(MailTransport):
    """SMTP transport on smtplib.

    Args:
        host: the server's host name or IP address.
        port: the port; None = 465 (ssl), 587 (starttls) or 25 (none).
        security: ``ssl`` (implicit TLS), ``starttls`` or ``none``.
        login: user name for AUTH; None = no authentication.
        password: the password, or a callable returning it when the connection opens.
        timeout: seconds for connecting and for each reply.
        ca_file: PEM file of trusted CAs (private CA, test servers).
        ssl_context: a ready TLS context (wins over ``ca_file``).
        local_hostname: name sent with EHLO; None = this machine's FQDN.
        mailbox: the mailbox's name, for results and messages.
        credential: how the password is referenced (``env:...``), for error messages; never the secret.

    Attributes:
        connections: how many connections this transport opened so far.
    """

    kind = "smtp"

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: Security = "starttls",
        login: str | None = None,
        password: Password = None,
        timeout: float = 30.0,
        ca_file: str | PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        mailbox: str = "",
        credential: str | None = None,
    ) -> None:
        super().__init__(mailbox=mailbox)
        if security not in SMTP_PORTS:
            raise ConfigError(f"smtp security must be one of ssl, starttls, none; got {security!r}")
        self.host = host
        self.port = port or SMTP_PORTS[security]
        self.security = security
        self.login = login
        self._password = password
        self.timeout = timeout
        self.ca_file = ca_file
        self._ssl_context = ssl_context
        self.local_hostname = local_hostname
        self.credential = credential
        self.connections = 0
        self._conn: smtplib.SMTP | None = None

    @classmethod
    def from_mailbox(cls, mailbox: Mailbox) -> SmtpTransport:
        """A transport for a mailbox; its password reference is resolved when the connection opens."""
        if not mailbox.host:
            raise ConfigError(f"mailbox {mailbox.name!r}: transport smtp needs a host")
        ref = mailbox.password
        what = f"password of mailbox {mailbox.name!r}"
        return cls(
            mailbox.host,
            mailbox.smtp_port,
            security=mailbox.security,
            login=mailbox.login,
            password=(lambda: resolve_secret(ref, what=what)) if ref else None,
            timeout=mailbox.timeout,
            ca_file=mailbox.ca_file,
            mailbox=mailbox.name,
            credential=ref,
        )

    @property
    def where(self) -> str:
        """``host:port`` of the server."""
        return f"{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context used for ``ssl`` and ``starttls`` (verifying)."""
        return self._ssl_context or tls_context(self.ca_file)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.where!r}, security={self.security!r}, login={self.login!r})"

    # --- connection -----------------------------------------------------------------------------------

    def open(self) -> bool:
        """Connect, negotiate TLS and log in, unless a connection is open already.

        Raises:
            TransportError: the server cannot be reached, TLS fails, or the login is refused.
            ConfigError: the password reference cannot be resolved.
        """
        if self._conn is not None:
            return False
        self._conn = self._connect()
        return True

    def close(self) -> None:
        """Say QUIT and close the connection (quietly when the server is gone already)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            conn.close()

    def _password_value(self) -> str | None:
        return self._password() if callable(self._password) else self._password

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context() if self.security != "none" else None
        where = self.where
        try:
            if self.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, self.local_hostname, timeout=self.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, self.local_hostname, timeout=self.timeout)
        except ssl.SSLError as err:
            raise TransportError(f"smtp {where} (implicit TLS): {describe_tls_error(err)}") from err
        except (OSError, smtplib.SMTPException) as err:
            raise TransportError(
                f"smtp {where}: cannot connect ({self.security}): {err}; check host, port and security"
                + (f" of mailbox {self.mailbox!r}" if self.mailbox else "")
            ) from err
        try:
            conn.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise TransportError(
                        f"smtp {where} does not offer STARTTLS; use security = 'ssl' with the server's "
                        "TLS port, or 'none' only on a trusted local network"
                    )
                conn.starttls(context=context)
                conn.ehlo()
            if self.login:
                self._authenticate(conn)
        except TransportError:
            conn.close()
            raise
        except ssl.SSLError as err:
            conn.close()
            raise TransportError(f"smtp {where} (STARTTLS): {describe_tls_error(err)}") from err
        except smtplib.SMTPResponseException as err:
            conn.close()
            raise TransportError(
                f"smtp {where}: the server refused the session: {reply_text(err.smtp_code, err.smtp_error)}"
            ) from err
        except (OSError, smtplib.SMTPException) as err:
            conn.close()
            raise TransportError(f"smtp {where}: connection failed while opening the session: {err}") from err
        except BaseException:
            conn.close()
            raise
        self.connections += 1
        log.debug("smtp %s: session open (%s, login %r)", where, self.security, self.login)
        return conn

    def _authenticate(self, conn: smtplib.SMTP) -> None:
        assert self.login is not None
        where = self.where
        password = self._password_value()
        if not password:
            raise ConfigError(
                f"smtp {where}: login {self.login!r} is set but there is no password; add "
                'password = "env:NAME" or run `atomcomm mailbox set-password`'
            )
        try:
            smtp_login(conn, self.login, password)
        except smtplib.SMTPAuthenticationError as err:
            ref = f" (password from {self.credential})" if self.credential else ""
            message = (
                f"smtp {where} refused login for {self.login!r}{ref}: "
                f"{reply_text(err.smtp_code, err.smtp_error)}"
            )
            log.warning("%s", message)
            raise TransportError(message) from err
        except smtplib.SMTPNotSupportedError as err:
            raise TransportError(
                f"smtp {where} cannot log in {self.login!r}: {err}; servers usually offer AUTH only "
                "after TLS (security = 'starttls' or 'ssl')"
            ) from err

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _recover(self, code: int) -> None:
        """Make the session usable for the next message after a failed transaction."""
        if self._conn is None:
            return
        if code == 421:  # the server is closing the channel
            self._drop()
            return
        try:
            rset_code, _ = self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
            return
        if rset_code != 250:
            self._drop()

    # --- sending ----------------------------------------------------------------------------------------

    def _send_batch(self, batch: list[OutgoingEmail]) -> list[SendResult]:
        results: list[SendResult] = []
        for i, msg in enumerate(batch):
            if self._conn is None:
                try:
                    self._conn = self._connect()
                except TransportError as err:
                    log.warning(
                        "smtp %s: reconnect failed, %d messages not sent: %s", self.where, len(batch) - i, err
                    )
                    for rest in batch[i:]:
                        results.extend(
                            self._result(
                                rest, r, Status.FAILED, retryable=True, error_code="connect", error=str(err)
                            )
                            for r in rest.recipients
                        )
                    break
            results.extend(self._transaction(msg))
        return results

    def _failure(self, msg: OutgoingEmail, rcpt: str, code: int, resp: bytes | str, phase: str) -> SendResult:
        raw = reply_text(code, resp)
        temporary = not 500 <= code < 600
        return self._result(
            msg,
            rcpt,
            Status.FAILED if temporary else Status.REJECTED,
            retryable=temporary,
            error_code=str(code),
            error=f"smtp {self.where} answered {phase} for {rcpt} with {raw}",
            raw=raw,
        )

    def _transaction(self, msg: OutgoingEmail) -> list[SendResult]:
        conn = self._conn
        assert conn is not None
        done: dict[str, SendResult] = {}
        options: list[str] = []
        if msg.needs_smtputf8:
            if not conn.has_extn("smtputf8"):
                error = (
                    f"smtp {self.where} does not offer SMTPUTF8, which the non-ASCII address in this message "
                    "needs; use an ASCII address for this recipient or a server that supports SMTPUTF8"
                )
                return [
                    self._result(msg, r, Status.FAILED, error_code="smtputf8_unsupported", error=error)
                    for r in msg.recipients
                ]
            options.append("SMTPUTF8")
            if conn.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        data = msg.data
        if conn.has_extn("size"):
            options.append(f"SIZE={len(data)}")
        phase = "MAIL FROM"
        try:
            code, resp = conn.mail(msg.sender, options)
            if code != 250:
                self._recover(code)
                return [self._failure(msg, r, code, resp, phase) for r in msg.recipients]
            phase = "RCPT TO"
            accepted: list[str] = []
            for rcpt in msg.recipients:
                code, resp = conn.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
                else:
                    done[rcpt] = self._failure(msg, rcpt, code, resp, phase)
                    if code == 421:
                        break
            if not accepted or code == 421:
                self._recover(code)
                for rcpt in msg.recipients:
                    done.setdefault(rcpt, self._failure(msg, rcpt, code, resp, phase))
                return [done[r] for r in msg.recipients]
            phase = "DATA"
            data_resp: bytes | str
            try:
                code, data_resp = conn.data(data)
            except smtplib.SMTPDataError as err:  # the DATA command itself was refused
                code, data_resp = err.smtp_code, err.smtp_error
            if code == 250:
                raw = reply_text(code, data_resp)
                for rcpt in accepted:
                    done[rcpt] = self._result(msg, rcpt, Status.SENT, raw=raw)
                log.info(
                    "smtp %s: %s sent to %d of %d recipients",
                    self.where,
                    msg.message_id,
                    len(accepted),
                    len(msg.recipients),
                )
            else:
                for rcpt in accepted:
                    done[rcpt] = self._failure(msg, rcpt, code, data_resp, phase)
                self._recover(code)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as err:
            self._drop()
            unknown = phase == "DATA"
            error = f"smtp {self.where}: connection lost during {phase}: {err}" + (
                "; the server may have taken the message" if unknown else ""
            )
            log.warning("%s (%s)", error, msg.message_id)
            for rcpt in msg.recipients:
                done.setdefault(
                    rcpt,
                    self._result(
                        msg,
                        rcpt,
                        Status.UNKNOWN if unknown else Status.FAILED,
                        retryable=not unknown,
                        error_code="connection_lost",
                        error=error,
                    ),
                )
        return [done[r] for r in msg.recipients]
