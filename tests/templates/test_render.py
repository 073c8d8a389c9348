"""Rendering one object: the Rendered fields, and bad or unusual data (each gives an error or a safe result)."""

from __future__ import annotations

import pytest

from atomcomm import Workspace
from atomcomm.errors import ObjectNotFoundError, TemplateRenderError, TemplateSyntaxError
from atomcomm.templates.registry import TemplateRegistry
from atomcomm.templates.render import SUBJECT_MAX, subject_line
from tests.templates.conftest import WriteTemplate, execute, simple

OVERDUE = 9  # an overdue invoice of the demo data (seed 42, pinned day)
NO_CONTACT = 5  # an invoice without a buyer contact


def test_rendered_email(ws: Workspace) -> None:
    r = ws.render("invoice/payment_reminder.email", OVERDUE)
    assert r.subject == "Przypomnienie o płatności – faktura FV/2025/06/0009"
    assert r.sms is None
    assert [a.source for a in r.attachments] == ["print"]  # the invoice print, as the front matter asks
    assert r.recipients and r.recipients[0].role == "buyer_contact"
    assert r.html is not None and r.html.startswith("<!DOCTYPE html>")
    assert "476,68\u00a0zł" in r.html  # no-break spaces keep an amount on one line in HTML
    assert "Płatność jest opóźniona o 519 dni." in r.text  # own text section, plain spaces
    assert "czterysta siedemdziesiąt sześć złotych, sześćdziesiąt osiem groszy" in r.text
    assert "PL65 1960 0133 8908 3863 7940 2654" in r.text
    assert r.template == "invoice/payment_reminder.email" and r.object_id == OVERDUE


def test_rendered_sms(ws: Workspace) -> None:
    r = ws.render("invoice/payment_reminder.sms", OVERDUE)
    assert r.subject is None and r.html is None
    assert r.text.startswith("Atom Sp. z o.o.: przypominamy o platnosci faktury FV/2025/06/0009 na 476,68 zl")
    assert "(519 dni temu)" in r.text
    assert r.sms is not None and (r.sms.encoding, r.sms.parts, r.sms.unsupported) == ("GSM-7", 2, [])
    assert r.sms.units == len(r.text)


def test_text_made_from_html_when_no_text_section(ws: Workspace) -> None:
    r = ws.render("invoice/invoice_sending.email", 42)
    assert r.html is not None and "<table" in r.html
    assert "<" not in r.text
    assert "1 | Catering podczas szkolenia | 5 os. | 382,48 zł" in r.text
    assert "Numer rachunku | PL65 1960 0133 8908 3863 7940 2654" in r.text


def test_optional_relation_missing(ws: Workspace) -> None:
    r = ws.render("invoice/payment_reminder.email", NO_CONTACT)
    assert "Szanowni Państwo," in r.text


def test_unguarded_optional_field_fails_with_position(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.email", simple("S", "<p>\n  {{ buyer_contact.first_name }}</p>"))
    assert reg.render("invoice/a.email", 42).html == "<p>\n  Krystyna</p>"
    with pytest.raises(TemplateRenderError) as info:
        reg.render("invoice/a.email", NO_CONTACT)
    err = info.value
    assert (err.template, err.line, err.column) == ("invoice/a.email", 8, 5)  # 6 lines of front matter
    assert err.source_line == "  {{ buyer_contact.first_name }}</p>"
    assert "buyer_contact.first_name is undefined" in str(err)


def test_syntax_error_position_in_file(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.email", simple("S", "<p>ok</p>\n{% for l in lines %}\n{{ l.description }}\n"))
    with pytest.raises(TemplateSyntaxError) as info:
        reg.get("invoice/a.email")
    assert info.value.template == "invoice/a.email"
    assert info.value.line == 9  # the last line of the file: the unclosed for runs to the end
    assert "not closed" in str(info.value)


def test_error_inside_partial_names_the_partial(reg: TemplateRegistry, write: WriteTemplate, folder) -> None:  # type: ignore[no-untyped-def]
    (folder / "_partials" / "broken.liquid").write_text("x\n{{ invoice.nope }}", encoding="utf-8")
    write("invoice/a.email", simple("S", "{% render '_partials/broken' %}"))
    with pytest.raises(TemplateRenderError) as info:
        reg.render("invoice/a.email", 42)
    assert info.value.template == "_partials/broken" and info.value.line == 2


def test_unknown_filter_at_render(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "{{ invoice.gross_total | monney }}", channel="sms"))
    with pytest.raises(TemplateRenderError, match="unknown filter 'monney'"):
        reg.render("invoice/a.sms", 42)


def test_missing_object(ws: Workspace) -> None:
    with pytest.raises(ObjectNotFoundError, match="no invoice with id 999999"):
        ws.render("invoice/payment_reminder.sms", 999999)


def test_missing_subject_refused_at_render(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.email", simple(None, "<p>x</p>"))
    with pytest.raises(TemplateRenderError, match="needs a subject"):
        reg.render("invoice/a.email", 42)


# --- bad data ------------------------------------------------------------------------------------------

SCRIPT = "<script>alert('x')</script> & Syn"


@pytest.fixture
def reg_mut(mutable_ws: Workspace) -> TemplateRegistry:
    return mutable_ws.templates


def test_script_in_data_escaped_in_html_plain_in_sms(mutable_ws: Workspace) -> None:
    execute(mutable_ws, "UPDATE companies SET name = :n WHERE id = 1", n=SCRIPT)
    email = mutable_ws.render("invoice/invoice_sending.email", 42)
    assert email.html is not None and "<script>" not in email.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Syn" in email.html
    sms = mutable_ws.render("{{ seller.name }}", 42, "invoice", channel="sms")
    assert sms.text == SCRIPT


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("FV 1\r\nBcc: evil@example.com", "FV 1 Bcc: evil@example.com", id="crlf"),
        pytest.param("a\nb\tc\x00d", "a b c d", id="control-chars"),
        pytest.param("  dużo   spacji  ", "dużo spacji", id="spaces"),
        pytest.param("x\u2028y", "x y", id="unicode-line-separator"),
    ],
)
def test_subject_line(raw: str, expected: str) -> None:
    assert subject_line(raw) == expected


