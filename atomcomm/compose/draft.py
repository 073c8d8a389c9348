"""Draft: one message about one ERP object, on one channel, ready to look at, edit and send.

``ws.draft(template_or_text, type, id, channel, as_user=None)`` resolves the sender (the user's own mailbox
or SMS sender, else the company's), suggests recipients from the object's parties and picks the template's
default roles, renders subject and body, proposes attachments (the template's prints and fixed files) and,
for SMS, counts the parts. Everything stays editable; edited subject and body may hold Liquid metatags,
rendered against the same object. ``draft.send()`` puts one outbox row per recipient and dispatches them
at once: the outbox refuses to send the same draft twice unless ``resend=True``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atomcomm.compose.attachments import (
    AttachmentProposal,
    added_bytes,
    added_file,
    check_attachments,
    max_total_bytes,
    propose_attachments,
)
from atomcomm.compose.recipients import Recipient, as_recipient, by_roles, suggest
from atomcomm.errors import AddressError, MessageError
from atomcomm.outbox.blobs import outbox_blobs
from atomcomm.outbox.dispatch import Dispatcher, SendOutcome
from atomcomm.outbox.store import OutboxEntry, content_hash

if TYPE_CHECKING:
    from atomcomm.config import Config
    from atomcomm.mail.mailboxes import Mailbox
    from atomcomm.sms.message import Sender
    from atomcomm.sms.segments import SegmentInfo
    from atomcomm.templates.files import TemplateInfo
    from atomcomm.workspace import Workspace

_LIQUID = re.compile(r"{{|{%")


def unsubscribe_links(config: Config, address: str) -> dict[str, str]:
    """List-Unsubscribe targets for marketing mail, from ``[marketing]`` in the configuration.

    ``unsubscribe_url`` may contain ``{token}``: an opaque per-address token the web side resolves.
    """
    section = config.section("marketing")
    url = str(section.get("unsubscribe_url", "https://atom.example.pl/wypisz/{token}"))
    mailto = str(section.get("unsubscribe_mailto", "wypisz@atom.example.pl"))
    token = hashlib.sha256(f"unsubscribe:{address.lower()}".encode()).hexdigest()[:24]
    return {"unsubscribe_url": url.replace("{token}", token), "unsubscribe_mailto": mailto}


@dataclass(frozen=True)
class DraftPreview:
    """What the recipients will get (the draft as it would be sent now)."""

    channel: str
    sender: str
    recipients: list[str]
    subject: str | None
    text: str
    html: str | None
    attachments: list[dict[str, Any]]
    sms: SegmentInfo | None
    warnings: list[str]

    def __str__(self) -> str:
        lines = [f"{self.channel} from {self.sender}", f"to: {', '.join(self.recipients) or '(nobody)'}"]
        if self.subject is not None:
            lines.append(f"subject: {self.subject}")
        if self.sms is not None:
            lines.append(f"SMS: {self.sms.encoding}, {self.sms.units} units, {self.sms.parts} part(s)")
        for a in self.attachments:
            lines.append(f"attachment: {a['filename']} ({a['size']} B, {a['source']})")
        lines += [f"warning: {w}" for w in self.warnings]
        lines += ["", self.text]
        return "\n".join(lines)


class Draft:
    """A message being composed; see the module docstring.

    Attributes:
        channel: ``email`` or ``sms``.
        object_type / object_id: what the message is about.
        user: the ERP login sending it (None = the company).
        template: the template's information (free text: name ``<text>``).
        mailbox: the resolved mailbox (e-mail) or None.
        sms_sender: the resolved SMS sender or None.
        suggestions: every suggested recipient, selectable or not, with its role.
        recipients: the chosen recipients (defaults from the template's roles).
        cc / bcc: extra e-mail copies (addresses), sent with the first recipient's message.
        subject / html / text: the rendered content (editable).
        attachments: proposals (prints, fixed files, added files), each removable.
    """

    def __init__(
        self,
        ws: Workspace,
        template_or_text: str,
        object_type: str,
        object_id: int,
        channel: str | None = None,
        *,
        as_user: str | None = None,
        sender: str | None = None,
    ) -> None:
        self.ws = ws
        self.user = as_user if as_user is not None else ws.user
        self.object_type = object_type
        self.object_id = int(object_id)
        compiled, _type = ws.templates.resolve(template_or_text, object_type, channel)
        self.template: TemplateInfo = compiled.info
        self.channel = self.template.channel
        self.source = template_or_text
        self.mailbox: Mailbox | None = None
        self.sms_sender: Sender | None = None
        if self.channel == "email":
            self.mailbox = ws.mailboxes.for_user(self.user, sender)
        else:
            self.sms_sender = ws.sms.sender(sender, user=self.user)
        self.context = ws.erp.context(object_type, self.object_id)
        rendered = ws.templates.render(template_or_text, self.object_id, object_type, channel=self.channel)
        self.subject: str | None = rendered.subject
        self.html: str | None = rendered.html
        self.text: str = rendered.text
        self.suggestions: list[Recipient] = suggest(
            ws.erp, object_type, self.object_id, self.channel, context=self.context, region=ws.sms.region
        )
        self.recipients: list[Recipient] = by_roles(self.suggestions, self.template.recipients)
        self.cc: list[str] = []
        self.bcc: list[str] = []
        self.attachments: list[AttachmentProposal] = []
        if self.channel == "email":
            self.attachments = propose_attachments(ws, self.template.attachments, object_type, self.object_id)
        self.sent: list[SendOutcome] = []

    # --- editing ------------------------------------------------------------------------------------------

    def _render_free(self, text: str, channel: str) -> str:
        if not _LIQUID.search(text):
            return text
        return self.ws.templates.render(text, self.object_id, self.object_type, channel=channel).text

    def edit(self, *, subject: str | None = None, text: str | None = None, html: str | None = None) -> Draft:
        """Replace subject and/or body; Liquid metatags in them are rendered against the object.

        An edited plain-text body of an e-mail replaces the HTML unless ``html`` is given too.
        """
        if subject is not None:
            if self.channel != "email":
                raise MessageError("an SMS has no subject")
            self.subject = " ".join(self._render_free(subject, "sms").split())
        if html is not None:
            if self.channel != "email":
                raise MessageError("an SMS has no HTML body")
            self.html = self._render_free(html, "email")
        if text is not None:
            body = self._render_free(text, "sms")
            self.text = body.strip() if self.channel == "sms" else body
            if self.channel == "email" and html is None:
                self.html = None
        return self

    def add_recipient(self, value: Recipient | str, name: str = "") -> Recipient:
        """Add a suggested recipient, or one typed by hand (validated for the channel)."""
        r = as_recipient(value, self.channel, region=self.ws.sms.region)
        if name and not r.name:
            r = Recipient(r.address, name, r.role, r.source, r.label, r.party_type, r.party_id)
        if all(x.address != r.address for x in self.recipients):
            self.recipients.append(r)
        return r

    def remove_recipient(self, address: str) -> None:
        self.recipients = [r for r in self.recipients if r.address != address]

    def set_recipients(self, values: Iterable[Recipient | str]) -> None:
        self.recipients = []
        for v in values:
            self.add_recipient(v)

    def add_attachment(self, path_or_name: str | Path, data: bytes | None = None) -> AttachmentProposal:
        """Attach a file by path, or bytes under a file name."""
        if self.channel != "email":
            raise MessageError("an SMS cannot carry attachments")
        p = added_bytes(str(path_or_name), data) if data is not None else added_file(path_or_name)
        self.attachments.append(p)
        return p

    def remove_attachment(self, filename: str) -> None:
        """Untick an attachment (it stays listed)."""
        found = [a for a in self.attachments if a.filename == filename]
        if not found:
            raise MessageError(
                f"no attachment {filename!r}; attachments: {[a.filename for a in self.attachments]}"
            )
        for a in found:
            a.included = False

    # --- looking ------------------------------------------------------------------------------------------

    @property
    def sender_label(self) -> str:
        if self.mailbox is not None:
            return str(self.mailbox.sender)
        return str(self.sms_sender)

    @property
    def sms(self) -> SegmentInfo | None:
        if self.channel != "sms":
            return None
        from atomcomm.sms.segments import segments

        return segments(self.text)

    def problems(self) -> list[str]:
        """Why the draft cannot be sent as it is (empty when it can)."""
        out = []
        if not self.recipients:
            out.append("no recipient: add one (suggested or typed)")
        if self.channel == "email" and not (self.subject or "").strip():
            out.append("the subject is empty")
        if not self.text.strip() and not (self.html or "").strip():
            out.append("the message is empty")
        info = self.sms
        if info is not None and info.parts > self.template.max_parts:
            out.append(f"the SMS takes {info.parts} parts, more than the limit of {self.template.max_parts}")
        return out

    def preview(self) -> DraftPreview:
        """The message as it would be sent now, with warnings for what blocks sending."""
        warnings = self.problems()
        rows = []
        for a in self.attachments:
            if a.included:
                a.measure()
                rows.append(a.row())
                if a.error:
                    warnings.append(f"{a.filename}: {a.error}")
        return DraftPreview(
            channel=self.channel,
            sender=self.sender_label,
            recipients=[str(r) for r in self.recipients],
            subject=self.subject,
            text=self.text,
            html=self.html,
            attachments=rows,
            sms=self.sms,
            warnings=warnings,
        )

    # --- sending ------------------------------------------------------------------------------------------

    def _content_key(self, attachment_digests: Sequence[str]) -> str:
        return content_hash(
            self.channel,
            self.sender_label,
            self.subject,
            self.text,
            self.html,
            tuple(attachment_digests),
            tuple(self.cc),
            tuple(self.bcc),
        )

    def entries(self, *, resend: bool = False) -> list[OutboxEntry]:
        """The outbox rows this draft makes (one per recipient); attachments are stored on the way.

        Raises:
            MessageError: the draft cannot be sent (see :meth:`problems`).
            AttachmentError: an attachment is unusable or the total is over the limit.
        """
        problems = self.problems()
        if problems:
            raise MessageError("cannot send: " + "; ".join(problems))
        blobs = outbox_blobs(self.ws.config)
        refs: list[dict[str, Any]] = []
        if self.channel == "email":
            for a in check_attachments(self.attachments, max_total_bytes(self.ws.config)):
                data = a.read()
                refs.append(
                    {
                        "filename": a.filename,
                        "source": a.source,
                        "content_type": a.content_type,
                        "size": len(data),
                        "ref": a.ref,
                        "sha256": blobs.put(data),
                    }
                )
        digest = self._content_key([r["sha256"] for r in refs])
        meta: dict[str, Any] = {"kind": self.template.kind}
        if self.channel == "sms":
            meta["max_parts"] = self.template.max_parts
        base = f"{self.channel}-{self.object_type}-{self.object_id}-{digest}"
        out = []
        for i, r in enumerate(self.recipients):
            who = hashlib.sha256(r.address.encode("utf-8")).hexdigest()[:10]
            key = f"{base}-{who}"
            if resend:
                key = self.ws.outbox.next_key(key)
            row_meta = dict(meta)
            if self.channel == "email" and self.template.is_marketing:
                # each recipient gets its own unsubscribe link
                row_meta.update(unsubscribe_links(self.ws.config, r.address), is_marketing=True)
            out.append(
                OutboxEntry(
                    key=key,
                    channel=self.channel,
                    sender=self.mailbox.name if self.mailbox is not None else str(self.sms_sender),
                    sender_address=self.mailbox.address if self.mailbox is not None else None,
                    recipient=r.address,
                    recipient_name=r.name or None,
                    recipient_role=r.role,
                    object_type=self.object_type,
                    object_id=self.object_id,
                    template=self.template.name if self.template.path is not None else None,
                    user_login=self.user,
                    batch=f"draft-{base}",
                    cc=list(self.cc) if i == 0 and self.cc else None,
                    bcc=list(self.bcc) if i == 0 and self.bcc else None,
                    subject=self.subject,
                    body_text=self.text,
                    body_html=self.html,
                    attachments=refs,
                    meta=row_meta,
                )
            )
        return out

    def send(self, *, resend: bool = False) -> list[SendOutcome]:
        """Put the draft in the outbox and send it now; one outcome per recipient.

        Raises:
            DuplicateSendError: the same draft was already sent (pass ``resend=True`` to send it again).
            MessageError / AttachmentError / AddressError: the draft cannot be sent as it is.
            ConfigError / TransportError: the mailbox or gateway is misconfigured or unreachable (the rows
                stay queued and are sent by a later dispatch).
        """
        for extra in (*self.cc, *self.bcc):
            if self.channel != "email":
                raise AddressError("cc and bcc exist only for e-mail")
            as_recipient(extra, "email")
        entries = self.entries(resend=resend)
        ids = self.ws.outbox.add(entries)
        self.sent = Dispatcher(self.ws).run(ids=ids)
        return self.sent

    def __repr__(self) -> str:
        who = ", ".join(r.address for r in self.recipients)
        return (
            f"<Draft {self.channel} {self.template.name} for {self.object_type} {self.object_id} to [{who}]>"
        )


__all__ = ["Draft", "DraftPreview"]
