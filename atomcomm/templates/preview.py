"""Preview a template over many objects: one row per object, errors in a column.

Contexts are streamed from the ERP chunk by chunk (a constant number of queries per chunk) and only the
output columns are kept, so memory grows with the result table, not with the contexts; a preview of
100,000 objects runs in bounded memory, with a progress bar (tqdm.auto) when it is long.

Columns (index ``id``):

- e-mail: ``subject``, ``html``, ``text``, ``length`` (characters of the text), ``error``;
- SMS: ``text``, ``length`` (characters), ``encoding``, ``units``, ``parts``, ``unsupported`` (the
  characters that forced UCS-2, as one string), ``error``.

A record that fails (unknown field in its data, a filter that cannot format its value, a missing object)
gets its message in ``error`` and empty outputs; the batch goes on. Configuration errors still raise.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd
from liquid.exceptions import LiquidError

from atomcomm.erp.contexts import ContextBuilder
from atomcomm.erp.types import get_type
from atomcomm.errors import ConfigError, ErpError, TemplateError
from atomcomm.templates.render import CompiledTemplate, Rendered

if TYPE_CHECKING:
    from atomcomm.templates.registry import TemplateRegistry

CHUNK_SIZE = 1000
PROGRESS_FROM = 2000  # rows; shorter previews finish before a bar is worth drawing
EMAIL_COLUMNS = ["subject", "html", "text", "length", "error"]
SMS_COLUMNS = ["text", "length", "encoding", "units", "parts", "unsupported", "error"]


def ids_of(frame_or_ids: pd.DataFrame | pd.Series | Iterable[int] | int) -> list[int]:
    """Object ids from a frame (its index), a Series of ids, an iterable of ids or one id."""
    if isinstance(frame_or_ids, pd.DataFrame):
        return [int(i) for i in frame_or_ids.index]
    if isinstance(frame_or_ids, pd.Series):
        return [int(i) for i in frame_or_ids.tolist()]
    if isinstance(frame_or_ids, int):
        return [frame_or_ids]
    return [int(i) for i in frame_or_ids]


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def first_line(err: BaseException) -> str:
    """The one-line form of an error for the ``error`` column."""
    text = str(err).strip()
    return text.splitlines()[0] if text else err.__class__.__name__


def global_uses(templates: Iterable[CompiledTemplate]) -> list[tuple[str, list[Any]]] | None:
    """(root name, path segments) of every global variable use in the templates and their partials.

    None when a template cannot be analysed statically (then callers must assume everything is used).
    """
    uses: list[tuple[str, list[Any]]] = []
    for compiled in templates:
        for bound in compiled.bound.values():
            try:
                analysis = bound.analyze(include_partials=True)
            except (LiquidError, TemplateError):
                return None
            for root, occurrences in analysis.globals.items():
                uses.extend((root, list(var.segments)) for var in occurrences)
    return uses


def needed_lists(templates: Iterable[CompiledTemplate], object_type: str) -> frozenset[str] | None:
    """The list relations (``lines``, ``payments``, ...) the templates read, or None for "all of them".

    Building the lists costs more than the rest of a context, and most messages use none. The answer is
    None (build everything) whenever static analysis cannot be sure: the object itself passed on whole
    (``{% render 'x', inv: invoice %}``), an index by variable, or a template that cannot be analysed.
    """
    t = get_type(object_type)
    many = {rel.name for rel in t.many}
    derived = LIST_DEPENDS.get(object_type, {})
    uses = global_uses(templates)
    if uses is None:
        return None
    needed: set[str] = set()
    for root, segments in uses:
        if root in many:
            needed.add(root)
        if root != t.root:
            continue
        if len(segments) < 2 or not isinstance(segments[1], str):
            return None
        if segments[1] in many:
            needed.add(segments[1])
        elif segments[1] in derived:
            needed.update(derived[segments[1]])
    return frozenset(needed)


def needed_columns(templates: Iterable[CompiledTemplate], object_type: str) -> frozenset[str] | None:
    """The frame columns (own fields, ``relation.field``) the templates read, or None for "all of them".

    A relation used whole (passed to a partial, tested with ``{% if buyer_contact %}``, or indexed by a
    variable) brings all its columns; the object itself used whole, or a template that cannot be analysed,
    means everything.
    """
    t = get_type(object_type)
    ones = {rel.name: rel for rel in t.one}
    own = {f.name for f in t.fields}
    uses = global_uses(templates)
    if uses is None:
        return None
    out: set[str] = set()
    for root, segments in uses:
        field = segments[1] if len(segments) > 1 else None
        if root == t.root:
            if not isinstance(field, str):
                return None
            if field in own:
                out.add(field)
        elif root in ones:
            target = get_type(ones[root].target)
            out.add(f"{root}.id")
            if isinstance(field, str) and target.field(field) is not None:
                out.add(f"{root}.{field}")
            else:
                out.update(f"{root}.{f.name}" for f in target.fields)
    return frozenset(out)


# Context values derived from list relations (the ERP computes vat_summary from the lines).
LIST_DEPENDS: dict[str, dict[str, tuple[str, ...]]] = {"invoice": {"vat_summary": ("lines",)}}


@cache
def _builder(
    object_type: str, lists: frozenset[str], columns: frozenset[str] | None = None
) -> ContextBuilder:
    t = get_type(object_type)
    return ContextBuilder(replace(t, many=tuple(rel for rel in t.many if rel.name in lists)), columns)


def contexts(
    reg: TemplateRegistry,
    object_type: str,
    ids: list[int],
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: bool | None = None,
    desc: str = "",
    lists: frozenset[str] | None = None,
    columns: frozenset[str] | None = None,
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(id, render data or None when the object does not exist) for every id, chunk by chunk.

    Args:
        lists: the list relations to build (see :func:`needed_lists`); None builds the full context.
        columns: the frame columns to read (see :func:`needed_columns`); None reads all of them.
    """
    erp = reg.require_erp()
    base = reg.render_globals()
    bar: Any = None
    if progress or (progress is None and len(ids) >= PROGRESS_FROM):
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ids), desc=desc, unit="obj", leave=False)
    builder = None if lists is None else _builder(object_type, lists, columns)
    try:
        for chunk in _chunks(ids, chunk_size):
            if builder is None:
                found = dict(erp.contexts(object_type, chunk, chunk_size=len(chunk), missing="skip"))
            else:
                with erp.engine.connect() as conn:
                    found = builder.chunk(conn, chunk, erp.today)
            for oid in chunk:
                ctx = found.pop(oid, None)
                yield oid, (None if ctx is None else {**base, **ctx})
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def render_one(
    compiled: CompiledTemplate,
    object_type: str,
    oid: int,
    data: dict[str, Any] | None,
    *,
    with_text: bool = True,
) -> tuple[Rendered | None, str | None]:
    """(rendered, None) or (None, one-line error) for one object; configuration errors still raise."""
    if data is None:
        return None, f"no {object_type} with id {oid}"
    try:
        return compiled.render(data, object_type=object_type, object_id=oid, with_text=with_text), None
    except ConfigError:
        raise
    except (TemplateError, ErpError, LiquidError, ValueError, TypeError, ArithmeticError) as err:
        return None, first_line(err)


