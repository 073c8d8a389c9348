"""The metatag catalogue: every registry field, labels, kinds, real examples and snippets that render."""

from __future__ import annotations

import pytest

from atomcomm import Workspace
from atomcomm.erp.types import get_type, object_types
from atomcomm.templates.catalogue import COLUMNS, snippet


def test_invoice_catalogue(ws: Workspace) -> None:
    df = ws.templates.catalogue("invoice")
    assert list(df.columns) == COLUMNS
    tags = set(df["tag"])
    invoice = get_type("invoice")
    assert {f"invoice.{f.name}" for f in invoice.fields} <= tags
    assert {f"buyer.{f.name}" for f in get_type("company").fields} <= tags
    assert {f"buyer_contact.{f.name}" for f in get_type("contact").fields} <= tags
    assert {f"lines[].{f.name}" for f in get_type("invoice_line").fields} <= tags
    assert {"invoice.vat_summary[].rate", "today", "sender.name", "own_company.bank_account"} <= tags
    assert not any(t.startswith("invoice.lines[]") for t in tags)  # listed once, as lines[]
    row = df.set_index("tag").loc["invoice.due_date"]
    assert (row["label"], row["kind"], row["group"]) == ("Termin płatności", "date", "invoice")
    assert row["snippet"] == "{{ invoice.due_date | date }}"


def test_examples_come_from_data(ws: Workspace) -> None:
    df = ws.templates.catalogue("invoice").set_index("tag")
    first = ws.erp.context("invoice", 1)
    assert df.loc["invoice.number", "example"] == first["invoice"]["number"]
    assert df.loc["seller.name", "example"] == "Atom Sp. z o.o."
    assert df.loc["today", "example"] == "2026-11-27"
    # notes are empty on most invoices: the example is the first non-empty one among the first objects
    assert df.loc["invoice.notes", "example"]
    assert df.loc["lines[].description", "example"] == first["lines"][0]["description"]


@pytest.mark.parametrize("object_type", object_types())
def test_every_type_has_a_catalogue_whose_snippets_validate(ws: Workspace, object_type: str) -> None:
    df = ws.templates.catalogue(object_type, examples=5)
    root = get_type(object_type).root
    assert f"{root}.id" in set(df["tag"])
    text = "\n".join(df["snippet"])
    problems = ws.templates.validate(text, object_type=object_type, channel="email")
    assert [p for p in problems if p.severity == "error"] == []


@pytest.mark.parametrize(
    ("tag", "kind", "expected"),
    [
        ("invoice.number", "str", "{{ invoice.number }}"),
        ("invoice.gross_total", "money", "{{ invoice.gross_total | money }}"),
        ("lines[].description", "str", "{% for line in lines %}{{ line.description }}{% endfor %}"),
        (
            "buyer_contacts[].email",
            "str",
            "{% for contact_item in buyer_contacts %}{{ contact_item.email }}{% endfor %}",
        ),
    ],
    ids=lambda v: str(v),
)
def test_snippet(tag: str, kind: str, expected: str) -> None:
    assert snippet(tag, kind) == expected
