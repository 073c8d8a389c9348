"""The Liquid environments: one for HTML (autoescape on), one for plain text and SMS (off).

:func:`build_environment` is the single place where an environment is made; the template registry and
the prints package both use it, so filters, the undefined policy and the resource limits are the same
everywhere:

- **Undefined**: :class:`AtomUndefined` fails on output (``{{ invoice.numbr }}`` is an error naming the
  variable, template, line and column) but is false in ``{% if optional %}`` and gives way to
  ``{{ x | default: '-' }}``, so optional data can be handled explicitly.
- **Limits** (a template cannot hang or flood a campaign): loop iterations, output size, local variables
  and render/include depth (a partial that renders itself stops at :data:`MAX_DEPTH`).
- **Partials and layouts** come from the templates folder: ``{% render '_partials/signature' %}``,
  ``{% extends '_layouts/email' %}`` with ``{% block content %}``. The loader caches parsed files and
  re-reads a file when it changes on disk.
- **Globals** hold the settings that python-liquid's babel filters (``currency``, ``number``) look up;
  with a strict undefined they would otherwise fail with ``'locale' is undefined``.

:func:`to_template_error` turns any python-liquid error into an atomcomm :class:`TemplateError` with the
template name, line, column and the offending line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import liquid
from liquid import CachingFileSystemLoader, DictLoader
from liquid.exceptions import (
    LiquidError,
    LiquidSyntaxError,
    ResourceLimitError,
)
from liquid.exceptions import (
    TemplateNotFoundError as LiquidNotFoundError,
)
from liquid.extra import BlockTag, CallTag, ExtendsTag, MacroTag, WithTag
from liquid.undefined import FalsyStrictUndefined

from atomcomm.errors import (
    TemplateError,
    TemplateNotFoundError,
    TemplateRenderError,
    TemplateSyntaxError,
)
from atomcomm.templates import filters

LOOP_ITERATION_LIMIT = 100_000
OUTPUT_LIMIT = 2_000_000  # characters written by one render (an e-mail body far above any real one)
LOCAL_NAMESPACE_LIMIT = 1_000_000  # bytes held by {% assign %} / {% capture %} variables
MAX_DEPTH = 20  # nested render/include/extends: stops a partial that renders itself

BABEL_GLOBALS: dict[str, object] = {
    "locale": "pl_PL",
    "input_locale": "pl_PL",
    "currency_code": "PLN",
    "currency_format": None,
    "number_format": None,
    "timezone": "Europe/Warsaw",
    "input_timezone": "Europe/Warsaw",
    "datetime_format": "medium",
}


class AtomUndefined(FalsyStrictUndefined):
    """Strict on output, false in conditions, replaced by ``| default``.

    ``{{ contact.nickname }}`` raises (a misspelt field never sends an empty gap), while
    ``{% if contact.nickname %}`` is false and ``{{ contact.nickname | default: '' }}`` prints the default.
    """

    __slots__ = ()


class AtomEnvironment(liquid.Environment):
    """A python-liquid environment with atomcomm's resource limits."""

    loop_iteration_limit: ClassVar[int | None] = LOOP_ITERATION_LIMIT
    output_stream_limit: ClassVar[int | None] = OUTPUT_LIMIT
    local_namespace_limit: ClassVar[int | None] = LOCAL_NAMESPACE_LIMIT
    context_depth_limit: ClassVar[int] = MAX_DEPTH

    def __init__(self, *, html: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.html = html


def build_environment(search_path: Path | None, *, html: bool) -> liquid.Environment:
    """The Liquid environment used for every template and print.

    Args:
        search_path: folder that ``render``/``include``/``extends`` names are relative to (the templates
            folder); None gives an environment without files (``from_string`` only).
        html: True for HTML (output is autoescaped; ``| safe`` or a ``markupsafe.Markup`` value opts out),
            False for plain text and SMS.

    Returns:
        An environment with every atomcomm filter, the layout tags (extends/block, macro/call, with),
        the strict :class:`AtomUndefined`, resource limits and babel globals.
    """
    loader: liquid.BaseLoader
    if search_path is None:
        loader = DictLoader({})
    else:
        loader = CachingFileSystemLoader(search_path, ext=".liquid", auto_reload=True, capacity=500)
    env = AtomEnvironment(
        html=html,
        loader=loader,
        undefined=AtomUndefined,
        autoescape=html,
        globals=dict(BABEL_GLOBALS),
    )
    for tag in (ExtendsTag, BlockTag, MacroTag, CallTag, WithTag):
        env.add_tag(tag)
    filters.register(env, html=html)
    return env


def error_position(err: LiquidError) -> tuple[int | None, int | None, str | None]:
    """(line, column, offending line) of a python-liquid error, 1-based line and 0-based column."""
    try:
        ctx = err.context()
    except ValueError:
        # The token is the end of the input (an unclosed block): point at the last line.
        source = err.token.source if err.token is not None else ""
        lines = source.splitlines()
        if not lines:
            return None, None, None
        return len(lines), len(lines[-1]), lines[-1]
    if ctx is None:
        return None, None, None
    line, col, _prev, current, _next = ctx
    return line, col, current


def to_template_error(
    err: LiquidError,
    name: str,
    *,
    line_offset: int = 0,
    section: str | None = None,
    source: str | None = None,
) -> TemplateError:
    """An atomcomm TemplateError (syntax, not found or render) for a python-liquid error.

    Args:
        err: the python-liquid error.
        name: the template name (e.g. ``invoice/payment_reminder.email``).
        line_offset: lines before the parsed section in the template file (front matter, HTML body), so
            line numbers are those of the file; not applied to errors raised inside partials or layouts.
        section: which part failed (``subject``, ``html``, ``text``, ``sms``), for the message.
        source: the section's source; an error at the end of the input without a position (an unclosed
            block) is then reported on its last line.
    """
    line, col, current = error_position(err)
    message = str(err.message) if err.message is not None else err.__class__.__name__
    if line is None and source and isinstance(err, LiquidSyntaxError):
        lines = source.rstrip("\n").splitlines() or [""]
        line, col, current = len(lines), len(lines[-1]), lines[-1]
        message += " (a block is not closed before the end)"
    where = name
    err_template = str(err.template_name) if err.template_name else None
    in_partial = err_template is not None and err_template not in (name, f"{name}#{section}")
    if in_partial:
        where = err_template.removesuffix(".liquid") if err_template else name
    elif line is not None:
        line += line_offset
    cls: type[TemplateError]
    if isinstance(err, LiquidNotFoundError):
        cls = TemplateNotFoundError
        message = f"template {message} not found" if "not found" not in message else message
    elif isinstance(err, LiquidSyntaxError):
        cls = TemplateSyntaxError
    else:
        cls = TemplateRenderError
    if isinstance(err, ResourceLimitError):
        message = f"resource limit: {message}"
    part = f" ({section})" if section and not in_partial else ""
    position = f":{line}:{col}" if line is not None else ""
    text = f"{where}{position}{part}: {message}"
    if current is not None:
        text += f"\n  {line} | {current}\n  {' ' * len(str(line))} | {' ' * (col or 0)}^"
    return cls(
        text,
        template=where,
        line=line,
        column=col,
        source_line=current,
        reason=message,
    )


__all__ = [
    "BABEL_GLOBALS",
    "LOCAL_NAMESPACE_LIMIT",
    "LOOP_ITERATION_LIMIT",
    "MAX_DEPTH",
    "OUTPUT_LIMIT",
    "AtomEnvironment",
    "AtomUndefined",
    "build_environment",
    "error_position",
    "to_template_error",
]
