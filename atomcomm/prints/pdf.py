"""HTML to PDF with WeasyPrint, one shared font configuration per process.

Loading fonts is the expensive part of a WeasyPrint document: every ``@font-face`` rule copies the font into
a private fontconfig set-up. The shipped DejaVu fonts are therefore declared once, in a stylesheet parsed
with the process-wide :class:`~weasyprint.text.fonts.FontConfiguration`, and every document reuses both.
Documents may only load resources from the folders the renderer allows (the print templates and the
shipped fonts) or from ``data:`` URLs: a print never reaches the network.

Two things keep the per-document cost down (``make bench`` measures both):

- the user-agent stylesheet is ``ua.css``, WeasyPrint's HTML5 one trimmed for prints: universal pseudo-element
  rules would make WeasyPrint compute six extra styles for every element. The footnote and note rules
  (``ua-notes.css``) are added only for documents that mention footnotes or notes (:func:`uses_notes`);
- Python's cyclic garbage collector is paused while one document is laid out (WeasyPrint allocates a few
  hundred thousand short-lived objects) and the young generations are collected once afterwards.
"""

from __future__ import annotations

import functools
import gc
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from atomcomm.errors import PrintError

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
UA_STYLESHEET = Path(__file__).resolve().parent / "ua.css"
UA_NOTES_STYLESHEET = Path(__file__).resolve().parent / "ua-notes.css"
_NOTES = re.compile(r"footnote|note\(|<link\b|@import", re.IGNORECASE)
FONT_FAMILY = "DejaVu Sans"
FONT_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
STYLESHEET_CACHE = 64


def font_css(fonts_dir: Path = FONTS_DIR) -> str:
    """The base stylesheet: ``@font-face`` for the shipped fonts, used on the page and in its margin boxes.

    WeasyPrint does not inherit the document font into ``@page`` margin boxes (page numbers would fall back
    to a serif face), so the family is set on ``@page`` as well.
    """
    faces = "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{(fonts_dir / file).as_uri()}"); '
        f"font-weight: {weight}; font-style: normal; }}"
        for weight, file in FONT_FILES.items()
    )
    family = f'"{FONT_FAMILY}", sans-serif'
    return f"{faces}\n@page {{ font-family: {family}; }}\nhtml {{ font-family: {family}; }}\n"


