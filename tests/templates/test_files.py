"""Template files: front matter, sections, names and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from atomcomm.errors import TemplateSyntaxError
from atomcomm.templates.files import parse_source, read_source

GOOD = """---
name: Przypomnienie
description: Opis
object_types: [invoice]
channel: email
subject: "Faktura {{ invoice.number }}"
kind: transactional
recipients: [buyer_contact, buyer]
attachments:
  prints: [invoice]
  files: [attachments/windykacja.pdf]
language: pl
---
<p>HTML {{ invoice.number }}</p>
--- text ---
Tekst {{ invoice.number }}
"""


def test_front_matter_fields() -> None:
    src = parse_source(GOOD, "invoice/reminder.email", path=Path("x"), channel="email")
    info = src.info
    assert info.title == "Przypomnienie"
    assert info.object_types == ["invoice"]
    assert info.channel == "email" and info.kind == "transactional" and not info.is_marketing
    assert info.subject == "Faktura {{ invoice.number }}"
    assert info.recipients == ["buyer_contact", "buyer"]
    assert info.attachments.prints == ["invoice"]
    assert info.attachments.files == ["attachments/windykacja.pdf"]


def test_sections_keep_file_line_numbers() -> None:
    src = parse_source(GOOD, "invoice/reminder.email", path=Path("x"), channel="email")
    html, text = src.sections["html"], src.sections["text"]
    lines = GOOD.splitlines()
    assert lines[html.first_line - 1] == "<p>HTML {{ invoice.number }}</p>"
    assert lines[text.first_line - 1] == "Tekst {{ invoice.number }}"
    assert "--- text ---" not in html.source and "--- text ---" not in text.source
    assert lines[src.sections["subject"].first_line - 1].startswith("subject:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("no", "no"), ("yes", "yes"), ("auto", "auto"), ("false", "no"), ("true", "yes")],
    ids=["no-yaml-bool", "yes-yaml-bool", "auto", "false", "true"],
)
def test_transliterate_values(value: str, expected: str) -> None:
    text = f"---\nobject_types: [invoice]\nchannel: sms\ntransliterate: {value}\n---\nx"
    assert parse_source(text, "invoice/a.sms", channel="sms").info.transliterate == expected


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("<p>no front matter</p>", "missing front matter", 1, id="missing"),
        pytest.param("---\nname: x\n<p>body</p>", "not closed", 1, id="unclosed"),
        pytest.param(
            "---\nname: x\nsubject: [unclosed\n---\nbody", "malformed front matter", 4, id="bad-yaml"
        ),
        pytest.param("---\n- a\n- b\n---\nbody", "must be a YAML mapping", 2, id="not-a-mapping"),
    ],
)
def test_bad_front_matter_has_line(text: str, message: str, line: int) -> None:
    with pytest.raises(TemplateSyntaxError, match=message) as info:
        parse_source(text, "invoice/a.email", channel="email")
    assert info.value.line == line
    assert info.value.template == "invoice/a.email"


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        pytest.param("subjct: x", "unknown key subjct", id="typo-key"),
        pytest.param("object_types: [invoices]", "unknown object type 'invoices'", id="unknown-type"),
        pytest.param("object_types: [contract]", "folder invoice/ but object_types", id="folder-not-served"),
        pytest.param("channel: sms", "does not match the file name", id="channel-mismatch"),
        pytest.param("kind: spam", "kind must be transactional or marketing", id="bad-kind"),
        pytest.param("recipients: {a: 1}", "recipients must be a list", id="bad-recipients"),
        pytest.param("attachments: [a.pdf]", "attachments must be a mapping", id="bad-attachments"),
        pytest.param("transliterate: maybe", "transliterate must be no, yes or auto", id="bad-transliterate"),
        pytest.param("max_parts: 0", "max_parts must be a positive", id="bad-max-parts"),
        pytest.param("subject: [1, 2]", "subject must be text", id="subject-not-text"),
    ],
)
def test_invalid_front_matter_values(meta: str, message: str) -> None:
    text = f"---\n{meta}\n---\nbody"
    with pytest.raises(TemplateSyntaxError, match=message):
        parse_source(text, "invoice/a.email", path=Path("invoice/a.email.liquid"), channel="email")


def test_subject_on_sms_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="an SMS has no subject"):
        parse_source("---\nsubject: x\n---\nbody", "invoice/a.sms", channel="sms")


def test_defaults_from_path() -> None:
    info = parse_source("---\n---\nbody", "invoice/late_notice.sms", path=Path("p"), channel="sms").info
    assert info.object_types == ["invoice"]
    assert info.title == "Late notice"
    assert info.kind == "transactional" and info.language == "pl" and info.transliterate == "no"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "invoice" / "a.email.liquid"
    path.parent.mkdir()
    path.write_bytes("---\nname: Faktura\n---\nZa\u017c\u00f3\u0142\u0107\n".encode("cp1250"))
    with pytest.raises(TemplateSyntaxError, match=r"invoice/a.email:4: the file is not UTF-8 \(byte 0x"):
        read_source(path, tmp_path)


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "invoice" / "a.sms.liquid"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf---\nname: A\n---\nx")
    assert read_source(path, tmp_path).info.title == "A"


@pytest.mark.parametrize("name", ["invoice/Reminder.email", "invoice/a.fax", "invoice/a"], ids=str)
def test_bad_file_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.liquid"
    path.parent.mkdir(exist_ok=True)
    path.write_text("---\n---\nx", encoding="utf-8")
    with pytest.raises(TemplateSyntaxError, match="a template file is named"):
        read_source(path, tmp_path)
