"""Print templates on disk: ``templates/prints/<object_type>/<name>.html.liquid`` with YAML front matter.

A print template is an HTML document in Liquid, with the same filters and metatags as message templates,
preceded by its front matter::

    ---
    name: invoice                       # defaults to the file name; unique per object type
    title: Faktura VAT                  # for people (lists, the CLI)
    filename: 'Faktura_{{ invoice.number | replace: "/", "-" }}.pdf'   # Liquid, same context
    page_size: A4                       # A3, A4, A5, B5, letter, legal
    orientation: portrait               # or landscape
    stylesheets: [print.css, invoice/invoice.css]   # relative to templates/prints/
    ---
    <!DOCTYPE html> ...

Stylesheets are kept apart from the HTML so that they are parsed once per version rather than once per
document. The registry re-reads a template when it or one of its stylesheets changes on disk, and its
:attr:`PrintTemplate.version` (a digest of all of them) is what rendered PDFs are cached under. Every
template found is registered on the ERP type registry (``ws.erp.type("invoice").prints``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from atomcomm.erp.types import get_type, register_print
from atomcomm.errors import AtomcommError, PrintError

log = logging.getLogger("atomcomm.prints")

PRINTS_FOLDER = "prints"
SUFFIX = ".html.liquid"
PAGE_SIZES = ("A3", "A4", "A5", "B5", "letter", "legal")
ORIENTATIONS = ("portrait", "landscape")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class PrintTemplate:
    """One print template, parsed.

    Attributes:
        object_type: the ERP type it prints (its folder name).
        name: unique per object type; what templates list under ``attachments: {prints: [...]}``.
        title: human title.
        path: the template file.
        filename: Liquid pattern of the PDF's file name.
        page_size / orientation: the ``@page`` size.
        stylesheets: CSS files applied to the document, in order.
        source: the HTML body (the file without its front matter).
        body_line: number of lines before the body, to report template lines as file lines.
        css: texts of the stylesheets followed by the page-size rule, as rendered.
        version: digest of the template file and its stylesheets.
    """

    object_type: str
    name: str
    title: str
    path: Path
    filename: str
    page_size: str
    orientation: str
    stylesheets: tuple[Path, ...]
    source: str
    body_line: int
    css: tuple[str, ...]
    version: str

    @property
    def key(self) -> str:
        """``<object_type>/<name>``, e.g. ``invoice/invoice``."""
        return f"{self.object_type}/{self.name}"


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, lines before the body) of a template file.

    Raises:
        ValueError: the front matter is missing, not YAML, or not a mapping.
    """
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ValueError("missing front matter (the file must start with a '---' block)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"front matter is not valid YAML: {err}") from err
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping of keys to values")
    return meta, text[match.end() :], text[: match.end()].count("\n")


def _signature(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


class PrintRegistry:
    """The print templates under ``<templates>/prints``, re-read when they change on disk.

    Args:
        templates_path: the workspace's templates folder.
    """

    def __init__(self, templates_path: Path) -> None:
        self.templates_path = Path(templates_path)
        self.root = self.templates_path / PRINTS_FOLDER
        self._loaded: dict[Path, tuple[tuple[tuple[str, int, int], ...], PrintTemplate]] = {}
        self._problems: dict[Path, str] = {}
        self._lock = threading.Lock()

    @property
    def problems(self) -> dict[Path, str]:
        """Template files that could not be read, with the reason (as of the last scan)."""
        return dict(self._problems)

    def templates(self, object_type: str | None = None) -> list[PrintTemplate]:
        """Valid print templates, sorted by object type and name (broken files are in :attr:`problems`)."""
        found = self._scan()
        return [t for t in found if object_type is None or t.object_type == object_type]

    def names(self, object_type: str) -> list[str]:
        """Print names of a type."""
        return [t.name for t in self.templates(object_type)]

    def get(self, object_type: str, name: str) -> PrintTemplate:
        """One print template.

        Raises:
            PrintError: no such print (naming the ones that exist), or its file is broken.
        """
        templates = self.templates(object_type)
        for t in templates:
            if t.name == name:
                return t
        broken = [
            f"{p.relative_to(self.root)}: {why}"
            for p, why in self._problems.items()
            if p.parent.name == object_type and p.name.removesuffix(SUFFIX) == name
        ]
        if broken:
            raise PrintError(f"print {object_type}/{name} cannot be used: {broken[0]}")
        known = ", ".join(t.name for t in templates) or "none"
        raise PrintError(
            f"no print {name!r} for {object_type} (prints of {object_type}: {known}); "
            f"add {self.root / object_type / (name + SUFFIX)}"
        )

    def _scan(self) -> list[PrintTemplate]:
        with self._lock:
            files = sorted(self.root.glob(f"*/*{SUFFIX}")) if self.root.is_dir() else []
            seen: dict[tuple[str, str], Path] = {}
            out: list[PrintTemplate] = []
            problems: dict[Path, str] = {}
            for path in files:
                try:
                    template = self._load(path)
                except (OSError, ValueError, AtomcommError) as err:
                    problems[path] = str(err)
                    self._loaded.pop(path, None)
                    continue
                key = (template.object_type, template.name)
                if key in seen:
                    problems[path] = f"print name {template.name!r} is also used by {seen[key].name}"
                    continue
                seen[key] = path
                out.append(template)
            for path in set(self._loaded) - set(files):
                del self._loaded[path]
            for path, why in problems.items():
                if self._problems.get(path) != why:
                    log.warning("print template %s skipped: %s", path, why)
            self._problems = problems
            return out

    def _load(self, path: Path) -> PrintTemplate:
        cached = self._loaded.get(path)
        if cached is not None:
            signature, template = cached
            try:
                if _signature([path, *template.stylesheets]) == signature:
                    return template
            except OSError:
                pass
        template = self._parse(path)
        self._loaded[path] = (_signature([path, *template.stylesheets]), template)
        register_print(template.object_type, template.name)
        return template

    def _parse(self, path: Path) -> PrintTemplate:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        meta, body, body_line = split_front_matter(text)
        object_type = path.parent.name
        get_type(object_type)  # an unknown folder name is reported with the known types
        name = meta.get("name", path.name.removesuffix(SUFFIX))
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"name must be lower-case letters, digits and '_', got {name!r}")
        filename = meta.get("filename")
        if not isinstance(filename, str) or not filename.strip():
            raise ValueError(
                "front matter needs 'filename', a Liquid pattern such as 'Faktura_{{ ... }}.pdf'"
            )
        page_size = str(meta.get("page_size", "A4"))
        if page_size not in PAGE_SIZES:
            raise ValueError(f"page_size must be one of {', '.join(PAGE_SIZES)}, got {page_size!r}")
        orientation = str(meta.get("orientation", "portrait"))
        if orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be portrait or landscape, got {orientation!r}")
        sheets = meta.get("stylesheets", [])
        if isinstance(sheets, str):
            sheets = [sheets]
        if not isinstance(sheets, list) or not all(isinstance(s, str) for s in sheets):
            raise ValueError("stylesheets must be a list of CSS file names relative to templates/prints/")
        root = self.root.resolve()
        stylesheets: list[Path] = []
        digest = hashlib.sha256(raw)
        css: list[str] = []
        for ref in sheets:
            sheet = (self.root / ref).resolve()
            if not sheet.is_relative_to(root):
                raise ValueError(f"stylesheet {ref!r} is outside {self.root}")
            if not sheet.is_file():
                raise ValueError(f"stylesheet {ref!r} not found in {self.root}")
            data = sheet.read_bytes()
            digest.update(b"\0" + data)
            stylesheets.append(sheet)
            css.append(data.decode("utf-8"))
        title = meta.get("title", name)
        css.append(f"@page {{ size: {page_size} {orientation}; }}")
        return PrintTemplate(
            object_type=object_type,
            name=name,
            title=str(title),
            path=path,
            filename=filename.strip(),
            page_size=page_size,
            orientation=orientation,
            stylesheets=tuple(stylesheets),
            source=body,
            body_line=body_line,
            css=tuple(css),
            version=digest.hexdigest()[:16],
        )


__all__ = [
    "ORIENTATIONS",
    "PAGE_SIZES",
    "PRINTS_FOLDER",
    "SUFFIX",
    "PrintRegistry",
    "PrintTemplate",
    "split_front_matter",
]
