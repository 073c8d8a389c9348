"""SMTP session helpers shared by the transport and the mailbox check: TLS, login, replies.

TLS contexts always verify the server's certificate and host name (smtplib's own default does not).
Logins with non-ASCII characters go through AUTH PLAIN with UTF-8 (RFC 4616), which smtplib cannot do.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from os import PathLike

from atomcomm.errors import ConfigError


def reply_text(code: int, resp: bytes | str) -> str:
    """``"250 2.0.0 OK"`` from smtplib's (code, bytes) pair."""
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return f"{code} {text}".strip().replace("\n", " / ")


def tls_context(ca_file: str | PathLike[str] | None = None) -> ssl.SSLContext:
    """A client TLS context that verifies certificates and host names.

    Args:
        ca_file: PEM file of trusted CAs; None = the system's trust store.
    """
    try:
        return ssl.create_default_context(cafile=None if ca_file is None else str(ca_file))
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(f"ca_file {ca_file}: cannot be read as PEM certificates: {err}") from err


def smtp_login(conn: smtplib.SMTP, login: str, password: str) -> tuple[int, bytes]:
    """Log in; UTF-8 credentials go through AUTH PLAIN (smtplib encodes them as ASCII only).

    Raises:
        smtplib.SMTPAuthenticationError: the server refused the credentials.
        smtplib.SMTPNotSupportedError: the server offers no usable AUTH mechanism.
    """
    if login.isascii() and password.isascii():
        return conn.login(login, password)
    conn.ehlo_or_helo_if_needed()
    mechanisms = conn.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise smtplib.SMTPNotSupportedError(
            f"a login or password with non-ASCII characters needs AUTH PLAIN; the server offers "
            f"{' '.join(mechanisms) or 'no AUTH'}"
        )
    token = base64.b64encode(b"\0" + login.encode("utf-8") + b"\0" + password.encode("utf-8"))
    code, resp = conn.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, resp)
    return code, resp


def describe_tls_error(err: BaseException) -> str:
    """A readable reason for a TLS failure, with the usual fix."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return (
            f"the server's TLS certificate was not accepted ({err.verify_message}); "
            "set ca_file to the CA that signed it, or fix the host name"
        )
    return f"TLS failed: {err}"
