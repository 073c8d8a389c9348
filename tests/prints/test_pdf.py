"""The PDF renderer: shipped fonts with Polish glyphs, page boxes, the shared font configuration, and the
folders a document may read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from atomcomm.prints import pdf as pdf_module
from atomcomm.prints.pdf import FONTS_DIR, PdfRenderer, html_to_pdf, shared_renderer

from .conftest import ink_ratio, needs_poppler, pdf_fonts, pdf_text

PANGRAM = "Zażółć gęślą jaźń – ZAŻÓŁĆ GĘŚLĄ JAŹŃ"
PAGE_BOX = "@page { size: A5; @bottom-center { content: 'Strona ' counter(page) ' z ' counter(pages); } }"


def font_names(data: bytes) -> set[str]:
    return {re.sub(r"^[A-Z]{6}\+", "", f["name"]).replace("-", "") for f in pdf_fonts(data)}


def test_fonts_and_license_are_shipped() -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        data = (FONTS_DIR / name).read_bytes()
        assert data[:4] == b"\x00\x01\x00\x00"  # TrueType
    assert "Bitstream" in (FONTS_DIR / "LICENSE").read_text(encoding="utf-8")


def test_polish_text_survives() -> None:
    data = html_to_pdf(f"<p>{PANGRAM}</p><p><b>Łódź</b></p>", stylesheets=[PAGE_BOX])
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert PANGRAM in text
    assert "Łódź" in text
    assert "Strona 1 z 1" in text


@needs_poppler
@pytest.mark.parametrize("share_fonts", [True, False], ids=["shared", "fresh"])
def test_only_embedded_dejavu_also_in_margin_boxes(share_fonts: bool) -> None:
    renderer = PdfRenderer(share_fonts=share_fonts)
    data = renderer.render(f"<p>{PANGRAM} <b>pogrubione</b></p>", stylesheets=[PAGE_BOX])
    assert font_names(data) == {"DejaVuSans", "DejaVuSansBold"}
    assert all(f["emb"] == "yes" for f in pdf_fonts(data))


@needs_poppler
def test_ink_check_tells_blank_from_printed() -> None:
    assert ink_ratio(html_to_pdf("<html><body></body></html>")) == 0
    assert ink_ratio(html_to_pdf("<body style='background: #000'>x</body>")) > 0.5


@needs_poppler
def test_documents_read_only_allowed_folders(tmp_path: Path) -> None:
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    for folder in (allowed, outside):
        folder.mkdir()
        (folder / "dark.css").write_text("body { background: #000; }", encoding="utf-8")
    renderer = PdfRenderer(roots=[allowed])

    def page(folder: Path) -> bytes:
        return renderer.render(
            f'<html><head><link rel="stylesheet" href="{(folder / "dark.css").as_uri()}"></head><body>x</body></html>'
        )

    assert ink_ratio(page(allowed)) > 0.5
    assert ink_ratio(page(outside)) < 0.01
    remote = renderer.render('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>x</p>')
    assert pdf_text(remote) == "x"


def test_one_shared_renderer_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    first = shared_renderer()
    assert shared_renderer() is first
    monkeypatch.setattr(pdf_module.os, "getpid", lambda: -1)
    assert shared_renderer() is not first
