"""Nested template contexts built from frames, many objects at a time.

A context is a dict under the registry's stable names, e.g. for an invoice::

    {"invoice": {...fields, "lines": [...], "payments": [...], "vat_summary": [...]},
     "seller": {...}, "buyer": {...}, "buyer_contact": {...} | None,
     "lines": [...], "payments": [...], "buyer_contacts": [...], "seller_contacts": [...]}

Ids are processed in chunks: per chunk one query for the objects with their one-relations and one query
per many-relation, so the number of statements per 1,000 contexts does not grow with the count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from atomcomm.erp import models as m
from atomcomm.erp.frames import FrameQuery
from atomcomm.erp.types import ObjectType, get_type
from atomcomm.errors import ObjectNotFoundError

CHUNK_SIZE = 1000

# Context-only values that are not frame columns (lists derived from related rows).
CONTEXT_EXTRAS: dict[str, dict[str, str]] = {
    "invoice": {"vat_summary": "list of {rate, net, vat, gross} per VAT rate"},
}


def _records(df: pd.DataFrame) -> dict[int, dict[str, Any]]:
    cols = [*df.columns, "id"]
    ids = df.index.tolist()
    # Whole columns to lists first: iterating pandas extension arrays value by value is slow.
    values = [df[c].tolist() for c in df.columns]
    rows = zip(*values, strict=True) if values else [()] * len(ids)
    return {idx: dict(zip(cols, (*row, idx), strict=True)) for idx, row in zip(ids, rows, strict=True)}


def _vat_summary(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_rate: dict[int, Decimal] = {}
    for line in lines:
        by_rate[int(line["vat_rate"])] = (
            by_rate.get(int(line["vat_rate"]), Decimal("0.00")) + line["net_amount"]
        )
    summary = []
    for rate in sorted(by_rate, reverse=True):
        net = by_rate[rate]
        vat = m.round_money(net * Decimal(rate) / Decimal(100))
        summary.append({"rate": rate, "net": net, "vat": vat, "gross": net + vat})
    return summary


class ContextBuilder:
    """Builds contexts of one object type; keeps its queries for reuse across chunks."""

    def __init__(self, t: ObjectType, columns: Iterable[str] | None = None) -> None:
        """Args:
        t: the object type (its ``many`` may be narrowed to the lists a caller needs).
        columns: the frame columns to read (own fields and ``relation.field``); None = all of them.
        """
        self.type = t
        if columns is not None:
            wanted = set(columns) | {rel.source for rel in t.many if rel.source != "id"}
            columns = [c for c in FrameQuery(t).output if c in wanted]
        self.root_query = FrameQuery(t, columns)
        self.many_queries = {rel.name: FrameQuery(get_type(rel.target), related=False) for rel in t.many}

    def chunk(self, conn: Connection, ids: list[int], today: dt.date) -> dict[int, dict[str, Any]]:
        """Contexts of the given ids (missing ids are simply absent from the result)."""
        t = self.type
        root_table = t.model.__table__
        frame = self.root_query.read(conn, where=root_table.c.id.in_(ids), today=today)
        rows = _records(frame)
        children: dict[str, dict[Any, list[dict[str, Any]]]] = {}
        for rel in t.many:
            keys = {r[rel.source] for r in rows.values() if r.get(rel.source) is not None}
            grouped: dict[Any, list[dict[str, Any]]] = {}
            if keys:
                target = get_type(rel.target)
                q = self.many_queries[rel.name]
                df = q.read(
                    conn, where=target.model.__table__.c[rel.target_fk].in_(sorted(keys)), today=today
                )
                if rel.order_by != "id" and rel.order_by in df.columns:
                    df = df.sort_values([rel.order_by], kind="stable")
                for rec in _records(df).values():
                    grouped.setdefault(rec[rel.target_fk], []).append(rec)
            children[rel.name] = grouped
        out: dict[int, dict[str, Any]] = {}
        one_names = {r.name for r in t.one}
        split: dict[str, tuple[str | None, str]] = {}
        for key in next(iter(rows.values()), {}):
            prefix, dot, name = key.partition(".")
            split[key] = (prefix, name) if dot and prefix in one_names else (None, key)
        for oid, row in rows.items():
            own: dict[str, Any] = {}
            ctx: dict[str, Any] = {}
            related: dict[str, dict[str, Any]] = {r.name: {} for r in t.one}
            for key, value in row.items():
                prefix_, name = split[key]
                if prefix_ is None:
                    own[name] = value
                else:
                    related[prefix_][name] = value
            for one in t.one:
                sub = related[one.name]
                ctx[one.name] = sub if sub.get("id") is not None else None
            for rel in t.many:
                items = children[rel.name].get(row.get(rel.source), [])
                own[rel.name] = items
                ctx[rel.name] = items
            if t.name == "invoice":
                own["vat_summary"] = _vat_summary(own.get("lines", []))
            ctx[t.root] = own
            out[oid] = ctx
        return out

    def iterate(
        self,
        conn: Connection,
        ids: Iterable[int],
        today: dt.date,
        chunk_size: int = CHUNK_SIZE,
        missing: str = "raise",
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(id, context) pairs in the order of ``ids``, chunk by chunk.

        Args:
            missing: "raise" (ObjectNotFoundError naming the ids) or "skip".
        """
        batch: list[int] = []
        for oid in ids:
            batch.append(int(oid))
            if len(batch) >= chunk_size:
                yield from self._emit(conn, batch, today, missing)
                batch = []
        if batch:
            yield from self._emit(conn, batch, today, missing)

    def _emit(
        self, conn: Connection, batch: list[int], today: dt.date, missing: str
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        found = self.chunk(conn, batch, today)
        absent = [i for i in batch if i not in found]
        if absent and missing == "raise":
            shown = ", ".join(map(str, absent[:10])) + (" ..." if len(absent) > 10 else "")
            raise ObjectNotFoundError(f"no {self.type.name} with id {shown}")
        for oid in batch:
            if oid in found:
                yield oid, found[oid]


__all__ = ["CHUNK_SIZE", "CONTEXT_EXTRAS", "ContextBuilder"]
