"""The shape of the render context of an object type, from the ERP type registry.

Validation walks template variables through this shape (``invoice.lines`` is a list of invoice lines,
``buyer`` a company that may be missing, ``today`` a date); the metatag catalogue lists its leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from atomcomm.erp.contexts import CONTEXT_EXTRAS
from atomcomm.erp.types import get_type
from atomcomm.templates.context import SENDER_FIELDS
from atomcomm.templates.engine import BABEL_GLOBALS


@dataclass(frozen=True)
class Scalar:
    """A value: ``kind`` is a registry field kind (str, int, date, money, ...)."""

    kind: str
    label: str = ""


@dataclass(frozen=True)
class Record:
    """A mapping with known keys (an object, a related party, a line item)."""

    name: str
    fields: dict[str, Shape]
    label: str = ""
    nullable: bool = False


@dataclass(frozen=True)
class ListOf:
    """A list of records (lines, payments, contacts)."""

    name: str
    item: Shape
    label: str = ""


@dataclass(frozen=True)
class Unknown:
    """A value whose shape is not known statically (assigned from a filter, a range, ...)."""


ANY = Unknown()
Shape = Scalar | Record | ListOf | Unknown

FORLOOP = Record(
    "forloop",
    {
        n: Scalar("int" if n not in ("first", "last") else "bool")
        for n in ("index", "index0", "rindex", "rindex0", "first", "last", "length", "name", "parentloop")
    },
)

_EXTRA_SHAPES: dict[str, dict[str, Shape]] = {
    "invoice": {
        "vat_summary": ListOf(
            "vat_summary",
            Record(
                "vat_summary",
                {
                    "rate": Scalar("int", "Stawka VAT (%)"),
                    "net": Scalar("money", "Netto w stawce"),
                    "vat": Scalar("money", "VAT w stawce"),
                    "gross": Scalar("money", "Brutto w stawce"),
                },
            ),
            "Zestawienie VAT według stawek",
        )
    }
}


def record_of(type_name: str, *, with_lists: bool, nullable: bool = False, label: str = "") -> Record:
    """The shape of one object of a type: its fields, and with ``with_lists`` its many-relations."""
    t = get_type(type_name)
    fields: dict[str, Shape] = {f.name: Scalar(f.kind, f.label_pl) for f in t.fields}
    if with_lists:
        for rel in t.many:
            fields[rel.name] = ListOf(
                rel.name, record_of(rel.target, with_lists=False, label=rel.label_pl), rel.label_pl
            )
        for extra, shape in _EXTRA_SHAPES.get(type_name, {}).items():
            fields[extra] = shape
        for extra, description in CONTEXT_EXTRAS.get(type_name, {}).items():
            fields.setdefault(extra, Scalar("list", description))
    return Record(t.root, fields, label or t.label_pl, nullable)


def globals_shape() -> dict[str, Shape]:
    """Names every render has besides the object's context (see :mod:`atomcomm.templates.registry`)."""
    out: dict[str, Shape] = {
        "today": Scalar("date", "Dzisiejsza data"),
        "own_company": record_of("company", with_lists=False, nullable=True, label="Nasza firma"),
        "sender": Record(
            "sender", {k: Scalar(kind, label) for k, (kind, label) in SENDER_FIELDS.items()}, "Nadawca"
        ),
    }
    for name in BABEL_GLOBALS:
        out[name] = Scalar("str", "Ustawienie filtrów babel")
    return out


def context_shape(type_name: str) -> dict[str, Shape]:
    """Top-level names of the context of one object type (without the globals)."""
    t = get_type(type_name)
    out: dict[str, Shape] = {t.root: record_of(type_name, with_lists=True)}
    for one in t.one:
        out[one.name] = record_of(one.target, with_lists=False, nullable=True, label=one.label_pl)
    for rel in t.many:
        out[rel.name] = ListOf(
            rel.name, record_of(rel.target, with_lists=False, label=rel.label_pl), rel.label_pl
        )
    return out


def merge(a: Shape, b: Shape) -> Shape:
    """The union of two shapes (a template serving several types may use names of any of them)."""
    if isinstance(a, Record) and isinstance(b, Record):
        fields = dict(a.fields)
        for k, v in b.fields.items():
            fields[k] = merge(fields[k], v) if k in fields else v
        return Record(a.name, fields, a.label or b.label, a.nullable or b.nullable)
    if isinstance(a, ListOf) and isinstance(b, ListOf):
        return ListOf(a.name, merge(a.item, b.item), a.label or b.label)
    if a == b:
        return a
    if isinstance(a, Scalar) and isinstance(b, Scalar):
        return a
    return ANY


def template_shape(types: Iterable[str]) -> dict[str, Shape]:
    """Every top-level name a template serving ``types`` may use: globals plus each type's context."""
    out = globals_shape()
    for type_name in types:
        for k, v in context_shape(type_name).items():
            out[k] = merge(out[k], v) if k in out else v
    return out


def leaves(shape: Shape, prefix: str) -> Iterable[tuple[str, Scalar, str]]:
    """(path, scalar, group) for every value under ``shape``; list items are written ``lines[].name``."""
    if isinstance(shape, Scalar):
        yield prefix, shape, prefix.split(".", 1)[0].split("[", 1)[0]
    elif isinstance(shape, Record):
        for name, sub in shape.fields.items():
            yield from leaves(sub, f"{prefix}.{name}")
    elif isinstance(shape, ListOf):
        yield from leaves(shape.item, f"{prefix}[]")


@dataclass
class Scope:
    """Names visible at one point of a template: a stack of local names over the template shape."""

    shape: dict[str, Shape]
    stack: list[dict[str, Shape]] = field(default_factory=lambda: [{}])

    def lookup(self, name: str) -> Shape | None:
        for frame in reversed(self.stack):
            if name in frame:
                return frame[name]
        return self.shape.get(name)

    def push(self, names: dict[str, Shape]) -> None:
        self.stack.append(names)

    def pop(self) -> None:
        self.stack.pop()

    def assign(self, name: str, shape: Shape) -> None:
        self.stack[0][name] = shape

    def isolated(self, names: dict[str, Shape]) -> Scope:
        """The scope of a partial rendered with ``{% render %}``: the globals and its arguments only."""
        return Scope(self.shape, [dict(names)])


__all__ = [
    "ANY",
    "FORLOOP",
    "ListOf",
    "Record",
    "Scalar",
    "Scope",
    "Shape",
    "Unknown",
    "context_shape",
    "globals_shape",
    "leaves",
    "merge",
    "record_of",
    "template_shape",
]
