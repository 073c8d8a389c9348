"""``ws.templates``: the templates of a workspace, per object type and channel.

The registry finds template files under the templates folder, parses each once and keeps the parsed
result until the file changes on disk (size or modification time), so a studio that edits a file sees
the edit on the next call. It renders templates for ERP objects, previews them over whole frames,
validates them and lists the metatags of an object type.

Render context: the object's context (``ws.erp.context``: ``invoice``, ``buyer``, ``lines``, ...) plus
these globals (a context name wins over a global of the same name):

- ``today``: the workspace's reference day (``datetime.date``);
- ``own_company``: our own company (the ``companies`` row with ``is_own``), every company field, or None;
- ``sender``: who sends: ``name``, ``email``, ``phone``, ``position``, ``company`` (the name of our company).
  For a workspace opened with ``user=`` it is that employee (login), otherwise the company mailbox.
"""

from __future__ import annotations

import builtins
import difflib
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from atomcomm.erp.types import get_type, object_types
from atomcomm.errors import (
    AtomcommError,
    TemplateError,
    TemplateNotFoundError,
    TemplateTypeError,
)
from atomcomm.templates.engine import build_environment
from atomcomm.templates.files import (
    CHANNELS,
    RESERVED_FOLDERS,
    SUFFIX,
    TemplateInfo,
    decode,
    is_template_name,
    parse_source,
    path_of,
    read_source,
)
from atomcomm.templates.render import CompiledTemplate, Rendered

if TYPE_CHECKING:
    from atomcomm.erp.service import ErpService
    from atomcomm.templates.validate import Problem

log = logging.getLogger("atomcomm.templates")

FREE_TEXT = "<text>"
_FREE_TEXT_CACHE = 64