def rendered_rows(
    reg: TemplateRegistry,
    compiled: CompiledTemplate,
    object_type: str,
    ids: list[int],
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: bool | None = None,
    with_text: bool = True,
) -> Iterator[tuple[int, Rendered | None, str | None]]:
    """(id, rendered or None, error or None) for every id, in order, streaming contexts chunk by chunk."""
    lists = needed_lists([compiled], object_type)
    columns = needed_columns([compiled], object_type)
    for oid, data in contexts(
        reg,
        object_type,
        ids,
        chunk_size=chunk_size,
        progress=progress,
        desc=compiled.name,
        lists=lists,
        columns=columns,
    ):
        r, error = render_one(compiled, object_type, oid, data, with_text=with_text)
        yield oid, r, error


def preview(
    reg: TemplateRegistry,
    name_or_text: str,
    frame_or_ids: pd.DataFrame | pd.Series | Iterable[int] | int,
    object_type: str | None = None,
    *,
    channel: str | None = None,
    columns: Iterable[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: bool | None = None,
    errors_first: bool = False,
) -> pd.DataFrame:
    """Render a template for every object of a frame (or list of ids) into a DataFrame.

    Args:
        reg: the template registry.
        name_or_text: template name or free Liquid text (then ``object_type`` and ``channel``).
        frame_or_ids: a frame from ``ws.erp.frame`` (its index), a Series or iterable of ids, or one id.
        object_type: the type, when the template serves several (or for free text).
        channel: for free text without front matter.
        columns: output columns to keep (default: all of the channel's); fewer columns, less memory.
        chunk_size: contexts built per database round.
        progress: show a tqdm progress bar (default: for 2,000 rows or more).
        errors_first: sort rows with an error to the top (stable otherwise).

    Returns:
        One row per requested id, in the order given, indexed by ``id``.
    """
    compiled, type_name = reg.resolve(name_or_text, object_type, channel)
    ids = ids_of(frame_or_ids)
    is_sms = compiled.info.channel == "sms"
    all_columns = SMS_COLUMNS if is_sms else EMAIL_COLUMNS
    wanted = list(columns) if columns is not None else list(all_columns)
    unknown = [c for c in wanted if c not in all_columns]
    if unknown:
        raise ValueError(f"unknown preview column(s) {unknown}; columns: {', '.join(all_columns)}")
    data: dict[str, list[Any]] = {c: [] for c in wanted}
    with_text = "text" in wanted or "length" in wanted
    for _oid, r, error in rendered_rows(
        reg, compiled, type_name, ids, chunk_size=chunk_size, progress=progress, with_text=with_text
    ):
        row: dict[str, Any]
        if r is None:
            row = {"error": error}
        elif is_sms:
            sms = r.sms
            assert sms is not None
            row = {
                "text": r.text,
                "length": len(r.text),
                "encoding": sms.encoding,
                "units": sms.units,
                "parts": sms.parts,
                "unsupported": "".join(sms.unsupported),
                "error": None,
            }
        else:
            row = {"subject": r.subject, "html": r.html, "text": r.text, "length": len(r.text), "error": None}
        for c in wanted:
            data[c].append(row.get(c))
    df = pd.DataFrame(data, index=pd.Index(ids, name="id"), columns=wanted)
    for c in ("length", "units", "parts"):
        if c in df.columns and not df[c].isna().any():
            df[c] = df[c].astype("int64")
    if errors_first and "error" in df.columns:
        df = df.iloc[df["error"].isna().to_numpy().argsort(kind="stable")]
    return df


def _canonical(r: Rendered | None, error: str | None) -> str:
    if r is None:
        return f"error: {error}\n"
    if r.sms is not None:
        return r.text.rstrip("\n") + "\n"
    return f"Subject: {r.subject}\n\n{r.text.rstrip()}\n\n--- html ---\n{(r.html or '').rstrip()}\n"


def preview_diff(
    reg: TemplateRegistry,
    name_a: str,
    name_b: str,
    frame_or_ids: pd.DataFrame | pd.Series | Iterable[int] | int,
    object_type: str | None = None,
    *,
    channel: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The objects whose output differs between two templates (e.g. a template and its edited copy).

    Returns:
        A DataFrame indexed by ``id`` with ``changed`` (which of subject, text, html, error differ) and
        ``diff`` (a unified diff of subject, text and HTML, or of the SMS text); only differing rows.
    """
    a, type_a = reg.resolve(name_a, object_type, channel)
    b, type_b = reg.resolve(name_b, object_type or type_a, channel or a.info.channel)
    if type_a != type_b:
        raise ValueError(f"{a.name} renders {type_a} and {b.name} renders {type_b}; compare one type")
    ids = ids_of(frame_or_ids)
    out_ids: list[int] = []
    changed: list[str] = []
    diffs: list[str] = []
    lists = needed_lists([a, b], type_a)
    columns = needed_columns([a, b], type_a)
    for oid, data in contexts(
        reg, type_a, ids, chunk_size=chunk_size, progress=progress, desc=b.name, lists=lists, columns=columns
    ):
        ra, ea = render_one(a, type_a, oid, data)
        rb, eb = render_one(b, type_a, oid, data)
        fields = []
        for field in ("subject", "text", "html"):
            if getattr(ra, field, None) != getattr(rb, field, None):
                fields.append(field)
        if ea != eb:
            fields.append("error")
        if not fields:
            continue
        diff = difflib.unified_diff(
            _canonical(ra, ea).splitlines(keepends=True),
            _canonical(rb, eb).splitlines(keepends=True),
            fromfile=a.name,
            tofile=b.name,
        )
        out_ids.append(oid)
        changed.append(", ".join(fields))
        diffs.append("".join(diff))
    return pd.DataFrame({"changed": changed, "diff": diffs}, index=pd.Index(out_ids, name="id"))


__all__ = [
    "CHUNK_SIZE",
    "EMAIL_COLUMNS",
    "SMS_COLUMNS",
    "contexts",
    "ids_of",
    "preview",
    "preview_diff",
    "render_one",
    "rendered_rows",
]
