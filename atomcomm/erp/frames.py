"""ERP objects as pandas DataFrames.

One SELECT per frame: the root table, its one-relations outer-joined under their stable names
(``buyer.name``, ``seller.nip``), and for invoices the sum of payments. Computed fields (amount due,
days overdue, status, full names, addresses) are derived in pandas, column-wise. SQL NULL becomes None
(pandas would give NaN, which Liquid treats as true), money stays ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ClauseElement

from atomcomm.erp import models as m
from atomcomm.erp.types import ObjectType, get_type
from atomcomm.errors import UnknownFieldError

Where = ClauseElement | Mapping[str, Any] | None
ZERO = Decimal("0.00")


def _full_name(df: pd.DataFrame, p: str) -> pd.Series:
    return (
        df[p + "first_name"].fillna("").astype(str) + " " + df[p + "last_name"].fillna("").astype(str)
    ).str.strip()


def _address(df: pd.DataFrame, p: str) -> pd.Series:
    street = df[p + "street"].fillna("").astype(str)
    city = (
        df[p + "postal_code"].fillna("").astype(str) + " " + df[p + "city"].fillna("").astype(str)
    ).str.strip()
    return (street + ", " + city).str.strip(", ")


def _money_diff(a: pd.Series, b: pd.Series) -> pd.Series:
    return pd.Series(
        [(x if x is not None else ZERO) - (y if y is not None else ZERO) for x, y in zip(a, b, strict=True)],
        index=a.index,
        dtype=object,
    )


def _days_between(today: dt.date, dates: pd.Series) -> pd.Series:
    return (pd.Timestamp(today) - pd.to_datetime(dates)).dt.days


def _invoice(df: pd.DataFrame, p: str, today: dt.date) -> None:
    paid = df[p + "amount_paid"] if p + "amount_paid" in df else pd.Series(ZERO, index=df.index, dtype=object)
    df[p + "amount_paid"] = paid
    due = _money_diff(df[p + "gross_total"], paid)
    df[p + "amount_due"] = due
    late = _days_between(today, df[p + "due_date"])
    open_ = (due > 0).astype(bool)
    draft = (df[p + "state"] == "draft").astype(bool)
    df[p + "days_overdue"] = np.where(open_ & ~draft & (late > 0), late, 0).astype(int)
    df[p + "status"] = np.select([draft, ~open_, late > 0], ["draft", "paid", "overdue"], default="issued")


def _contract(df: pd.DataFrame, p: str, today: dt.date) -> None:
    df[p + "days_to_end"] = (-_days_between(today, df[p + "end_date"])).astype(int)


def _line(df: pd.DataFrame, p: str, today: dt.date) -> None:
    nets, vats, grosses = [], [], []
    for q, price, rate in zip(df[p + "quantity"], df[p + "unit_price"], df[p + "vat_rate"], strict=True):
        net = m.round_money(Decimal(q) * Decimal(price))
        vat = m.round_money(net * Decimal(int(rate)) / Decimal(100))
        nets.append(net)
        vats.append(vat)
        grosses.append(net + vat)
    df[p + "net_amount"] = pd.Series(nets, index=df.index, dtype=object)
    df[p + "vat_amount"] = pd.Series(vats, index=df.index, dtype=object)
    df[p + "gross_amount"] = pd.Series(grosses, index=df.index, dtype=object)


COMPUTE: dict[str, Callable[[pd.DataFrame, str, dt.date], None]] = {
    "company": lambda df, p, today: df.__setitem__(p + "address", _address(df, p)),
    "contact": lambda df, p, today: df.__setitem__(p + "full_name", _full_name(df, p)),
    "employee": lambda df, p, today: df.__setitem__(p + "full_name", _full_name(df, p)),
    "invoice": _invoice,
    "contract": _contract,
    "invoice_line": _line,
}

# Which stored columns a computed field is derived from (so a narrow `columns=` still works).
DEPENDS: dict[str, dict[str, tuple[str, ...]]] = {
    "company": {"address": ("street", "postal_code", "city")},
    "contact": {"full_name": ("first_name", "last_name")},
    "employee": {"full_name": ("first_name", "last_name")},
    "invoice": {
        "amount_paid": (),
        "amount_due": ("gross_total", "amount_paid"),
        "days_overdue": ("gross_total", "amount_paid", "due_date", "state"),
        "status": ("gross_total", "amount_paid", "due_date", "state"),
    },
    "contract": {"days_to_end": ("end_date",)},
    "invoice_line": {
        "net_amount": ("quantity", "unit_price", "vat_rate"),
        "vat_amount": ("quantity", "unit_price", "vat_rate"),
        "gross_amount": ("quantity", "unit_price", "vat_rate"),
    },
}


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for a close match, else ""."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def available_columns(t: ObjectType, related: bool = True) -> list[str]:
    """Every column name a frame of this type can have, own fields first."""
    cols = [f.name for f in t.fields]
    if related:
        for rel in t.one:
            cols += [f"{rel.name}.{f.name}" for f in get_type(rel.target).fields]
    return cols


class FrameQuery:
    """The SELECT behind a frame; built once per (type, columns, related) and reused for chunks."""

    def __init__(
        self,
        t: ObjectType,
        columns: Iterable[str] | None = None,
        related: bool = True,
        filter_keys: Iterable[str] = (),
    ) -> None:
        self.type = t
        known = available_columns(t, related)
        requested = list(dict.fromkeys(columns)) if columns is not None else known
        wanted = requested + [k for k in filter_keys if k not in requested and k in known]
        unknown = [c for c in requested if c not in known]
        if unknown:
            hint = did_you_mean(unknown[0], known)
            raise UnknownFieldError(
                f"{t.name} has no column {', '.join(map(repr, unknown))}{hint}; columns: {', '.join(known)}"
            )
        self.output = [c for c in requested if c != "id"]
        needed = set(wanted)
        for c in wanted:  # pull in what computed columns are derived from
            prefix, _, name = c.rpartition(".")
            owner = t if not prefix else get_type(next(r.target for r in t.one if r.name == prefix))
            deps = DEPENDS.get(owner.name, {})
            if name in deps:  # computed fields of one owner are derived together
                for dep in {d for dd in deps.values() for d in dd}:
                    needed.add(f"{prefix}.{dep}" if prefix else dep)
        self.needed = needed
        root = t.model.__table__
        self.root = root
        cols: list[ColumnElement[Any]] = [root.c.id.label("id")]
        from_: Any = root
        self.aliases: dict[str, Any] = {}
        # label -> (kind, decimal places) for the columns whose driver values may need converting
        self.kinds: dict[str, tuple[str, int]] = {}
        self.nullable: set[str] = set()

        def note(label: str, kind: str, column: Any, nullable: bool) -> None:
            if kind in ("date", "money", "decimal", "bool"):
                self.kinds[label] = (kind, int(getattr(column.type, "scale", 0) or 0))
            if nullable:
                self.nullable.add(label)

        for f in t.column_fields:
            if f.name != "id" and f.name in needed:
                cols.append(root.c[f.name].label(f.name))
                note(f.name, f.kind, root.c[f.name], bool(root.c[f.name].nullable))
        if t.name == "invoice" and needed & {"amount_paid", "amount_due", "days_overdue", "status"}:
            # Correlated, so a chunk of ids sums only its own payments (through the invoice_id index).
            paid = (
                select(func.coalesce(func.sum(m.Payment.amount), 0))
                .where(m.Payment.invoice_id == root.c.id)
                .correlate(root)
                .scalar_subquery()
            )
            cols.append(paid.cast(m.Money).label("amount_paid"))
            self.kinds["amount_paid"] = ("money", 2)
        if related:
            for rel in t.one:
                target = get_type(rel.target)
                fields = [f for f in target.column_fields if f"{rel.name}.{f.name}" in needed]
                if not fields:
                    continue
                alias = target.model.__table__.alias(rel.name)
                self.aliases[rel.name] = alias
                from_ = from_.outerjoin(alias, alias.c.id == root.c[rel.fk])
                cols += [alias.c[f.name].label(f"{rel.name}.{f.name}") for f in fields]
                fk_nullable = bool(root.c[rel.fk].nullable)
                for f in fields:
                    col = alias.c[f.name]
                    note(f"{rel.name}.{f.name}", f.kind, col, fk_nullable or bool(col.nullable))
        self.select: Select[Any] = select(*cols).select_from(from_).order_by(root.c.id)

    def split_where(self, where: Where) -> tuple[list[Any], dict[str, Any]]:
        """SQL conditions and the equality filters on computed columns (applied after the query)."""
        if where is None:
            return [], {}
        if isinstance(where, ClauseElement):
            return [where], {}
        if not isinstance(where, Mapping):
            raise TypeError("where must be a SQLAlchemy expression or a dict of equality filters")
        sql: list[Any] = []
        post: dict[str, Any] = {}
        known = available_columns(self.type)
        for key, value in where.items():
            if key not in known:
                raise UnknownFieldError(
                    f"cannot filter {self.type.name} by {key!r}{did_you_mean(key, known)}; "
                    f"columns: {', '.join(known)}"
                )
            prefix, _, name = key.rpartition(".")
            table = self.root
            owner = self.type
            if prefix:
                rel = next(r for r in self.type.one if r.name == prefix)
                owner = get_type(rel.target)
                if prefix not in self.aliases:
                    raise UnknownFieldError(
                        f"filter {key!r} needs relation {prefix!r}, which this frame omits"
                    )
                table = self.aliases[prefix]
            spec = owner.field(name)
            if spec is not None and spec.computed:
                post[key] = value
                continue
            col = table.c[name]
            if value is None:
                sql.append(col.is_(None))
            elif isinstance(value, list | tuple | set | frozenset):
                sql.append(col.in_(list(value)))
            else:
                sql.append(col == value)
        return sql, post

    def read(
        self,
        conn: Connection,
        *,
        where: Where = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> pd.DataFrame:
        """Run the query and post-process the result into the frame."""
        sql, post = self.split_where(where)
        for key in post:
            if key not in self.needed:
                raise UnknownFieldError(f"filter on {key!r} needs that column in the frame")
        stmt = self.select.where(*sql) if sql else self.select
        if limit is not None and not post:
            stmt = stmt.limit(limit)
        result = conn.execute(stmt)
        keys = list(result.keys())
        # Raw driver rows: converting whole columns at once is much faster than row-wise type processors.
        rows = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
        df = pd.DataFrame.from_records(rows, columns=keys, coerce_float=False, index="id")
        convert_columns(df, self.kinds)
        df = finish(
            df, self.type, today or dt.date.today(), related=bool(self.aliases), nullable=self.nullable
        )
        for key, value in post.items():
            values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
            df = df[df[key].isin(values)]
        if limit is not None and post:
            df = df.iloc[:limit]
        return df[[c for c in self.output if c in df.columns]]


def _first(values: Any) -> Any:
    return next((v for v in values if v is not None and v == v), None)


def convert_columns(df: pd.DataFrame, kinds: Mapping[str, tuple[str, int]]) -> None:
    """Driver values to Python types, column by column: ISO strings to dates, floats to Decimal, 0/1 to bool.

    PostgreSQL drivers already return these types; SQLite returns strings, floats and ints.
    """
    for col, (kind, scale) in kinds.items():
        if col not in df.columns or not len(df):
            continue
        s = df[col]
        sample = _first(s)
        if sample is None:
            continue
        if kind == "date" and isinstance(sample, str):
            df[col] = pd.Series(
                [dt.date.fromisoformat(v) if isinstance(v, str) else None for v in s],
                index=df.index,
                dtype=object,
            )
        elif kind in ("money", "decimal") and not isinstance(sample, Decimal):
            q = Decimal(1).scaleb(-scale)
            df[col] = pd.Series(
                [Decimal(repr(v)).quantize(q) if v is not None and v == v else None for v in s],
                index=df.index,
                dtype=object,
            )
        elif kind == "bool" and not isinstance(sample, bool | np.bool_):
            df[col] = pd.Series(
                [bool(v) if v is not None and v == v else None for v in s], index=df.index, dtype=object
            )


def finish(
    df: pd.DataFrame, t: ObjectType, today: dt.date, related: bool = True, nullable: set[str] | None = None
) -> pd.DataFrame:
    """Computed fields, NULL → None, ints kept ints.

    Args:
        nullable: the columns that may hold NULL (others are not scanned); None = scan all.
    """
    df.index.name = "id"
    if df.index.dtype != np.int64 and len(df):
        df.index = df.index.astype(np.int64)
    prefixes = [("", t)]
    if related:
        prefixes += [(f"{r.name}.", get_type(r.target)) for r in t.one]
    for p, owner in prefixes:
        compute = COMPUTE.get(owner.name)
        deps = DEPENDS.get(owner.name, {})
        if compute is None or not len(df):
            if compute is not None:
                for name in deps:
                    df[p + name] = pd.Series(dtype=object)
            continue
        if all(p + d in df.columns for dd in deps.values() for d in dd if d != "amount_paid"):
            compute(df, p, today)
    for p, owner in prefixes:
        for f in owner.fields:
            col = p + f.name
            if col not in df.columns or (f.name == "id" and not p):
                continue
            if nullable is not None and col not in nullable and not f.computed:
                continue
            s = df[col]
            if f.kind == "int" and s.dtype.kind == "f":
                df[col] = s.astype("Int64").astype(object).where(s.notna(), None)
            elif s.dtype != object and s.isna().any():
                df[col] = s.astype(object).where(s.notna(), None)
            elif s.dtype == object and len(s) and s.isna().any():
                df[col] = s.where(s.notna(), None)
    return df


def with_null_as_none(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of any frame with NaN/NaT/NA replaced by None (for frames from raw SQL)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.isna().any():
            out[col] = s.astype(object).where(s.notna(), None)
    return out


__all__ = ["FrameQuery", "Where", "available_columns", "finish", "with_null_as_none"]
