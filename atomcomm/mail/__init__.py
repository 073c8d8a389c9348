"""E-mail: mailboxes (company and per user), message building, and transports (SMTP, capture, memory).

Typical use::

    box = ws.mailboxes.for_user(ws.user)
    mail = build_email(box, key="inv-42-reminder-1", to="Jan Kowalski <jan@example.pl>",
                       subject="Przypomnienie o płatności", html=html, attachments=[pdf])
    with ws.mailboxes.transport(box) as transport:
        results = transport.send([mail])
"""

from atomcomm.mail.addresses import AddressLike, EmailAddress, parse_address, parse_addresses
from atomcomm.mail.capture import CaptureTransport
from atomcomm.mail.check import CheckStep, MailboxCheck, check_mailbox
from atomcomm.mail.mailboxes import COMPANY, Mailbox, MailboxRegistry
from atomcomm.mail.memory import MemoryTransport
from atomcomm.mail.message import (
    Attachment,
    InlineImage,
    OutgoingEmail,
    build_email,
    html_to_text,
    inline_css,
    make_message_id,
)
from atomcomm.mail.result import SendResult, Status
from atomcomm.mail.smtp import SmtpTransport
from atomcomm.mail.transport import MailTransport, transport_for

__all__ = [
    "COMPANY",
    "AddressLike",
    "Attachment",
    "CaptureTransport",
    "CheckStep",
    "EmailAddress",
    "InlineImage",
    "MailTransport",
    "Mailbox",
    "MailboxCheck",
    "MailboxRegistry",
    "MemoryTransport",
    "OutgoingEmail",
    "SendResult",
    "SmtpTransport",
    "Status",
    "build_email",
    "check_mailbox",
    "html_to_text",
    "inline_css",
    "make_message_id",
    "parse_address",
    "parse_addresses",
    "transport_for",
]