def test_crlf_in_data_of_subject(mutable_ws: Workspace) -> None:
    execute(mutable_ws, "UPDATE companies SET name = :n WHERE id = 1", n="Atom\r\nBcc: evil@example.com")
    r = mutable_ws.render("invoice/invoice_sending.email", 42)
    assert r.subject == "Faktura FV/2025/06/0042 od Atom Bcc: evil@example.com"
    assert "\n" not in (r.subject or "") and "\r" not in (r.subject or "")


def test_very_long_values(mutable_ws: Workspace) -> None:
    long_name = "Przedsiębiorstwo " * 2000
    execute(mutable_ws, "UPDATE companies SET name = :n WHERE id = 1", n=long_name)
    r = mutable_ws.render("invoice/invoice_sending.email", 42)
    assert r.subject is not None and len(r.subject) == SUBJECT_MAX and r.subject.endswith("…")
    sms = mutable_ws.render("invoice/payment_reminder.sms", OVERDUE)
    assert (
        sms.sms is not None and sms.sms.parts > 100
    )  # rendered and counted; the send step enforces max_parts


def test_emoji_in_data(mutable_ws: Workspace) -> None:
    execute(mutable_ws, "UPDATE companies SET name = :n WHERE id = 1", n="Atom 🚚")
    r = mutable_ws.render("invoice/payment_reminder.sms", OVERDUE)
    assert r.text.startswith("Atom 🚚:")
    assert r.sms is not None and r.sms.encoding == "UCS-2" and r.sms.unsupported[0] == "🚚"
    assert r.sms.units == len(r.text) + 1  # the emoji is a surrogate pair: two UTF-16 units


def test_emoji_in_template_text_promotion(mutable_ws: Workspace, write: WriteTemplate, folder) -> None:  # type: ignore[no-untyped-def]
    from atomcomm.templates.registry import TemplateRegistry
    from tests.conftest import TODAY

    write(
        "contact/a.sms",
        simple(None, "Promocja 🎉 dla {{ contact.first_name }}", types="[contact]", channel="sms"),
    )
    reg = TemplateRegistry(folder, mutable_ws.erp, today=TODAY)
    r = reg.render("contact/a.sms", 5)
    assert r.sms is not None and r.sms.encoding == "UCS-2" and "🎉" in r.sms.unsupported


def test_missing_optional_fields(mutable_ws: Workspace) -> None:
    execute(mutable_ws, "UPDATE companies SET phone = NULL, email = NULL, regon = NULL WHERE id = 1")
    r = mutable_ws.render("invoice/payment_reminder.email", OVERDUE)
    assert r.html is not None and "REGON" not in r.html and "tel." not in r.html
    assert "NIP 526-025-02-74" in r.html


def test_transliterate_auto_only_when_it_saves_parts(reg: TemplateRegistry, write: WriteTemplate) -> None:
    head = "---\nobject_types: [invoice]\ntransliterate: auto\n---\n"
    write("invoice/short.sms", head + "Zażółć {{ invoice.number }}")
    write("invoice/long.sms", head + "Zażółć gęślą jaźń. " * 5)
    short = reg.render("invoice/short.sms", 42)
    assert short.text == "Zażółć FV/2025/06/0042" and short.sms is not None and short.sms.parts == 1
    long = reg.render("invoice/long.sms", 42)
    assert (
        long.text.startswith("Zazolc gesla jazn.") and long.sms is not None and long.sms.encoding == "GSM-7"
    )
