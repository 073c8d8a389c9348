"""``ws.prints(type, id)``: the PDF prints of an ERP object, rendered on demand and cached.

A :class:`Print` names the print and its file name at once (the file name pattern is rendered with the
object's context); its PDF is made by :meth:`Print.render`. Rendered PDFs are kept in a bounded in-memory
cache keyed by the object, the template version and a digest of the data the print was made from, so a
preview followed by a send renders once, and an edit of the template or of the ERP data renders again.

Errors of one object are :class:`~atomcomm.errors.PrintError` naming the object and the template; the
batch helpers (:meth:`PrintService.preflight`) record them per row and go on.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liquid import BoundTemplate, Environment
from liquid.exceptions import LiquidError

from atomcomm.errors import AtomcommError, PrintError, TemplateError
from atomcomm.prints.pdf import PdfRenderer, shared_renderer
from atomcomm.prints.registry import PrintRegistry, PrintTemplate

if TYPE_CHECKING:
    from atomcomm.erp.service import ErpService

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
FILENAME_MAX = 150


@dataclass(frozen=True, eq=False)
class Print:
    """One print of one object.

    Attributes:
        name: the print name (``invoice``); unique per object type.
        filename: the PDF's file name, rendered from the template's pattern.
        object_type / object_id: the object printed.
        title: the template's title (``Faktura VAT``).
        template: the template key (``invoice/invoice``).
    """

    name: str
    filename: str
    object_type: str
    object_id: int
    title: str
    template: str
    _render: Callable[[], bytes] = field(repr=False)

    def render(self) -> bytes:
        """The PDF (from the cache when the template and the data are unchanged).

        Raises:
            PrintError: rendering failed; the message names the object and the template.
        """
        return self._render()


@dataclass(frozen=True)
class PrintCheck:
    """The outcome of pre-flighting one print of one object (the PDF itself is not kept).

    Attributes:
        object_id: the object.
        name: the print name.
        filename: the file name, or None when it could not be rendered.
        size: the PDF size in bytes, or None on error.
        error: why the print cannot be made, or None.
    """

    object_id: int
    name: str
    filename: str | None
    size: int | None
    error: str | None


def safe_filename(text: str, fallback: str) -> str:
    """A file name that is safe in a mail and on disk: no path separators or control characters,
    ends in ``.pdf``, at most :data:`FILENAME_MAX` characters."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name).strip(" ._")
    if not name:
        name = fallback
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    if len(name) > FILENAME_MAX:
        name = name[: FILENAME_MAX - 4].rstrip(" ._") + ".pdf"
    return name


def _digest(data: Mapping[str, Any]) -> str:
    # repr of the context is deterministic: contexts are built in a fixed key order from typed values.
    return hashlib.blake2b(repr(sorted(data.items())).encode("utf-8"), digest_size=16).hexdigest()


class _Compiled:
    """The Liquid of one template version: body and file name pattern."""

    def __init__(self, template: PrintTemplate, html_env: Environment, text_env: Environment) -> None:
        self.template = template
        self.body_name = f"prints/{template.key}"
        self.filename_name = f"{self.body_name}#filename"
        self.body: BoundTemplate = html_env.from_string(template.source, name=self.body_name)
        self.filename: BoundTemplate = text_env.from_string(template.filename, name=self.filename_name)