def _url_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class ConfinedUrlFetcher(URLFetcher):
        """Fetches ``data:`` URLs and files under the allowed folders, nothing else."""

        def __init__(self, roots: Iterable[Path]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)
            self.roots = tuple(Path(r).resolve() for r in roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?", 1)[0].removeprefix("file:"))).resolve()
                if not any(path.is_relative_to(root) for root in self.roots):
                    raise ValueError(f"{path} is outside the folders a print may read")
            return super().fetch(url, headers)

    return ConfinedUrlFetcher


@functools.cache
def _html_class(*ua_files: Path) -> type:
    """WeasyPrint's ``HTML`` with the given user-agent stylesheets in place of the HTML5 one (made once)."""
    from weasyprint import CSS, HTML
    from weasyprint.html import UA_COUNTER_STYLE

    sheets = [
        CSS(string=f.read_text(encoding="utf-8"), counter_style=UA_COUNTER_STYLE.copy()) for f in ua_files
    ]

    class PrintHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return sheets

    return PrintHTML


def uses_notes(html: str, stylesheets: Iterable[str] = ()) -> bool:
    """Whether a document may use footnotes or notes (and so needs ``ua-notes.css``).

    Footnotes need ``float: footnote`` and notes ``note(...)`` somewhere in the CSS; a document that links or
    imports stylesheets is assumed to use them, as their text is not known here.
    """
    return any(_NOTES.search(text) for text in (html, *stylesheets))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one document; collect the young generations afterwards.

    Collections triggered every few hundred allocations would otherwise promote the document's boxes to
    older generations and walk them again in each later collection. With the collector paused, everything
    the document made is still in the youngest generation, so one ``gc.collect(1)`` frees its cycles in a
    single walk.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


class PdfRenderer:
    """Renders HTML documents to PDF bytes, reusing one font configuration and parsed stylesheets.

    Args:
        roots: folders whose files documents may reference (images, stylesheets); the fonts folder is
            always allowed.
        share_fonts: False builds a fresh font configuration for every document (only for comparisons:
            it is what a naive ``HTML(...).write_pdf()`` per document costs).
        print_ua: False keeps WeasyPrint's full HTML5 user-agent stylesheet (for comparisons).
        pause_gc: False leaves the garbage collector running during layout (for comparisons).
    """

    def __init__(
        self,
        roots: Iterable[Path] = (),
        *,
        share_fonts: bool = True,
        print_ua: bool = True,
        pause_gc: bool = True,
    ) -> None:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        self.share_fonts = share_fonts
        self.pause_gc = pause_gc
        self._html = _html_class(UA_STYLESHEET) if print_ua else HTML
        self._html_notes = _html_class(UA_STYLESHEET, UA_NOTES_STYLESHEET) if print_ua else HTML
        self.roots = (FONTS_DIR, *(Path(r) for r in roots))
        self._fetcher = _url_fetcher_class()(self.roots)
        self._font_config = FontConfiguration()
        self._base_css = self._parse_css(font_css(), self._font_config)
        self._css: dict[str, Any] = {}
        self._lock = threading.Lock()

    def allow(self, root: Path) -> None:
        """Also let documents read files under ``root``."""
        root = Path(root).resolve()
        if root not in self._fetcher.roots:
            self._fetcher.roots = (*self._fetcher.roots, root)

    def _parse_css(self, text: str, font_config: Any) -> Any:
        from weasyprint import CSS

        return CSS(string=text, font_config=font_config, url_fetcher=self._fetcher)

    def stylesheet(self, text: str) -> Any:
        """A parsed stylesheet, kept for reuse (page size rules and other fixed CSS)."""
        css = self._css.get(text)
        if css is None:
            if len(self._css) >= STYLESHEET_CACHE:
                self._css.clear()  # edited stylesheets leave old versions behind
            css = self._css[text] = self._parse_css(text, self._font_config)
        return css

    def render(self, html: str, *, base_url: str | None = None, stylesheets: Sequence[str] = ()) -> bytes:
        """One HTML document as PDF bytes.

        Args:
            html: the complete document.
            base_url: where relative URLs in the document point (usually the template's folder).
            stylesheets: extra CSS texts applied after the document's own styles (e.g. the page size).

        Raises:
            PrintError: WeasyPrint could not lay out or write the document.
        """
        try:
            with self._lock, gc_paused() if self.pause_gc else nullcontext():
                if self.share_fonts:
                    font_config = self._font_config
                    sheets = [self._base_css, *(self.stylesheet(s) for s in stylesheets)]
                else:
                    from weasyprint.text.fonts import FontConfiguration

                    font_config = FontConfiguration()
                    sheets = [self._parse_css(s, font_config) for s in (font_css(), *stylesheets)]
                html_class = self._html_notes if uses_notes(html, stylesheets) else self._html
                document = html_class(string=html, base_url=base_url, url_fetcher=self._fetcher)
                pdf = document.write_pdf(stylesheets=sheets, font_config=font_config)
        except PrintError:
            raise
        except Exception as err:  # WeasyPrint raises assorted internal types on bad input
            raise PrintError(f"PDF rendering failed: {err.__class__.__name__}: {err}") from err
        if not isinstance(pdf, bytes) or not pdf:
            raise PrintError("PDF rendering produced no output")
        return pdf


_shared: PdfRenderer | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared_renderer() -> PdfRenderer:
    """The process-wide renderer (a forked child builds its own: fontconfig state is not fork-safe)."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared = PdfRenderer()
            _shared_pid = os.getpid()
        return _shared


def html_to_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (),
    roots: Iterable[Path] = (),
) -> bytes:
    """Render an HTML document with the shared renderer.

    Args:
        html: the complete document.
        base_url: where relative URLs point.
        stylesheets: extra CSS texts (parsed once and kept).
        roots: folders the document may read files from, besides the shipped fonts.
    """
    renderer = shared_renderer()
    for root in roots:
        renderer.allow(root)
    return renderer.render(html, base_url=base_url, stylesheets=stylesheets)


__all__ = [
    "FONTS_DIR",
    "FONT_FAMILY",
    "UA_NOTES_STYLESHEET",
    "UA_STYLESHEET",
    "PdfRenderer",
    "font_css",
    "gc_paused",
    "html_to_pdf",
    "shared_renderer",
    "uses_notes",
]
