"""The invoice print: what a reader and a PDF tool find in it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from atomcomm import Workspace

from .conftest import ink_ratio, needs_poppler, pdf_fonts, pdf_pages, pdf_text

POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"


def pln(amount: Decimal) -> str:
    """Polish notation written out independently of the filters: 1 234,50 zł."""
    whole, frac = f"{amount:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{' '.join(groups)},{frac} zł"


@pytest.fixture
def overdue_invoice(ws: Workspace) -> int:
    """An unpaid invoice whose buyer's name has Polish letters."""
    frame = ws.erp.frame("invoice", where={"status": "overdue"})
    polish = frame[frame["buyer.name"].map(lambda n: any(ch in POLISH for ch in n))]
    assert len(polish), "the demo data has overdue invoices of buyers with Polish names"
    return int(polish.index[0])


def test_text_has_number_buyer_and_amount_due(ws: Workspace, overdue_invoice: int) -> None:
    ctx = ws.erp.context("invoice", overdue_invoice)
    [p] = ws.prints("invoice", overdue_invoice)
    text = pdf_text(p.render())
    assert ctx["invoice"]["number"] in text
    assert ctx["buyer"]["name"] in text
    assert ctx["invoice"]["amount_due"] > 0
    assert f"pozostało do zapłaty {pln(ctx['invoice']['amount_due'])}" in text.lower()
    assert pln(ctx["invoice"]["gross_total"]) in text


def test_polish_invoice_content(ws: Workspace, overdue_invoice: int) -> None:
    ctx = ws.erp.context("invoice", overdue_invoice)
    text = pdf_text(ws.printing.render("invoice", overdue_invoice))
    seller, buyer, inv = ctx["seller"], ctx["buyer"], ctx["invoice"]
    nip = lambda n: f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}"  # noqa: E731
    for expected in (
        "Faktura VAT",
        f"NIP: {nip(seller['nip'])}",
        f"NIP: {nip(buyer['nip'])}",
        buyer["street"],
        f"{buyer['postal_code']} {buyer['city']}",
        "Termin płatności:",
        f"{inv['due_date']:%d.%m.%Y}",
        "Słownie:",
        " ".join(seller["bank_account"][i : i + 4] for i in range(0, len(seller["bank_account"]), 4)),
    ):
        assert expected in text
    for line in inv["lines"]:
        assert line["description"] in text
        assert pln(line["gross_amount"]) in text
    for rate in inv["vat_summary"]:
        assert f"{rate['rate']}% {pln(rate['net'])} {pln(rate['vat'])} {pln(rate['gross'])}" in text
    assert f"Razem {pln(inv['net_total'])} {pln(inv['vat_total'])} {pln(inv['gross_total'])}" in text


def test_paid_and_draft_invoices(ws: Workspace) -> None:
    paid = int(ws.erp.frame("invoice", where={"status": "paid"}, limit=1).index[0])
    draft = int(ws.erp.frame("invoice", where={"status": "draft"}, limit=1).index[0])
    assert "pozostało do zapłaty 0,00 zł" in pdf_text(ws.printing.render("invoice", paid)).lower()
    draft_text = pdf_text(ws.printing.render("invoice", draft))
    assert "PROJEKT" in draft_text
    assert "PROJEKT" not in pdf_text(ws.printing.render("invoice", paid))


@needs_poppler
def test_fonts_are_embedded_dejavu_only(ws: Workspace, overdue_invoice: int) -> None:
    fonts = pdf_fonts(ws.printing.render("invoice", overdue_invoice))
    names = {re.sub(r"^[A-Z]{6}\+", "", f["name"]).replace("-", "") for f in fonts}
    assert names == {"DejaVuSans", "DejaVuSansBold"}
    assert all(f["emb"] == "yes" for f in fonts)


@needs_poppler
def test_page_is_not_blank(ws: Workspace, overdue_invoice: int) -> None:
    assert ink_ratio(ws.printing.render("invoice", overdue_invoice)) > 0.02


def test_long_invoice_has_page_numbers_and_header_on_every_page(ws: Workspace) -> None:
    ctx = ws.erp.context("invoice", 42)
    template_line = ctx["invoice"]["lines"][0]
    lines = [
        {**template_line, "position": i + 1, "description": f"Pozycja {i + 1}: usługa"} for i in range(70)
    ]
    ctx["invoice"] = {**ctx["invoice"], "lines": lines}
    [p] = ws.printing.prints("invoice", 42, context=ctx)
    pages = pdf_pages(p.render())
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Strona {number} z {len(pages)}" in text
        assert "Nazwa towaru lub usługi" in text  # the table header repeats
        assert f"Faktura VAT {ctx['invoice']['number']}" in text
    assert "Pozycja 70: usługa" in pages[-1]
