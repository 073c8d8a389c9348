"""Validation of a template without rendering it, from python-liquid's syntax tree.

:func:`validate` reports, each with template, line and column:

- ``front_matter`` / ``encoding`` / ``file_name`` / ``syntax``: the file cannot be read or parsed (malformed
  YAML, non-UTF-8 bytes, a badly named file, invalid Liquid);
- ``unknown_object``: a top-level name that is neither in the object's context nor a global;
- ``unknown_field``: a field the object (or a related party, or a loop variable over lines, payments,
  contacts...) does not have, e.g. ``{% for l in lines %}{{ l.nme }}``;
- ``unknown_filter``: a filter the environment does not have;
- ``filter_type``: a number filter (``money``) on a date, or a date filter on an amount;
- ``missing_partial``: ``render``/``include``/``extends`` of a file that does not exist;
- ``missing_subject``: an e-mail template without a subject;
- ``sms_too_long``: the fixed text of an SMS alone (what every message contains) exceeds ``max_parts``;
- ``sms_encoding`` (warning): the fixed text forces UCS-2 while ``transliterate: no``;
- ``unknown_role`` / ``unknown_print`` / ``missing_file``: front matter names a recipient role, print
  or attachment file that does not exist.

The walk over the syntax tree is :class:`atomcomm.templates.walker.Walker`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from liquid import RenderContext
from liquid.ast import Node
from liquid.exceptions import LiquidError

from atomcomm.erp.types import get_type
from atomcomm.errors import TemplateError, TemplateNotFoundError, TemplateTypeError, UnknownObjectTypeError
from atomcomm.sms import apply_transliteration, clean_text, segments
from atomcomm.templates.engine import to_template_error
from atomcomm.templates.files import TemplateInfo, is_template_name
from atomcomm.templates.render import CompiledTemplate
from atomcomm.templates.schema import Scope, template_shape
from atomcomm.templates.walker import Problem, Severity, Walker, close_names

if TYPE_CHECKING:
    from atomcomm.templates.registry import TemplateRegistry


def _top_level_text(nodes: list[Node], static: RenderContext) -> Iterator[str]:
    """Text that every rendering contains: content outside any tag block (partials included)."""
    from liquid.builtin.content import ContentNode

    for node in nodes:
        if isinstance(node, ContentNode):
            yield node.text
        elif node.partial_scope() is not None and getattr(node, "loop", False) is False:
            try:
                yield from _top_level_text(list(node.children(static, include_partials=True)), static)
            except LiquidError:
                continue


def _front_matter_line(raw: str, key: str) -> int | None:
    for i, line in enumerate(raw.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return i
    return None


def _front_matter_problems(reg: TemplateRegistry, compiled: CompiledTemplate) -> list[Problem]:
    info: TemplateInfo = compiled.info
    raw = compiled.source.raw
    out: list[Problem] = []

    def add(code: str, message: str, key: str, severity: Severity = "error") -> None:
        out.append(
            Problem(
                code, message, info.name, "front_matter", _front_matter_line(raw, key), None, None, severity
            )
        )

    if info.channel == "email" and info.subject is None and info.path is not None:
        add("missing_subject", "an e-mail template needs 'subject:' in its front matter", "channel")
    types = [get_type(t) for t in info.object_types]
    roles = {r.name for t in types for r in t.roles}
    for role in info.recipients:
        if role not in roles:
            add(
                "unknown_role",
                f"recipient role '{role}' is not a role of {', '.join(info.object_types)}"
                + close_names(role, sorted(roles)),
                "recipients",
            )
    prints = {p for t in types for p in t.prints}
    for name in info.attachments.prints:
        if name not in prints:
            add(
                "unknown_print",
                f"print '{name}' does not exist for {', '.join(info.object_types)}"
                + (f"; prints: {', '.join(sorted(prints))}" if prints else ""),
                "attachments",
            )
    for file in info.attachments.files:
        path = (reg.root / file).resolve()
        if not path.is_relative_to(reg.root.resolve()):
            add("missing_file", f"attachment '{file}' is outside the templates folder", "attachments")
        elif not path.is_file():
            add(
                "missing_file",
                f"attachment file '{file}' does not exist under {reg.root}",
                "attachments",
                "warning",
            )
    return out


def _sms_problems(compiled: CompiledTemplate) -> list[Problem]:
    info = compiled.info
    bound = compiled.bound["sms"]
    section = compiled.source.sections["sms"]
    fixed = clean_text("".join(_top_level_text(list(bound.nodes), RenderContext(bound))))
    sent = apply_transliteration(fixed, info.transliterate)
    cost = segments(sent)
    out = []
    if cost.parts > info.max_parts:
        out.append(
            Problem(
                "sms_too_long",
                f"the fixed text alone takes {cost.parts} SMS parts ({cost.units} {cost.encoding} units), more than "
                f"max_parts {info.max_parts}; shorten it"
                + (
                    ""
                    if cost.encoding == "GSM-7" or info.transliterate != "no"
                    else " or set transliterate: auto"
                ),
                info.name,
                "sms",
                section.first_line,
                0,
                None,
            )
        )
    if cost.encoding == "UCS-2" and info.transliterate == "no":
        chars = " ".join(cost.unsupported[:10])
        out.append(
            Problem(
                "sms_encoding",
                f"the fixed text forces UCS-2 (70 characters per SMS instead of 160) because of: {chars}; "
                "consider transliterate: auto",
                info.name,
                "sms",
                section.first_line,
                0,
                None,
                "warning",
            )
        )
    return out


def validate(
    reg: TemplateRegistry, name_or_text: str, object_type: str | None = None, channel: str | None = None
) -> list[Problem]:
    """Problems of a template (or free text), found from its syntax tree without rendering.

    Args:
        reg: the registry (for environments, the templates folder and partials).
        name_or_text: template name or Liquid text.
        object_type / channel: for free text without front matter; ``object_type`` narrows a template
            serving several types to one.

    Returns:
        Problems in file order; empty when the template is clean. A template that cannot be read or
        parsed gives one ``front_matter`` or ``syntax`` problem.
    """
    try:
        if is_template_name(name_or_text):
            compiled = reg.get(name_or_text)
            if object_type is not None:
                reg.resolve(name_or_text, object_type, channel)  # the type must be one it serves
        else:
            compiled = reg.from_text(name_or_text, object_type, channel)
    except (UnknownObjectTypeError, TemplateNotFoundError, TemplateTypeError):
        raise
    except TemplateError as err:
        reason = str(err.reason)
        code = "syntax"
        if "front matter" in reason:
            code = "front_matter"
        elif "UTF-8" in reason:
            code = "encoding"
        elif "file name" in reason:
            code = "file_name"
        return [
            Problem(
                code,
                str(err.reason),
                err.template or name_or_text,
                None,
                err.line,
                err.column,
                err.source_line,
            )
        ]
    info = compiled.info
    types = [object_type] if object_type else info.object_types
    shape = template_shape(types)
    problems = _front_matter_problems(reg, compiled)
    for key, section in compiled.source.sections.items():
        env = reg.html_env if key == "html" else reg.text_env
        walker = Walker(compiled, section, env, shape)
        scope = Scope(shape)
        for node in compiled.bound[key].nodes:
            try:
                walker.node(node, scope, info.name)
            except LiquidError as err:
                e = to_template_error(err, info.name, line_offset=section.line_offset, section=key)
                walker.problems.append(
                    Problem(
                        "syntax", str(e.reason), e.template or info.name, key, e.line, e.column, e.source_line
                    )
                )
        problems.extend(walker.problems)
    if info.channel == "sms":
        problems.extend(_sms_problems(compiled))
    unique: dict[tuple[object, ...], Problem] = {}
    for p in problems:
        unique.setdefault((p.template, p.line, p.column, p.message), p)
    order = {"front_matter": 0, "subject": 1, "html": 2, "text": 3, "sms": 2, None: 0}
    return sorted(
        unique.values(),
        key=lambda p: (order.get(p.section, 9), p.template != info.name, p.line or 0, p.column or 0),
    )


__all__ = ["Problem", "validate"]