class TemplateRegistry:
    """Templates of one templates folder, rendered against one ERP.

    Args:
        root: the templates folder (``Config.templates_path``).
        erp: the ERP service; needed for render, preview and catalogue examples.
        today: the reference day, or a function returning it (tests pin it).
        user: ERP login of the person sending (for ``sender``); None = the company.
        mailbox: the company mailbox settings (``name``, ``address``) used for ``sender`` without a user.
    """

    def __init__(
        self,
        root: Path,
        erp: ErpService | None = None,
        *,
        today: Callable[[], Any] | Any = None,
        user: str | None = None,
        mailbox: Mapping[str, Any] | None = None,
    ) -> None:
        self.root = Path(root)
        self.erp = erp
        self._today = today
        self.user = user
        self.mailbox = dict(mailbox or {})
        self.html_env = build_environment(self.root, html=True)
        self.text_env = build_environment(self.root, html=False)
        self._cache: dict[str, tuple[tuple[int, int], CompiledTemplate | TemplateError]] = {}
        self._free: OrderedDict[str, CompiledTemplate] = OrderedDict()
        self._globals: dict[str, Any] | None = None

    # --- files ------------------------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        out = []
        for path in self.root.rglob("*" + SUFFIX):
            rel = path.relative_to(self.root)
            if len(rel.parts) < 2 or rel.parts[0] in RESERVED_FOLDERS or rel.parts[0].startswith((".", "_")):
                continue
            out.append(path)
        return sorted(out)

    def names(self) -> list[str]:
        """Names of every template file (also those that fail to parse)."""
        return [p.relative_to(self.root).as_posix()[: -len(SUFFIX)] for p in self._files()]

    def _load(self, name: str) -> CompiledTemplate:
        path = path_of(name, self.root)
        try:
            st = path.stat()
        except FileNotFoundError:
            self._cache.pop(name, None)
            raise self._not_found(name) from None
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(name)
        if cached is not None and cached[0] == stamp:
            if isinstance(cached[1], TemplateError):
                raise cached[1]
            return cached[1]
        try:
            compiled = CompiledTemplate(
                read_source(path, self.root), self.html_env, self.text_env, self._partial_name
            )
        except TemplateError as err:
            self._cache[name] = (stamp, err)
            raise
        self._cache[name] = (stamp, compiled)
        return compiled

    def _not_found(self, name: str) -> TemplateNotFoundError:
        known = self.names()
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        if not is_template_name(name):
            hint += "; template names look like invoice/payment_reminder.email"
        return TemplateNotFoundError(
            f"no template {name!r} in {self.root}{hint}", template=name, reason="not found"
        )

    def _partial_name(self, source: str) -> str | None:
        for folder in ("_partials", "_layouts"):
            base = self.root / folder
            if not base.is_dir():
                continue
            for path in base.rglob("*" + SUFFIX):
                try:
                    if path.read_text(encoding="utf-8") == source:
                        return path.relative_to(self.root).as_posix()[: -len(SUFFIX)]
                except (OSError, UnicodeDecodeError):
                    continue
        return None

    def get(self, name: str) -> CompiledTemplate:
        """The parsed template (re-parsed when its file changed).

        Raises:
            TemplateNotFoundError: no such file (with close names).
            TemplateSyntaxError: malformed front matter, non-UTF-8 file or invalid Liquid.
        """
        return self._load(name)

    def info(self, name: str) -> TemplateInfo:
        """Front-matter information of a template."""
        return self._load(name).info

    def from_text(
        self, text: str, object_type: str | None = None, channel: str | None = None
    ) -> CompiledTemplate:
        """A template from a Liquid string (free text typed in a composer).

        The text may start with front matter (then it says which types and channel it serves); otherwise
        ``object_type`` and ``channel`` are required.

        Raises:
            TemplateTypeError: no object type or channel given for text without front matter.
            TemplateSyntaxError: invalid Liquid or front matter.
        """
        if object_type is not None:
            get_type(object_type)
        if channel is not None and channel not in CHANNELS:
            raise TemplateTypeError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
        key = hashlib.sha1(f"{object_type}\0{channel}\0{text}".encode()).hexdigest()
        cached = self._free.get(key)
        if cached is not None:
            self._free.move_to_end(key)
            return cached
        has_front = text.lstrip("\ufeff").startswith("---")
        if not has_front and (object_type is None or channel is None):
            raise TemplateTypeError(
                "free text needs object_type= and channel= (or a front matter that names them)"
            )
        source = parse_source(
            text.lstrip("\ufeff"),
            FREE_TEXT,
            channel=channel,
            object_types=[object_type] if object_type else None,
            front_matter_required=False,
        )
        compiled = CompiledTemplate(source, self.html_env, self.text_env, self._partial_name)
        self._free[key] = compiled
        if len(self._free) > _FREE_TEXT_CACHE:
            self._free.popitem(last=False)
        return compiled

    def resolve(
        self, name_or_text: str, object_type: str | None = None, channel: str | None = None
    ) -> tuple[CompiledTemplate, str]:
        """The template for a name or free text, and the object type it is rendered for.

        Raises:
            TemplateTypeError: the template does not serve ``object_type``, or serves several types and
                none was named, or the channel differs.
        """
        if is_template_name(name_or_text):
            compiled = self.get(name_or_text)
        else:
            compiled = self.from_text(name_or_text, object_type, channel)
        info = compiled.info
        if channel is not None and channel != info.channel:
            raise TemplateTypeError(f"{info.name} is an {info.channel} template, not {channel}")
        if object_type is None:
            if len(info.object_types) > 1:
                raise TemplateTypeError(
                    f"{info.name} serves {', '.join(info.object_types)}; pass object_type= to choose one"
                )
            return compiled, info.object_types[0]
        get_type(object_type)
        if not info.serves(object_type):
            raise TemplateTypeError(
                f"{info.name} serves {', '.join(info.object_types)}, not {object_type}; "
                f"templates for {object_type}: "
                + (", ".join(t.name for t in self.list(object_type)) or "none")
            )
        return compiled, object_type

    # --- listing ----------------------------------------------------------------------------------------

    def list(self, object_type: str | None = None, channel: str | None = None) -> list[TemplateInfo]:
        """Templates available for an object type and/or channel, sorted by name.

        Files that fail to parse are left out (and logged); :meth:`broken` lists them.

        Raises:
            UnknownObjectTypeError: ``object_type`` is not a type of the ERP registry.
            TemplateTypeError: ``channel`` is not email or sms.
        """
        if object_type is not None:
            get_type(object_type)
        if channel is not None and channel not in CHANNELS:
            raise TemplateTypeError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
        out = []
        for name in self.names():
            try:
                info = self._load(name).info
            except TemplateError as err:
                log.warning("template %s skipped: %s", name, str(err).splitlines()[0])
                continue
            if object_type is not None and not info.serves(object_type):
                continue
            if channel is not None and info.channel != channel:
                continue
            out.append(info)
        return out

    def broken(self) -> dict[str, str]:
        """Template files that cannot be used, with the first line of their error."""
        out = {}
        for name in self.names():
            try:
                self._load(name)
            except TemplateError as err:
                out[name] = str(err).splitlines()[0]
        return out

    def table(self, object_type: str | None = None, channel: str | None = None) -> pd.DataFrame:
        """:meth:`list` as a DataFrame indexed by name (for notebooks and the CLI)."""
        rows = [
            {
                "name": i.name,
                "title": i.title,
                "channel": i.channel,
                "kind": i.kind,
                "object_types": ", ".join(i.object_types),
                "description": i.description,
            }
            for i in self.list(object_type, channel)
        ]
        columns = ["name", "title", "channel", "kind", "object_types", "description"]
        return pd.DataFrame(rows, columns=columns).set_index("name")

    # --- render -----------------------------------------------------------------------------------------

    @property
    def today(self) -> Any:
        import datetime as dt

        value = self._today() if callable(self._today) else self._today
        return value or dt.date.today()

    def require_erp(self) -> ErpService:
        """The ERP service (render, preview and catalogue examples need one)."""
        if self.erp is None:
            raise AtomcommError("this template registry has no ERP database (open it through a Workspace)")
        return self.erp

    def render_globals(self) -> dict[str, Any]:
        """The globals of every render (``today``, ``own_company``, ``sender``); read once, then cached."""
        if self._globals is None:
            from atomcomm.templates.context import own_company, sender

            erp = self.require_erp()
            company = own_company(erp)
            self._globals = {
                "own_company": company,
                "sender": sender(erp, self.user, self.mailbox, company),
            }
        return {"today": self.today, **self._globals}

    def render(
        self,
        name_or_text: str,
        object_id: int,
        object_type: str | None = None,
        *,
        channel: str | None = None,
    ) -> Rendered:
        """Render a template (or free Liquid text) for one object.

        Args:
            name_or_text: a template name (``invoice/payment_reminder.sms``) or Liquid text.
            object_id: the object's id.
            object_type: needed when the template serves several types, and for free text.
            channel: for free text without front matter (``email`` or ``sms``).

        Raises:
            TemplateNotFoundError, TemplateSyntaxError, TemplateTypeError: see :meth:`resolve`.
            ObjectNotFoundError: no such object.
            TemplateRenderError: rendering failed (template, line and column in the message).
        """
        compiled, type_name = self.resolve(name_or_text, object_type, channel)
        ctx = self.require_erp().context(type_name, int(object_id))
        data = {**self.render_globals(), **ctx}
        return compiled.render(data, object_type=type_name, object_id=int(object_id))

    def preview(
        self,
        name_or_text: str,
        frame_or_ids: pd.DataFrame | pd.Series | Iterable[int] | int,
        object_type: str | None = None,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """Render for many objects into a DataFrame; see :func:`atomcomm.templates.preview.preview`."""
        from atomcomm.templates.preview import preview

        return preview(self, name_or_text, frame_or_ids, object_type, **kwargs)

    def preview_diff(
        self,
        name_a: str,
        name_b: str,
        frame_or_ids: pd.DataFrame | pd.Series | Iterable[int] | int,
        object_type: str | None = None,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """Rows whose output differs between two templates; see :func:`atomcomm.templates.preview.preview_diff`."""
        from atomcomm.templates.preview import preview_diff

        return preview_diff(self, name_a, name_b, frame_or_ids, object_type, **kwargs)

    # --- catalogue and validation -----------------------------------------------------------------------

    def catalogue(self, object_type: str, examples: int = 50) -> pd.DataFrame:
        """Every metatag of an object type; see :func:`atomcomm.templates.catalogue.catalogue`."""
        from atomcomm.templates.catalogue import catalogue

        return catalogue(object_type, self.erp, examples=examples, globals_=self._example_globals())

    def _example_globals(self) -> dict[str, Any] | None:
        try:
            return self.render_globals() if self.erp is not None else None
        except AtomcommError:
            return None

    def validate(
        self, name_or_text: str, object_type: str | None = None, channel: str | None = None
    ) -> builtins.list[Problem]:
        """Problems of a template found without rendering; see :func:`atomcomm.templates.validate.validate`."""
        from atomcomm.templates.validate import validate

        return validate(self, name_or_text, object_type, channel)

    def source(self, name: str) -> str:
        """The text of a template file."""
        path = path_of(name, self.root)
        if not path.is_file():
            raise self._not_found(name)
        return decode(path.read_bytes(), name)

    def types(self) -> builtins.list[str]:
        """Object types that have at least one template."""
        served = {t for info in self.list() for t in info.object_types}
        return [t for t in object_types() if t in served]

    def __repr__(self) -> str:
        return f"TemplateRegistry({str(self.root)!r})"


__all__ = ["FREE_TEXT", "TemplateRegistry"]
