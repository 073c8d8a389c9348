"""Print templates on disk: discovery, front matter, registration on the type registry, reloading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atomcomm.erp.types import get_type
from atomcomm.errors import PrintError
from atomcomm.prints.registry import PrintRegistry, split_front_matter

from ..conftest import REPO

GOOD = """---
name: {name}
title: Karta
filename: 'Karta_{{{{ company.id }}}}.pdf'
page_size: {size}
orientation: {orientation}
stylesheets: [print.css]
---
<p>{{{{ company.name }}}}</p>
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / "prints" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "prints").mkdir()
    (tmp_path / "prints" / "print.css").write_text("p { color: #111; }", encoding="utf-8")
    return tmp_path


def test_repository_prints_are_found_and_registered() -> None:
    registry = PrintRegistry(REPO / "templates")
    found = {t.key: t for t in registry.templates()}
    assert set(found) == {"invoice/invoice", "transport_order/transport_order", "contract/contract"}
    assert registry.problems == {}
    invoice = found["invoice/invoice"]
    assert invoice.title == "Faktura VAT"
    assert (invoice.page_size, invoice.orientation) == ("A4", "portrait")
    assert invoice.css[-1] == "@page { size: A4 portrait; }"
    assert [p.name for p in invoice.stylesheets] == ["print.css", "invoice.css"]
    for t in found.values():
        assert t.name in get_type(t.object_type).prints


def test_new_print_is_registered_on_its_type(root: Path) -> None:
    write(root, "company/card.html.liquid", GOOD.format(name="card", size="A5", orientation="landscape"))
    [t] = PrintRegistry(root).templates("company")
    assert (t.key, t.page_size, t.orientation) == ("company/card", "A5", "landscape")
    assert t.body_line == 8  # the body starts on line 9 of the file
    assert "card" in get_type("company").prints


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>no front matter</p>", "missing front matter"),
        ("---\n: : :\n---\n<p/>", "not valid YAML"),
        ("---\n- a\n---\n<p/>", "must be a mapping"),
        ("---\nname: card\n---\n<p/>", "needs 'filename'"),
        ("---\nname: Karta!\nfilename: x.pdf\n---\n<p/>", "name must be"),
        ("---\nfilename: x.pdf\npage_size: A9\n---\n<p/>", "page_size must be one of"),
        ("---\nfilename: x.pdf\norientation: sideways\n---\n<p/>", "orientation must be"),
        ("---\nfilename: x.pdf\nstylesheets: [../../outside.css]\n---\n<p/>", "is outside"),
        ("---\nfilename: x.pdf\nstylesheets: [missing.css]\n---\n<p/>", "not found"),
    ],
    ids=[
        "no-front-matter",
        "bad-yaml",
        "not-mapping",
        "no-filename",
        "bad-name",
        "page-size",
        "orientation",
        "stylesheet-outside",
        "stylesheet-missing",
    ],
)
def test_broken_front_matter_is_reported_not_fatal(root: Path, text: str, reason: str) -> None:
    (root.parent / "outside.css").write_text("p {}", encoding="utf-8")
    bad = write(root, "company/card.html.liquid", text)
    write(root, "company/other.html.liquid", GOOD.format(name="other", size="A4", orientation="portrait"))
    registry = PrintRegistry(root)
    assert [t.name for t in registry.templates("company")] == ["other"]
    assert reason in registry.problems[bad]
    with pytest.raises(PrintError, match="cannot be used"):
        registry.get("company", "card")


def test_unknown_object_type_folder(root: Path) -> None:
    bad = write(root, "invoices/x.html.liquid", GOOD.format(name="x", size="A4", orientation="portrait"))
    registry = PrintRegistry(root)
    assert registry.templates() == []
    assert "did you mean 'invoice'" in registry.problems[bad]


def test_duplicate_names_keep_the_first(root: Path) -> None:
    write(root, "company/a.html.liquid", GOOD.format(name="card", size="A4", orientation="portrait"))
    dup = write(root, "company/b.html.liquid", GOOD.format(name="card", size="A4", orientation="portrait"))
    registry = PrintRegistry(root)
    assert [t.path.name for t in registry.templates("company")] == ["a.html.liquid"]
    assert "also used by" in registry.problems[dup]


def test_get_unknown_print_names_the_existing_ones(root: Path) -> None:
    write(root, "company/card.html.liquid", GOOD.format(name="card", size="A4", orientation="portrait"))
    with pytest.raises(PrintError, match=r"no print 'badge' for company \(prints of company: card\)"):
        PrintRegistry(root).get("company", "badge")


def test_edits_of_template_or_stylesheet_change_the_version(root: Path) -> None:
    path = write(
        root, "company/card.html.liquid", GOOD.format(name="card", size="A4", orientation="portrait")
    )
    registry = PrintRegistry(root)
    v1 = registry.get("company", "card").version
    assert registry.get("company", "card").version == v1  # unchanged files: same parsed template
    path.write_text(path.read_text(encoding="utf-8") + "<p>więcej</p>\n", encoding="utf-8")
    v2 = registry.get("company", "card")
    assert v2.version != v1 and "więcej" in v2.source
    css = root / "prints" / "print.css"
    css.write_text("p { color: #222; }", encoding="utf-8")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    v3 = registry.get("company", "card")
    assert v3.version != v2.version and "#222" in v3.css[0]
    path.unlink()
    assert registry.templates("company") == []


def test_split_front_matter_counts_lines() -> None:
    meta, body, lines = split_front_matter("---\r\nname: x\r\nfilename: y.pdf\r\n---\r\n<p>a</p>\n")
    assert meta == {"name": "x", "filename": "y.pdf"}
    assert body == "<p>a</p>\n"
    assert lines == 4
