"""Building outgoing e-mail with the standard library's ``email`` package.

:func:`build_email` turns a mailbox, recipients and content into an :class:`OutgoingEmail`: the
``EmailMessage`` (SMTP policy, CRLF line ends) plus the envelope (sender, every recipient including Bcc)
and the key of the outbox row it belongs to. The MIME tree is::

    multipart/mixed                      (only with attachments)
      multipart/alternative
        text/plain                       the given text, or one produced from the HTML
        multipart/related                (only with inline images)
          text/html                      CSS inlined into style attributes
          image/png; Content-ID: <...>
      application/pdf; filename*=utf-8''Faktura_...

Bcc never becomes a header. Every header value is refused when it holds CR/LF (header injection).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import mimetypes
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from atomcomm.errors import MessageError
from atomcomm.mail.addresses import AddressLike, check_header_value, parse_addresses

if TYPE_CHECKING:
    from atomcomm.mail.mailboxes import Mailbox

_HEADER_NAME = re.compile(r"^[!-9;-~]+$")
_OWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "sender",
        "return-path",
    }
)
_NEWLINE = re.compile(r"\r\n|\r|\n")  # as email.generator splits lines
_CID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+$")
_URL_CHARS = re.compile(r"^[!#-;=?-~]+$")  # printable ASCII without space, '<', '>' and '"'


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message, from bytes.

    Attributes:
        filename: the name the recipient sees (UTF-8 allowed: ``Faktura_FV-1_Żółć.pdf``).
        content: the file's bytes.
        mimetype: e.g. ``application/pdf``; None = guessed from the file name.
    """

    filename: str
    content: bytes
    mimetype: str | None = None


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows by Content-ID (``<img src="cid:logo">``).

    Attributes:
        cid: the Content-ID without angle brackets, as referenced after ``cid:`` in the HTML.
        content: the image's bytes.
        mimetype: e.g. ``image/png``; None = guessed from ``filename``.
        filename: optional file name.
    """

    cid: str
    content: bytes
    mimetype: str | None = None
    filename: str | None = None


@dataclass(frozen=True)
class OutgoingEmail:
    """One message ready for a transport: the MIME message plus its envelope.

    Attributes:
        key: the idempotency key of the outbox row (also the seed of the Message-ID).
        mailbox: name of the mailbox it leaves from.
        sender: envelope sender (``MAIL FROM``), the mailbox address unless given otherwise.
        recipients: envelope recipients (To, Cc and Bcc, without duplicates).
        message: the message; Bcc recipients do not appear in it.
        needs_smtputf8: True when an address has a non-ASCII local part (server must offer SMTPUTF8).
    """

    key: str
    mailbox: str
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage = field(repr=False)
    needs_smtputf8: bool = False

    @property
    def message_id(self) -> str:
        """The ``Message-ID`` header, angle brackets included."""
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        """The decoded subject."""
        return str(self.message["Subject"] or "")

    @cached_property
    def data(self) -> bytes:
        """The message as sent on the wire (CRLF line ends), serialised once."""
        return serialize(self.message)


class _BytesGenerator(BytesGenerator):
    """``BytesGenerator`` writing a body's lines in one call instead of two calls per line.

    The output is byte for byte that of ``EmailMessage.as_bytes()``; a base64 attachment of 100 KB has
    about 1,800 lines, and the per-line writes were a third of the time spent serialising a message.
    """

    _NL: str  # the policy's line separator, set by flatten()

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(self._NL.join(_NEWLINE.split(lines)))


def serialize(message: EmailMessage) -> bytes:
    """The bytes of a message under its own policy, as ``message.as_bytes()`` gives them."""
    out = io.BytesIO()
    _BytesGenerator(out, mangle_from_=False, policy=message.policy).flatten(message, unixfrom=False)
    return out.getvalue()


def make_message_id(key: str, domain: str) -> str:
    """A deterministic Message-ID for an outbox key: the same key always gives the same id.

    The readable part of the key is kept (``inv-42-reminder-1``) and a hash of the whole key keeps ids
    distinct when keys differ only in characters a Message-ID cannot hold.
    """
    if not key:
        raise MessageError("the message key is empty; every message needs the key of its outbox row")
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", key)[:64].strip("-") or "m"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"<{readable}.{digest}@{domain}>"


def html_to_text(html: str) -> str:
    """A readable plain-text alternative of an HTML body (links kept as ``[text](url)``)."""
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    converter.single_line_break = False
    return converter.handle(html).strip() + "\n"


def inline_css(html: str) -> str:
    """Move ``<style>`` rules into ``style`` attributes; remote stylesheets are never fetched."""
    import css_inline

    try:
        inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
        return str(inliner.inline(html))
    except (ValueError, css_inline.InlineError) as err:
        raise MessageError(f"HTML body: the CSS could not be inlined: {err}") from err


def _text_cte(text: str) -> str:
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _split_type(mimetype: str | None, filename: str | None, default: str, field: str) -> tuple[str, str]:
    guessed = mimetype or (mimetypes.guess_type(filename)[0] if filename else None) or default
    if not guessed:
        raise MessageError(f"{field}: the type cannot be told from the file name; pass mimetype='image/png'")
    maintype, sep, subtype = guessed.partition("/")
    if not sep or not maintype or not subtype:
        raise MessageError(f"{field}: {guessed!r} is not a MIME type like application/pdf")
    return maintype, subtype


class _FoldedList(str):
    """A comma-separated header value that is folded at its commas only.

    The email package folds an over-long token (a long unsubscribe URL) into RFC 2047 encoded words,
    which clients then do not read as a URL; this value keeps each URL whole on its own line.
    """

    name: str
    items: tuple[str, ...]

    def __new__(cls, name: str, items: Sequence[str]) -> _FoldedList:
        value = super().__new__(cls, ", ".join(items))
        value.name = name
        value.items = tuple(items)
        return value

    def __getnewargs__(self) -> tuple[str, tuple[str, ...]]:  # type: ignore[override]
        return self.name, self.items

    def fold(self, *, policy: Policy) -> str:
        sep = "," + policy.linesep + " "
        return f"{self.name}: {sep.join(self.items)}{policy.linesep}"


def _unsubscribe_header(url: str | None, mailto: str | None) -> _FoldedList:
    items: list[str] = []
    if mailto:
        check_header_value(mailto, "unsubscribe_mailto")
        target = mailto if mailto.startswith("mailto:") else f"mailto:{mailto}"
        if not _URL_CHARS.match(target):
            raise MessageError(f"unsubscribe_mailto: {mailto!r} holds characters a header URL cannot carry")
        items.append(f"<{target}>")
    if url:
        check_header_value(url, "unsubscribe_url")
        if not url.startswith("https://") or not _URL_CHARS.match(url):
            raise MessageError(
                f"unsubscribe_url: {url!r} must be an https:// URL without spaces (one-click unsubscribe, "
                "RFC 8058); percent-encode other characters"
            )
        items.append(f"<{url}>")
    return _FoldedList("List-Unsubscribe", items)


def build_email(
    mailbox: Mailbox,
    *,
    key: str,
    to: AddressLike | Iterable[AddressLike] | None,
    subject: str,
    text: str | None = None,
    html: str | None = None,
    cc: AddressLike | Iterable[AddressLike] | None = None,
    bcc: AddressLike | Iterable[AddressLike] | None = None,
    reply_to: AddressLike | Iterable[AddressLike] | None = None,
    attachments: Sequence[Attachment] = (),
    inline_images: Sequence[InlineImage] = (),
    is_marketing: bool = False,
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | None = None,
    headers: Mapping[str, str] | None = None,
    date: dt.datetime | None = None,
    envelope_from: str | None = None,
    css_inlining: bool = True,
) -> OutgoingEmail:
    """Build one message from a mailbox.

    Args:
        mailbox: the mailbox it leaves from (From, Reply-To default, Message-ID domain).
        key: the outbox row's idempotency key; the Message-ID is derived from it.
        to, cc, bcc: recipients as ``"a@x.pl"``, ``"Name <a@x.pl>"`` or ``(name, address)``; Bcc goes to the
            envelope only.
        subject: the subject (any Unicode; encoded words are produced as needed).
        text: the plain-text body; None with ``html`` = produced from the HTML.
        html: the HTML body; its CSS is inlined unless ``css_inlining`` is False.
        reply_to: Reply-To; None = the mailbox's ``reply_to`` (or none: replies go to From).
        attachments: files attached to the message.
        inline_images: images referenced from the HTML as ``cid:<cid>``.
        is_marketing: marketing mail; requires ``unsubscribe_url`` and gets ``List-Unsubscribe`` and
            ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.
        unsubscribe_url: https one-click unsubscribe URL (also allowed on non-marketing mail).
        unsubscribe_mailto: address for unsubscribe requests by mail.
        headers: further headers (``In-Reply-To``, ``Auto-Submitted``, ``X-...``).
        date: the Date header; None = now. A naive datetime is taken as local time.
        envelope_from: bounce address for ``MAIL FROM``; None = the mailbox address.
        css_inlining: inline the HTML's ``<style>`` rules (mail clients drop ``<style>`` blocks).

    Raises:
        MessageError: nothing to send, header injection, a malformed header, URL or content type.
        AddressError: an invalid address.
    """
    sender = mailbox.sender
    to_list = parse_addresses(to, field="To")
    cc_list = parse_addresses(cc, field="Cc")
    bcc_list = parse_addresses(bcc, field="Bcc")
    reply_list = parse_addresses(reply_to if reply_to is not None else mailbox.reply_to, field="Reply-To")
    bounce = parse_addresses(envelope_from, field="envelope_from")[0] if envelope_from else sender
    if not (to_list or cc_list or bcc_list):
        raise MessageError("the message has no recipients; give at least one of to, cc, bcc")
    check_header_value(subject, "Subject")
    if text is None and html is None:
        raise MessageError("the message has no body; give text, html or both")
    if inline_images and html is None:
        raise MessageError('inline images need an HTML body that shows them with <img src="cid:...">')
    if is_marketing and not unsubscribe_url:
        raise MessageError(
            "marketing mail needs unsubscribe_url (an https one-click link) for List-Unsubscribe"
        )

    everyone = [sender, bounce, *to_list, *cc_list, *bcc_list, *reply_list]
    needs_smtputf8 = any(a.needs_smtputf8 for a in everyone)
    policy = email_policy.SMTPUTF8 if needs_smtputf8 else email_policy.SMTP
    msg = EmailMessage(policy=policy)
    msg["From"] = sender.header()
    if to_list:
        msg["To"] = [a.header() for a in to_list]
    if cc_list:
        msg["Cc"] = [a.header() for a in cc_list]
    if reply_list:
        msg["Reply-To"] = [a.header() for a in reply_list]
    msg["Subject"] = subject
    when = dt.datetime.now().astimezone() if date is None else date
    msg["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    msg["Message-ID"] = make_message_id(key, mailbox.domain)
    if unsubscribe_url or unsubscribe_mailto:
        msg["List-Unsubscribe"] = _unsubscribe_header(unsubscribe_url, unsubscribe_mailto)
        if unsubscribe_url:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name):
            raise MessageError(f"header name {name!r} is not valid (printable ASCII, no ':' or spaces)")
        if name.lower() in _OWN_HEADERS:
            raise MessageError(f"header {name} is set by build_email; pass it as its own argument")
        msg[name] = check_header_value(value, name)

    _set_body(msg, text, html, inline_images, css_inlining)
    for i, att in enumerate(attachments, 1):
        where = f"attachment {i} ({att.filename!r})"
        check_header_value(att.filename, f"attachment {i} file name")
        if not att.filename:
            raise MessageError(f"attachment {i}: the file name is empty")
        maintype, subtype = _split_type(att.mimetype, att.filename, "application/octet-stream", where)
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)

    recipients: dict[str, None] = {}
    for a in (*to_list, *cc_list, *bcc_list):
        recipients.setdefault(a.envelope, None)
    return OutgoingEmail(
        key=key,
        mailbox=mailbox.name,
        sender=bounce.envelope,
        recipients=tuple(recipients),
        message=msg,
        needs_smtputf8=needs_smtputf8,
    )


def _set_body(
    msg: EmailMessage,
    text: str | None,
    html: str | None,
    inline_images: Sequence[InlineImage],
    css_inlining: bool,
) -> None:
    if html is None:
        assert text is not None
        msg.set_content(text, cte=_text_cte(text))
        return
    plain = text if text is not None else html_to_text(html)
    body = inline_css(html) if css_inlining else html
    msg.set_content(plain, cte=_text_cte(plain))
    msg.add_alternative(body, subtype="html", cte=_text_cte(body))
    if not inline_images:
        return
    html_part = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
    for image in inline_images:
        where = f"inline image {image.cid!r}"
        if not _CID.match(image.cid):
            raise MessageError(f"{where}: a Content-ID may hold no spaces, '<', '>' or line breaks")
        if f"cid:{image.cid}" not in body:
            raise MessageError(
                f'{where} is not shown by the HTML; reference it as <img src="cid:{image.cid}">'
            )
        if image.filename:
            check_header_value(image.filename, f"{where} file name")
        maintype, subtype = _split_type(image.mimetype, image.filename, "", where)
        extra: dict[str, Any] = {"filename": image.filename} if image.filename else {}
        html_part.add_related(
            image.content,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{image.cid}>",
            disposition="inline",
            **extra,
        )
