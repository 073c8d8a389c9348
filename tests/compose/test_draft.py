"""Drafts on both channels, sent through the outbox: capture mailbox, fake SMSAPI over HTTP, refusals."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.errors import AuthorizationError, DuplicateSendError, MessageError

from ..conftest import TODAY, copy_demo, write_workspace

USERS = """
[mailboxes.users.anowak]
name = "Anna Nowak"
address = "anna.nowak@atom.example.pl"
transport = "capture"

[mailboxes.users.pkowalski]
name = "Piotr Kowalski"
address = "piotr.kowalski@atom.example.pl"
transport = "capture"

[sms.users.anowak]
sender = "name:ANOWAK"

[sms.users.pkowalski]
sender = "name:PKOWALSKI"
"""


@pytest.fixture
def ws_send(demo_sqlite_url: str, tmp_path: Path) -> Iterator[Workspace]:
    """The demo data with an own data folder (captured mail, outbox), users with own mailboxes and senders."""

    url = copy_demo(demo_sqlite_url, tmp_path / "demo.sqlite")
    extra = f'[data]\npath = "{tmp_path / "data"}"\n\n[sms]\ngateway = "fake-smsapi"\n' + USERS
    w = Workspace.open(write_workspace(tmp_path / "ws", url, extra), today=TODAY, environ={})
    yield w
    w.close()


def captured(ws: Workspace, mailbox: str = "company") -> list[email.message.EmailMessage]:
    folder = ws.config.data_path / "captured" / mailbox
    index = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    return [
        email.message_from_bytes((folder / row["file"]).read_bytes(), policy=policy.default)  # type: ignore[misc]
        for row in index
    ]


def overdue_invoice(ws: Workspace) -> int:
    df = ws.erp.frame("invoice", where={"status": "overdue"}, columns=["buyer_contact_id"])
    return int(df[df["buyer_contact_id"].notna()].index[0])


def test_email_draft_defaults_and_send_through_capture(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    ctx = ws_send.erp.context("invoice", oid)
    d = ws_send.draft("invoice/invoice_sending.email", "invoice", oid)
    assert d.mailbox is not None and d.mailbox.name == "company"
    roles = [r.role for r in d.recipients]
    assert roles and roles[0] == "buyer_contact"
    assert d.recipients[0].address == ctx["buyer_contact"]["email"]
    assert ctx["invoice"]["number"] in (d.subject or "")
    sources = sorted(a.source for a in d.attachments)
    assert sources == ["print", "template"]
    preview = d.preview()
    assert preview.warnings == [] and all(a["size"] > 1000 for a in preview.attachments)

    results = d.send()
    assert [r.state for r in results] == ["sent"] * len(d.recipients)
    messages = captured(ws_send)
    assert len(messages) == len(d.recipients)
    msg = messages[0]
    assert ctx["buyer_contact"]["email"] in msg["To"]
    assert msg["From"].addresses[0].addr_spec == "biuro@atom.example.pl"
    names = sorted(part.get_filename() for part in msg.iter_attachments())
    assert names == sorted(a.filename for a in d.attachments)
    pdfs = [part.get_content() for part in msg.iter_attachments()]
    assert all(p.startswith(b"%PDF") for p in pdfs)
    assert msg["Message-ID"] == results[0].provider_id

    rows = ws_send.outbox.rows(object_type="invoice", object_id=oid)
    assert set(rows["state"]) == {"sent"}
    assert list(ws_send.outbox.events(int(rows.index[0]))["to_state"]) == ["queued", "sending", "sent"]


def test_sending_the_same_draft_twice_is_refused(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    d = ws_send.draft("invoice/payment_reminder.email", "invoice", oid)
    d.set_recipients([d.recipients[0]])
    d.send()
    with pytest.raises(DuplicateSendError, match="resend=True"):
        d.send()
    again = ws_send.draft("invoice/payment_reminder.email", "invoice", oid)
    again.set_recipients([again.recipients[0]])
    with pytest.raises(DuplicateSendError):
        again.send()
    assert [r.state for r in again.send(resend=True)] == ["sent"]
    assert len(captured(ws_send)) == 2


def test_sms_draft_over_http_to_the_fake_smsapi_server(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    d = ws_send.draft("invoice/payment_reminder.sms", "invoice", oid)
    assert d.channel == "sms" and d.attachments == []
    assert d.sms is not None and d.sms.parts <= 6
    [result] = d.send()
    assert result.state == "sent" and result.provider_id
    server = ws_send.sms.fake_server()
    [received] = [m for m in server.received if m.idx == ws_send.outbox.get(result.outbox_id)["key"]]
    assert received.to == d.recipients[0].address.lstrip("+")
    assert received.text == d.text and received.sender == "ATOM"
    assert received.id == result.provider_id


def test_typed_recipients_free_text_and_metatags(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    number = ws_send.erp.context("invoice", oid)["invoice"]["number"]
    d = ws_send.draft("Dzień dobry, dotyczy {{ invoice.number }}.", "invoice", oid, "sms")
    assert d.text == f"Dzień dobry, dotyczy {number}."
    d.set_recipients(["600 100 200"])
    assert d.recipients[0].address == "+48600100200"
    d.edit(text="Kwota: {{ invoice.amount_due | money }}")
    assert d.text.startswith("Kwota: ") and "zł" in d.text
    with pytest.raises(MessageError, match="no subject"):
        d.edit(subject="x")
    e = ws_send.draft("invoice/payment_reminder.email", "invoice", oid)
    e.edit(subject="Faktura {{ invoice.number }} – pilne")
    assert e.subject == f"Faktura {number} – pilne"
    e.set_recipients([])
    with pytest.raises(MessageError, match="no recipient"):
        e.send()


def test_removed_attachment_is_not_sent(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    d = ws_send.draft("invoice/invoice_sending.email", "invoice", oid)
    d.set_recipients(["Jan Testowy <jan.testowy@example.com>"])
    template_file = next(a for a in d.attachments if a.source == "template")
    d.remove_attachment(template_file.filename)
    d.add_attachment("notatka.txt", "Notatka – zażółć gęślą jaźń".encode())
    d.send()
    [msg] = captured(ws_send)
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert template_file.filename not in names and "notatka.txt" in names


def test_user_mailbox_and_sender_are_used_and_others_refused(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    d = ws_send.draft("invoice/payment_reminder.email", "invoice", oid, as_user="anowak")
    assert d.mailbox is not None and d.mailbox.address == "anna.nowak@atom.example.pl"
    d.set_recipients([d.recipients[0]])
    d.send()
    [msg] = captured(ws_send, "anowak")
    assert msg["From"].addresses[0].addr_spec == "anna.nowak@atom.example.pl"
    s = ws_send.draft("invoice/payment_reminder.sms", "invoice", oid, as_user="anowak")
    assert str(s.sms_sender) == "name:ANOWAK"
    with pytest.raises(AuthorizationError):
        ws_send.draft("invoice/payment_reminder.email", "invoice", oid, as_user="anowak", sender="pkowalski")
    with pytest.raises(AuthorizationError):
        ws_send.draft(
            "invoice/payment_reminder.sms", "invoice", oid, as_user="anowak", sender="name:PKOWALSKI"
        )


def test_send_email_shortcut(ws_send: Workspace) -> None:
    oid = overdue_invoice(ws_send)
    results = ws_send.send_email(
        "invoice/payment_reminder.email", "invoice", oid, to="Księgowość <ksiegowosc@example.org>",
        bcc="archiwum@atom.example.pl",
    )  # fmt: skip
    assert [r.state for r in results] == ["sent"]
    [msg] = captured(ws_send)
    assert "ksiegowosc@example.org" in msg["To"] and msg["Bcc"] is None


def test_render_fills_recipients_and_attachment_proposals(ws: Workspace) -> None:
    r = ws.render("invoice/invoice_sending.email", 42)
    info = ws.templates.info("invoice/invoice_sending.email")
    assert [a.source for a in r.attachments] == ["print", "template"]
    assert r.attachments[1].filename == "windykacja.pdf"
    assert r.recipients and r.recipients[0].role in info.recipients
    assert {x.address for x in r.recipients} == {x.address for x in ws.recipients("invoice", 42, "email")}
    sms = ws.render("invoice/payment_reminder.sms", 42)
    assert sms.attachments == [] and all(x.address.startswith("+") for x in sms.recipients if x.selectable)


def test_preview_preflights_attachments(ws: Workspace) -> None:
    ids = [int(i) for i in ws.erp.frame("invoice", columns=[], limit=5).index]
    df = ws.preview("invoice/invoice_sending.email", ids, attachments=True)
    assert list(df.index) == ids
    assert all(len(names) == 2 and "windykacja.pdf" in names for names in df["attachments"])
    assert all(b > 10_000 for b in df["attachments_bytes"])
    assert df["attachments_error"].isna().all()
    sms = ws.preview("invoice/payment_reminder.sms", ids, attachments=True)
    assert "attachments" not in sms.columns


def test_draft_send_through_the_outbox_on_both_databases(any_ws: Workspace) -> None:
    oid = overdue_invoice(any_ws)
    d = any_ws.draft("invoice/invoice_sending.email", "invoice", oid)
    d.set_recipients([f"Test {any_ws.engine.dialect.name} <outbox-{any_ws.engine.dialect.name}@example.com>"])
    [result] = d.send()
    assert result.state == "sent"
    row = any_ws.outbox.get(result.outbox_id)
    assert row["state"] == "sent" and row["provider_id"] == result.provider_id
    assert [a["source"] for a in row["attachments"]] == ["print", "template"]
    with pytest.raises(DuplicateSendError):
        d.send()
    assert any(m["To"].addresses[0].addr_spec == result.recipient for m in captured(any_ws))


def test_marketing_mail_has_one_click_unsubscribe_per_recipient(ws_send: Workspace) -> None:
    contact = int(ws_send.erp.frame("contact", where={"consent_email": True}, columns=[], limit=1).index[0])
    d = ws_send.draft("contact/newsletter.email", "contact", contact)
    d.set_recipients(["Ala Pierwsza <ala@example.com>", "Ola Druga <ola@example.org>"])
    assert [r.state for r in d.send()] == ["sent", "sent"]
    messages = captured(ws_send)
    links = [m["List-Unsubscribe"] for m in messages]
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in messages)
    assert all("https://" in link and "mailto:" in link for link in links)
    assert links[0] != links[1]
    names = [p.get_filename() for p in messages[0].iter_attachments()]
    assert names == ["broszura.pdf"]
