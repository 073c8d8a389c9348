"""Mailboxes: the company's and the users' own, from atomcomm.toml and atomcomm's own table.

``mailbox`` holds the :class:`Mailbox` settings and their validation, ``registry`` the
:class:`MailboxRegistry` (reading, resolution per user, the table, the keyring).

By default all mail leaves from the company mailbox (``[mailboxes.company]``) and replies come back to it.
A user can have an own outgoing mailbox, configured in ``[mailboxes.users.<login>]`` or stored in the
``atomcomm_mailboxes`` table (set up through the CLI or the settings panel); the table wins for that user.

Settings never hold secrets: ``password`` and ``imap_password`` are references (``env:NAME`` or
``keyring:SERVICE/USER``) resolved only when a connection is opened. A literal password is refused.
"""

from atomcomm.mail.mailboxes.mailbox import (
    COMPANY,
    IMAP_PORTS,
    KEYRING_SERVICE,
    SMTP_PORTS,
    TABLE,
    Mailbox,
    Security,
    TransportKind,
)
from atomcomm.mail.mailboxes.registry import MailboxRegistry, mailboxes_table

__all__ = [
    "COMPANY",
    "IMAP_PORTS",
    "KEYRING_SERVICE",
    "SMTP_PORTS",
    "TABLE",
    "Mailbox",
    "MailboxRegistry",
    "Security",
    "TransportKind",
    "mailboxes_table",
]
