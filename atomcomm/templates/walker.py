"""The syntax-tree walk behind :func:`atomcomm.templates.validate.validate`.

:class:`Walker` visits the nodes of one template section with the shape of the render context
(:mod:`atomcomm.templates.schema`), following Liquid's scopes: loop variables are items of the list they
iterate, ``{% assign x = buyer %}`` gives ``x`` the shape of ``buyer``, a ``{% render %}`` partial sees the
globals and its arguments only. Each finding is a :class:`Problem` with file line and column.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from liquid import Environment, RenderContext
from liquid.ast import Node, PartialScope
from liquid.builtin.expressions import FilteredExpression, Path, StringLiteral
from liquid.builtin.expressions.loop import LoopExpression
from liquid.exceptions import LiquidError
from liquid.expression import Expression
from liquid.token import Token

from atomcomm.templates.files import Section
from atomcomm.templates.render import CompiledTemplate
from atomcomm.templates.schema import ANY, FORLOOP, ListOf, Record, Scalar, Scope, Shape

Severity = Literal["error", "warning"]
NUMBER_FILTERS = frozenset({"money", "money_plain", "amount_in_words", "currency", "number", "plural"})
DATE_FILTERS = frozenset({"date", "datetime", "days_overdue", "days_until"})
_NUMBER_KINDS = frozenset({"int", "money", "decimal"})
_DATE_KINDS = frozenset({"date"})
MAX_PARTIAL_DEPTH = 10


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`validate`.

    Attributes:
        code: what kind of problem (``unknown_field``, ``syntax``, ... see the module docstring).
        message: what is wrong and, where possible, what was meant.
        template: the template (or partial) it is in.
        section: ``subject``, ``html``, ``text``, ``sms`` or ``front_matter``.
        line / column: 1-based line in the file and 0-based column, when known.
        source_line: the line of the file.
        severity: ``error`` (rendering fails or sends something wrong) or ``warning``.
    """

    code: str
    message: str
    template: str
    section: str | None = None
    line: int | None = None
    column: int | None = None
    source_line: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        pos = f":{self.line}:{self.column}" if self.line is not None and self.column is not None else ""
        if self.line is not None and not pos:
            pos = f":{self.line}"
        return f"{self.template}{pos}: {self.severity}: {self.message} [{self.code}]"


def _position(token: Token) -> tuple[int, int, str]:
    before = token.source[: token.start_index]
    line = before.count("\n") + 1
    col = token.start_index - (before.rfind("\n") + 1)
    lines = token.source.splitlines()
    return line, col, lines[line - 1] if line - 1 < len(lines) else ""


