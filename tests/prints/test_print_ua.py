"""The prints' own user-agent stylesheet and the paused garbage collector: faster, and nothing changes on paper.

Each shipped print is rendered twice, with ``ua.css`` and with WeasyPrint's full HTML5 stylesheet, and the
pages must be the same pixels; HTML features the trimmed sheet still has to serve (lists, quotes, headings,
footnotes) must come out the same as well.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.errors import PrintError
from atomcomm.prints.pdf import UA_STYLESHEET, PdfRenderer, gc_paused, uses_notes

from .conftest import ink_ratio, needs_poppler, page_gray, pdf_text

FEATURES = """<h1>Nagłówek</h1><ol><li>Alfa</li><li>Beta</li></ol><ul><li>Gamma</li></ul>
<p>Zdanie<span style="float: footnote">Przypis pierwszy</span> dalej.</p>
<p>x<br>y</p><q>cytat</q><div style="display: list-item; list-style-type: lower-roman">Poz</div>"""


def test_trimmed_sheet_has_no_universal_pseudo_element_rules() -> None:
    text = UA_STYLESHEET.read_text(encoding="utf-8")
    rules = [line for line in text.splitlines() if "{" in line and not line.lstrip().startswith(("@", "/*"))]
    assert rules, "the stylesheet has rules"
    assert not [r for r in rules if r.lstrip().startswith("::")]
    assert "li::marker" in text


@pytest.mark.parametrize(
    ("html", "sheets", "expected"),
    [
        ("<p>Faktura</p>", (), False),
        ('<p style="float: footnote">x</p>', (), True),
        ("<p>x</p>", ("p.n { float: FOOTNOTE }",), True),
        ("<p>x</p>", ("p { position: note(side) }",), True),
        ('<link rel="stylesheet" href="x.css"><p>x</p>', (), True),
        ("<style>@import 'x.css';</style>", (), True),
    ],
)
def test_notes_rules_only_for_documents_that_may_use_them(
    html: str, sheets: tuple[str, ...], expected: bool
) -> None:
    assert uses_notes(html, sheets) is expected


def test_lists_quotes_and_footnotes_print_as_with_the_full_sheet() -> None:
    ours = pdf_text(PdfRenderer().render(FEATURES))
    full = pdf_text(PdfRenderer(print_ua=False).render(FEATURES))
    assert ours == full
    for piece in ("1. 2.", "•", "“cytat”", "Zdanie1 dalej.", "1. Przypis pierwszy", "i."):
        assert piece in ours


@needs_poppler
@pytest.mark.parametrize("object_type", ["invoice", "transport_order", "contract"])
def test_shipped_prints_are_pixel_identical_to_weasyprints_own_sheet(
    make_ws: Callable[..., Workspace], object_type: str
) -> None:
    ws = make_ws()
    service = ws.printing
    [template] = service.templates(object_type)
    html = service.html(object_type, 1)
    base = str(template.path.parent.resolve()) + "/"
    roots = [Path(ws.config.templates_path)]
    ours = PdfRenderer(roots).render(html, base_url=base, stylesheets=template.css)
    full = PdfRenderer(roots, print_ua=False, pause_gc=False).render(
        html, base_url=base, stylesheets=template.css
    )
    assert ink_ratio(ours) > 0.01  # a printed page, so equal pixels mean something
    assert pdf_text(ours) == pdf_text(full)
    assert page_gray(ours, dpi=60) == page_gray(full, dpi=60)


def test_collector_is_running_again_after_a_document_also_a_failed_one() -> None:
    assert gc.isenabled()
    renderer = PdfRenderer()
    seen: list[bool] = []
    real = renderer._html

    def spy(**kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(**kwargs)

    renderer._html = spy
    renderer.render("<p>x</p>")
    assert seen == [False]
    assert gc.isenabled()

    def broken(**kwargs: object) -> object:
        raise ValueError("layout failed")

    renderer._html = broken
    with pytest.raises(PrintError, match="layout failed"):
        renderer.render("<p>x</p>")
    assert gc.isenabled()


def test_gc_paused_pauses_and_leaves_a_disabled_collector_alone() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("layout failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
