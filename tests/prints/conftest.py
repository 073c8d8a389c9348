"""Fixtures and PDF inspection helpers for the prints and attachments tests.

PDFs are checked from the outside: text with pypdf, embedded fonts with ``pdffonts`` and ink on a page
with ``pdftoppm`` (Debian poppler-utils, installed by ``scripts/sysdeps.sh test``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from atomcomm import Workspace

from ..conftest import REPO, TODAY

POPPLER = shutil.which("pdffonts") is not None and shutil.which("pdftoppm") is not None
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdffonts, pdftoppm) missing: run scripts/sysdeps.sh test"
)


def pdf_pages(data: bytes) -> list[str]:
    """Text of each page, whitespace (also no-break spaces) collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def pdf_fonts(data: bytes) -> list[dict[str, str]]:
    """``pdffonts`` rows: name, type, emb (yes/no)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name, type (may be two words), encoding, emb, sub, uni, object, id
        rows.append({"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5]})
    return rows


def page_gray(data: bytes, page: int = 1, dpi: int = 40) -> tuple[int, int, bytes]:
    """(width, height, 8-bit gray pixels) of one page rendered by pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), f"{tmp}/p"],
            check=True,
            capture_output=True,
        )
        [pgm] = Path(tmp).glob("p*.pgm")
        raw = pgm.read_bytes()
    # binary PGM: "P5\n<w> <h>\n<max>\n<pixels>"
    header: list[bytes] = []
    pos = 0
    while len(header) < 4:
        while raw[pos : pos + 1].isspace():
            pos += 1
        if raw[pos : pos + 1] == b"#":
            pos = raw.index(b"\n", pos) + 1
            continue
        end = pos
        while not raw[end : end + 1].isspace():
            end += 1
        header.append(raw[pos:end])
        pos = end
    assert header[0] == b"P5", header
    width, height = int(header[1]), int(header[2])
    pixels = raw[pos + 1 : pos + 1 + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


def ink_ratio(data: bytes, page: int = 1) -> float:
    """Share of pixels of a page that are not white (anything darker than light grey)."""
    _, _, pixels = page_gray(data, page)
    return sum(1 for p in pixels if p < 200) / len(pixels)


def copy_templates(target: Path) -> Path:
    """The repository's prints and fixed attachments, copied so a test can edit them."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "templates" / "prints", target / "prints")
    shutil.copytree(
        REPO / "templates" / "attachments", target / "attachments", ignore=shutil.ignore_patterns("src")
    )
    return target


@pytest.fixture
def make_ws(tmp_path: Path, demo_sqlite_url: str) -> Iterator[Callable[..., Workspace]]:
    """A workspace on the demo database with its own copy of the templates (``ws.config.templates_path``)."""
    opened: list[Workspace] = []

    def make(extra: str = "", templates: Path | None = None) -> Workspace:
        folder = tmp_path / f"ws{len(opened)}"
        folder.mkdir()
        tpl = templates if templates is not None else copy_templates(folder / "templates")
        (folder / "atomcomm.toml").write_text(
            f'[database]\nurl = "{demo_sqlite_url}"\n\n[templates]\npath = "{tpl}"\n\n{extra}',
            encoding="utf-8",
        )
        w = Workspace.open(folder, today=TODAY, environ={})
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()


@pytest.fixture(autouse=True)
def _restore_type_prints() -> Iterator[None]:
    """Prints registered by a test's own templates do not leak into other tests."""
    from atomcomm.erp.types import TYPES

    saved = {name: t.prints for name, t in TYPES.items()}
    yield
    for name, prints in saved.items():
        object.__setattr__(TYPES[name], "prints", prints)
