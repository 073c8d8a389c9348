"""The registry: listing per type and channel, lookups, type checks, the reloading cache, free text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.errors import (
    TemplateNotFoundError,
    TemplateSyntaxError,
    TemplateTypeError,
    UnknownObjectTypeError,
)
from atomcomm.templates.registry import TemplateRegistry
from tests.templates.conftest import WriteTemplate, simple


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_list_by_type_and_channel(ws: Workspace) -> None:
    names = [i.name for i in ws.templates.list(object_type="invoice")]
    assert names == sorted(names)
    assert {
        "invoice/payment_reminder.email",
        "invoice/payment_reminder.sms",
        "invoice/invoice_sending.email",
    } <= set(names)
    assert all(i.serves("invoice") for i in ws.templates.list(object_type="invoice"))
    sms = ws.templates.list(object_type="invoice", channel="sms")
    assert [i.name for i in sms] == ["invoice/payment_reminder.sms"]
    assert sms[0].title and sms[0].object_types == ["invoice"] and sms[0].kind == "transactional"
    contacts = ws.templates.list(object_type="contact")
    assert {i.kind for i in contacts} == {"marketing"}
    assert ws.templates.list(object_type="employee") == []


def test_list_rejects_unknown_type_and_channel(ws: Workspace) -> None:
    with pytest.raises(UnknownObjectTypeError, match="known types"):
        ws.templates.list(object_type="invoices")
    with pytest.raises(TemplateTypeError, match="channel must be one of"):
        ws.templates.list(channel="fax")


def test_reserved_folders_are_not_templates(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "x", channel="sms"))
    assert [i.name for i in reg.list()] == ["invoice/a.sms"]  # _layouts/_partials are not listed


def test_template_for_another_type(ws: Workspace) -> None:
    with pytest.raises(TemplateTypeError, match="serves invoice, not contract"):
        ws.render("invoice/payment_reminder.sms", 1, object_type="contract")


def test_multi_type_template_needs_a_type(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/both.sms", simple(None, "{{ today | date }}", types="[invoice, contract]", channel="sms"))
    with pytest.raises(TemplateTypeError, match="serves invoice, contract; pass object_type"):
        reg.render("invoice/both.sms", 1)
    assert reg.render("invoice/both.sms", 1, object_type="contract").text == "27.11.2026"
    assert [i.name for i in reg.list(object_type="contract")] == ["invoice/both.sms"]


def test_not_found_suggests(ws: Workspace) -> None:
    with pytest.raises(TemplateNotFoundError, match=r"did you mean invoice/payment_reminder\.sms"):
        ws.templates.get("invoice/payment_remindr.sms")


def test_edit_is_picked_up(reg: TemplateRegistry, write: WriteTemplate) -> None:
    path = write("invoice/a.sms", simple(None, "one {{ invoice.number }}", channel="sms"))
    assert reg.render("invoice/a.sms", 42).text == "one FV/2025/06/0042"
    assert reg.get("invoice/a.sms") is reg.get("invoice/a.sms")  # parsed once
    path.write_text(simple(None, "two {{ invoice.number }}", channel="sms"), encoding="utf-8")
    _touch_later(path)
    assert reg.render("invoice/a.sms", 42).text == "two FV/2025/06/0042"


def test_broken_file_is_skipped_and_reported(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/good.sms", simple(None, "ok", channel="sms"))
    write("invoice/bad.sms", "no front matter")
    assert [i.name for i in reg.list()] == ["invoice/good.sms"]
    assert "missing front matter" in reg.broken()["invoice/bad.sms"]
    with pytest.raises(TemplateSyntaxError, match="missing front matter"):
        reg.get("invoice/bad.sms")


def test_broken_file_fixed_later(reg: TemplateRegistry, write: WriteTemplate) -> None:
    path = write("invoice/a.sms", simple(None, "{% if %}", channel="sms"))
    with pytest.raises(TemplateSyntaxError):
        reg.get("invoice/a.sms")
    path.write_text(simple(None, "fixed", channel="sms"), encoding="utf-8")
    _touch_later(path)
    assert reg.render("invoice/a.sms", 1).text == "fixed"


def test_free_text(ws: Workspace) -> None:
    r = ws.render(
        "Faktura {{ invoice.number }}: {{ invoice.gross_total | money }}", 42, "invoice", channel="sms"
    )
    assert r.text == "Faktura FV/2025/06/0042: 1 020,62 zł"
    assert r.sms is not None and r.sms.encoding == "UCS-2" and r.sms.unsupported == ["ł"]
    assert r.template == "<text>" and r.object_type == "invoice" and r.object_id == 42


def test_free_text_email_with_front_matter(ws: Workspace) -> None:
    text = "---\nobject_types: [invoice]\nchannel: email\nsubject: 'FV {{ invoice.number }}'\n---\n<p>{{ buyer.name }}</p>"
    r = ws.render(text, 42)
    assert r.subject == "FV FV/2025/06/0042"
    assert r.html == "<p>Grupa Fugiel i syn s.c.</p>"
    assert r.text == "Grupa Fugiel i syn s.c.\n"


def test_free_text_needs_type_and_channel(ws: Workspace) -> None:
    with pytest.raises(TemplateTypeError, match="free text needs object_type= and channel="):
        ws.render("Hello {{ invoice.number }}", 42)
    with pytest.raises(UnknownObjectTypeError):
        ws.render("Hello", 42, "invoices", channel="sms")


def test_templates_and_types(ws: Workspace) -> None:
    assert ws.templates.types() == ["contact", "contract", "invoice", "transport_order"]
    table = ws.templates.table(object_type="transport_order")
    assert list(table.columns) == ["title", "channel", "kind", "object_types", "description"]
    assert set(table.index) == {
        "transport_order/transport_request.email",
        "transport_order/business_trip_transfer.email",
        "transport_order/business_trip_transfer.sms",
    }