class PrintService:
    """Prints of ERP objects from the print templates of one templates folder.

    Args:
        erp: the ERP service (contexts).
        templates_path: the workspace's templates folder (prints are under ``prints/``).
        render_globals: returns the globals every template sees (``today``, ``sender``, ...); by default
            only ``today`` of the ERP.
        renderer: the PDF renderer; by default the process-wide one (one font configuration).
        cache_bytes: the most PDF bytes kept in memory (least recently used first out).
    """

    def __init__(
        self,
        erp: ErpService,
        templates_path: Path,
        *,
        render_globals: Callable[[], Mapping[str, Any]] | None = None,
        renderer: PdfRenderer | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        self.erp = erp
        self.registry = PrintRegistry(templates_path)
        self._render_globals = render_globals
        self._renderer = renderer
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._cached_bytes = 0
        self._compiled: dict[str, _Compiled] = {}
        self._envs: tuple[Environment, Environment] | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    # --- templates ------------------------------------------------------------------------------------

    def templates(self, object_type: str | None = None) -> list[PrintTemplate]:
        """The print templates (of one type, or all)."""
        return self.registry.templates(object_type)

    def names(self, object_type: str) -> list[str]:
        """Print names of a type (``["invoice"]``)."""
        return self.registry.names(object_type)

    @property
    def renderer(self) -> PdfRenderer:
        renderer = self._renderer or shared_renderer()
        renderer.allow(self.registry.root)
        return renderer

    def _environments(self) -> tuple[Environment, Environment]:
        if self._envs is None:
            from atomcomm.templates.engine import build_environment

            root = self.registry.templates_path
            self._envs = (build_environment(root, html=True), build_environment(None, html=False))
        return self._envs

    def _compile(self, template: PrintTemplate) -> _Compiled:
        compiled = self._compiled.get(template.key)
        if compiled is not None and compiled.template.version == template.version:
            return compiled
        html_env, text_env = self._environments()
        try:
            compiled = _Compiled(template, html_env, text_env)
        except LiquidError as err:
            raise PrintError(f"print {template.key}: {self._template_error(template, err)}") from err
        self._compiled[template.key] = compiled
        return compiled

    @staticmethod
    def _template_error(template: PrintTemplate, err: LiquidError) -> TemplateError:
        from atomcomm.templates.engine import to_template_error

        name = f"prints/{template.key}"
        if err.template_name and str(err.template_name).endswith("#filename"):
            return to_template_error(err, f"{name}#filename", section="filename")
        return to_template_error(err, name, line_offset=template.body_line)

    # --- one object -----------------------------------------------------------------------------------

    def globals(self) -> dict[str, Any]:
        """What every print sees besides the object's context."""
        base: dict[str, Any] = {"today": self.erp.today}
        if self._render_globals is not None:
            base.update(self._render_globals())
        return base

    def prints(
        self,
        object_type: str,
        object_id: int,
        names: Iterable[str] | None = None,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[Print]:
        """The prints of one object.

        Args:
            object_type: e.g. ``invoice``.
            object_id: the object's id.
            names: only these prints, in this order (default: every print of the type).
            context: the object's context when the caller already has it (saves the query).

        Raises:
            ObjectNotFoundError: no such object.
            PrintError: a requested print does not exist, or its file name cannot be rendered.
        """
        templates = (
            self.registry.templates(object_type)
            if names is None
            else [self.registry.get(object_type, n) for n in names]
        )
        if not templates:
            return []
        ctx = dict(context) if context is not None else self.erp.context(object_type, int(object_id))
        data = {**self.globals(), **ctx}
        return [self._make_print(t, int(object_id), data) for t in templates]

    def get(self, object_type: str, object_id: int, name: str | None = None) -> Print:
        """One print of one object (``name`` may be omitted when the type has exactly one print).

        Raises:
            PrintError: no such print, or several and no name given.
        """
        if name is None:
            names = self.names(object_type)
            if len(names) != 1:
                listed = ", ".join(names) or "none"
                raise PrintError(f"{object_type} has {len(names)} prints ({listed}); name the one you want")
            name = names[0]
        return self.prints(object_type, object_id, [name])[0]

    def render(self, object_type: str, object_id: int, name: str | None = None) -> bytes:
        """The PDF of one print of one object (see :meth:`get`)."""
        return self.get(object_type, object_id, name).render()

    def html(self, object_type: str, object_id: int, name: str | None = None) -> str:
        """The HTML a print is made from (to inspect a layout in a browser)."""
        p = self.get(object_type, object_id, name)
        template = self.registry.get(object_type, p.name)
        data = {**self.globals(), **self.erp.context(object_type, int(object_id))}
        return self._html(template, p.object_id, data)

    def _where(self, template: PrintTemplate, object_id: int) -> str:
        return f"print {template.name!r} of {template.object_type} {object_id} ({template.path})"

    def _make_print(self, template: PrintTemplate, object_id: int, data: Mapping[str, Any]) -> Print:
        compiled = self._compile(template)
        fallback = f"{template.name}_{object_id}.pdf"
        try:
            filename = safe_filename(compiled.filename.render(**data).strip(), fallback)
        except LiquidError as err:
            raise PrintError(
                f"{self._where(template, object_id)}: file name: {self._template_error(template, err)}"
            ) from err
        key = self._cache_key(template, object_id, data)

        def render() -> bytes:
            return self._render_cached(key, template, object_id, data)

        return Print(
            name=template.name,
            filename=filename,
            object_type=template.object_type,
            object_id=object_id,
            title=template.title,
            template=template.key,
            _render=render,
        )

    @staticmethod
    def _cache_key(template: PrintTemplate, object_id: int, data: Mapping[str, Any]) -> tuple[Any, ...]:
        return (template.object_type, object_id, template.name, template.version, _digest(data))

    def _html(self, template: PrintTemplate, object_id: int, data: Mapping[str, Any]) -> str:
        compiled = self._compile(template)
        try:
            return compiled.body.render(**data)
        except LiquidError as err:
            raise PrintError(
                f"{self._where(template, object_id)}: {self._template_error(template, err)}"
            ) from err

    def _pdf(self, template: PrintTemplate, object_id: int, data: Mapping[str, Any]) -> bytes:
        html = self._html(template, object_id, data)
        try:
            return self.renderer.render(
                html, base_url=str(template.path.parent.resolve()) + "/", stylesheets=template.css
            )
        except PrintError as err:
            raise PrintError(f"{self._where(template, object_id)}: {err}") from err

    def _render_cached(
        self, key: tuple[Any, ...], template: PrintTemplate, object_id: int, data: Mapping[str, Any]
    ) -> bytes:
        with self._lock:
            pdf = self._cache.get(key)
            if pdf is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return pdf
        pdf = self._pdf(template, object_id, data)
        with self._lock:
            self.misses += 1
            if len(pdf) <= self.cache_bytes and key not in self._cache:
                self._cache[key] = pdf
                self._cached_bytes += len(pdf)
                while self._cached_bytes > self.cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._cached_bytes -= len(old)
        return pdf

    def clear_cache(self) -> None:
        """Forget every cached PDF."""
        with self._lock:
            self._cache.clear()
            self._cached_bytes = 0

    @property
    def cached_bytes(self) -> int:
        """Bytes of PDF held by the cache."""
        return self._cached_bytes

    # --- many objects ---------------------------------------------------------------------------------

    def preflight(
        self, object_type: str, ids: Iterable[int], names: Iterable[str] | None = None
    ) -> list[PrintCheck]:
        """Render the prints of many objects to check them, keeping only the file name and the size.

        Nothing is cached, so memory stays flat over any number of objects. A missing object, a print
        that does not exist or a failed rendering is an error on that row; the others go on.

        Args:
            object_type: the type of the objects.
            ids: the objects.
            names: only these prints (default: every print of the type).
        """
        wanted = list(names) if names is not None else self.names(object_type)
        id_list = [int(i) for i in ids]
        out: list[PrintCheck] = []
        found: set[int] = set()
        templates: dict[str, PrintTemplate | PrintError] = {}
        for name in wanted:
            try:
                templates[name] = self.registry.get(object_type, name)
            except PrintError as err:
                templates[name] = err
        for oid, ctx in self.erp.contexts(object_type, id_list, missing="skip"):
            found.add(oid)
            data = {**self.globals(), **ctx}
            for name in wanted:
                out.append(self._check(templates[name], name, oid, data))
        for oid in id_list:
            if oid not in found:
                for name in wanted:
                    out.append(PrintCheck(oid, name, None, None, f"no {object_type} with id {oid}"))
        order = {oid: i for i, oid in enumerate(id_list)}
        out.sort(key=lambda c: order.get(c.object_id, 0))
        return out

    def _check(
        self, template: PrintTemplate | PrintError, name: str, oid: int, data: Mapping[str, Any]
    ) -> PrintCheck:
        if isinstance(template, PrintError):
            return PrintCheck(oid, name, None, None, str(template))
        filename: str | None = None
        try:
            filename = self._make_print(template, oid, data).filename
            with self._lock:
                cached = self._cache.get(self._cache_key(template, oid, data))
            size = len(cached) if cached is not None else len(self._pdf(template, oid, data))
        except AtomcommError as err:
            return PrintCheck(oid, name, filename, None, str(err))
        return PrintCheck(oid, name, filename, size, None)


__all__ = ["DEFAULT_CACHE_BYTES", "Print", "PrintCheck", "PrintService", "safe_filename"]