def close_names(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _shape_name(shape: Shape) -> str:
    if isinstance(shape, Record):
        return shape.name
    if isinstance(shape, ListOf):
        return f"a list of {shape.name}"
    if isinstance(shape, Scalar):
        return f"a {shape.kind}"
    return "a value"


class Walker:
    """Walks one section's syntax tree with the shape of the context, collecting problems."""

    def __init__(
        self, compiled: CompiledTemplate, section: Section, env: Environment, shape: dict[str, Shape]
    ):
        self.compiled = compiled
        self.section = section
        self.env = env
        self.shape = shape
        self.problems: list[Problem] = []
        self.static = RenderContext(compiled.bound[section.name])
        self.seen: set[tuple[str, int | None]] = set()

    # positions --------------------------------------------------------------------------------------

    def problem(
        self, code: str, message: str, token: Token | None, template: str, severity: Severity = "error"
    ) -> None:
        line = col = None
        src = None
        if token is not None and token.start_index >= 0:
            line, col, src = _position(token)
            if token.source == self.section.source:
                line += self.section.line_offset
        self.problems.append(Problem(code, message, template, self.section.name, line, col, src, severity))

    # expressions ------------------------------------------------------------------------------------

    def resolve(self, path: Path, scope: Scope, template: str) -> Shape:
        segs = path.path
        head = segs[0] if segs else None
        if not isinstance(head, str):
            return ANY
        shape = scope.lookup(head)
        if shape is None:
            known = sorted(set(self.shape) | {k for frame in scope.stack for k in frame})
            self.problem(
                "unknown_object", f"unknown object '{head}'{close_names(head, known)}", path.token, template
            )
            return ANY
        walked = head
        for seg in segs[1:]:
            if isinstance(seg, Path):
                self.resolve(seg, scope, template)
                shape = shape.item if isinstance(shape, ListOf) else ANY
            elif isinstance(seg, int):
                shape = shape.item if isinstance(shape, ListOf) else ANY
            elif isinstance(shape, Record):
                if seg in shape.fields:
                    shape = shape.fields[seg]
                elif seg == "size":
                    shape = Scalar("int")
                else:
                    self.problem(
                        "unknown_field",
                        f"'{walked}' ({shape.label or shape.name}) has no field '{seg}'"
                        + close_names(seg, list(shape.fields)),
                        path.token,
                        template,
                    )
                    return ANY
            elif isinstance(shape, ListOf):
                if seg in ("first", "last"):
                    shape = shape.item
                elif seg == "size":
                    shape = Scalar("int")
                else:
                    self.problem(
                        "unknown_field",
                        f"'{walked}' is a list of {shape.item.name if isinstance(shape.item, Record) else 'values'}; "
                        f"'{seg}' is a field of each item: loop with {{% for item in {walked} %}}"
                        "{{ item." + seg + " }}{% endfor %}",
                        path.token,
                        template,
                    )
                    return ANY
            elif isinstance(shape, Scalar):
                if seg == "size" and shape.kind in ("str", "text"):
                    shape = Scalar("int")
                else:
                    self.problem(
                        "unknown_field",
                        f"'{walked}' is {_shape_name(shape)}; it has no field '{seg}'",
                        path.token,
                        template,
                    )
                    return ANY
            else:
                return ANY
            walked += f".{seg}" if isinstance(seg, str) else "[]"
        return shape

    def expression(self, expr: Expression, scope: Scope, template: str) -> None:
        if isinstance(expr, Path):
            self.resolve(expr, scope, template)
        for attr in ("filters", "tail_filters"):
            for f in getattr(expr, attr, None) or ():
                if f.name not in self.env.filters:
                    self.problem(
                        "unknown_filter",
                        f"unknown filter '{f.name}'{close_names(f.name, sorted(self.env.filters))}",
                        f.token,
                        template,
                    )
        if isinstance(expr, FilteredExpression) and expr.filters and isinstance(expr.left, Path):
            self.filter_type(expr, scope, template)
        inner = expr.scope()
        if inner:
            scope.push({str(i): ANY for i in inner})
        for child in expr.children():
            if isinstance(expr, Path) and isinstance(child, Path) and child in expr.path:
                continue  # already resolved as an index of the path
            self.expression(child, scope, template)
        if inner:
            scope.pop()

    def filter_type(self, expr: FilteredExpression, scope: Scope, template: str) -> None:
        if not expr.filters:
            return
        first = expr.filters[0]
        if first.name not in NUMBER_FILTERS | DATE_FILTERS:
            return
        left = expr.left
        assert isinstance(left, Path)
        shape = self.quiet_resolve(left, scope, template)  # the path itself was already checked
        if not isinstance(shape, Scalar):
            return
        if first.name in NUMBER_FILTERS and shape.kind in _DATE_KINDS | {"bool"}:
            self.problem(
                "filter_type",
                f"'{first.name}' formats amounts; {left} is a {shape.kind}",
                first.token,
                template,
            )
        elif first.name in DATE_FILTERS and shape.kind in _NUMBER_KINDS | {"bool"}:
            self.problem(
                "filter_type",
                f"'{first.name}' formats dates; {left} is a {shape.kind}",
                first.token,
                template,
            )

    def shape_of(self, expr: Expression, scope: Scope, template: str) -> Shape:
        if isinstance(expr, FilteredExpression) and not expr.filters:
            expr = expr.left
        if isinstance(expr, FilteredExpression) and isinstance(expr.left, Path):
            names = [f.name for f in expr.filters or ()]
            if names in (["first"], ["last"]):
                base = self.quiet_resolve(expr.left, scope, template)
                return base.item if isinstance(base, ListOf) else ANY
            return ANY
        if isinstance(expr, Path):
            return self.quiet_resolve(expr, scope, template)
        return ANY

    def quiet_resolve(self, path: Path, scope: Scope, template: str) -> Shape:
        saved = self.problems
        self.problems = []
        try:
            return self.resolve(path, scope, template)
        finally:
            self.problems = saved

    # nodes ------------------------------------------------------------------------------------------

    def node(self, node: Node, scope: Scope, template: str, depth: int = 0) -> None:
        for expr in node.expressions():
            self.expression(expr, scope, template)
        for ident in node.template_scope():
            value = getattr(node, "expression", None)
            scope.assign(
                str(ident), self.shape_of(value, scope, template) if isinstance(value, Expression) else ANY
            )
        partial = node.partial_scope()
        if partial is not None:
            self.partial(node, partial, scope, template, depth)
            return
        names: dict[str, Shape] = {}
        loop = getattr(node, "expression", None)
        for ident in node.block_scope():
            name = str(ident)
            if isinstance(loop, LoopExpression) and name == loop.identifier:
                iterable = (
                    self.quiet_resolve(loop.iterable, scope, template)
                    if isinstance(loop.iterable, Path)
                    else ANY
                )
                names[name] = iterable.item if isinstance(iterable, ListOf) else ANY
            elif name == "forloop":
                names[name] = FORLOOP
            else:
                names[name] = ANY
        scope.push(names)
        for child in node.children(self.static, include_partials=False):
            self.node(child, scope, template, depth)
        scope.pop()

    def partial(self, node: Node, partial: object, scope: Scope, template: str, depth: int) -> None:
        name_expr = getattr(partial, "name", "")
        name = (
            name_expr
            if isinstance(name_expr, str)
            else (name_expr.value if isinstance(name_expr, StringLiteral) else "")
        )
        key = (name, getattr(partial, "key", None))
        if key in self.seen or depth >= MAX_PARTIAL_DEPTH:
            return
        self.seen.add(key)
        try:
            children = list(node.children(self.static, include_partials=True))
        except LiquidError as err:
            self.problem("missing_partial", f"cannot load '{name}': {err.message}", node.token, template)
            return
        if getattr(partial, "scope", None) == PartialScope.ISOLATED:
            args: dict[str, Shape] = {}
            for arg in getattr(node, "args", None) or ():
                args[arg.name] = self.shape_of(arg.value, scope, template)
            var = getattr(node, "var", None)
            alias = getattr(node, "alias", None)
            if var is not None:
                shape = self.shape_of(var, scope, template)
                if getattr(node, "loop", False):
                    shape = shape.item if isinstance(shape, ListOf) else ANY
                args[str(alias) if alias is not None else name.rsplit("/", 1)[-1]] = shape
            for ident in getattr(partial, "in_scope", ()):
                args.setdefault(str(ident), ANY)
            inner = scope.isolated(args)
        else:
            inner = scope
        for child in children:
            self.node(child, inner, name, depth + 1)


__all__ = ["DATE_FILTERS", "NUMBER_FILTERS", "Problem", "Severity", "Walker", "close_names"]
