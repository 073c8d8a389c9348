"""ErpService: the ``ws.erp`` face of the ERP database (types, frames, contexts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from atomcomm.erp.contexts import CHUNK_SIZE, ContextBuilder
from atomcomm.erp.frames import FrameQuery, Where, available_columns, with_null_as_none
from atomcomm.erp.types import ObjectType, get_type, object_types
from atomcomm.errors import ErpError, ObjectNotFoundError


@cache
def _frame_query(
    type_name: str, columns: tuple[str, ...] | None, related: bool, filter_keys: tuple[str, ...] = ()
) -> FrameQuery:
    return FrameQuery(get_type(type_name), columns, related, filter_keys)


@cache
def _context_builder(type_name: str) -> ContextBuilder:
    return ContextBuilder(get_type(type_name))


class ErpService:
    """ERP objects as DataFrames and as nested template contexts.

    Args:
        engine: the ERP database.
        today: the reference day for computed fields (days overdue, status); None = the real today.
    """

    def __init__(self, engine: Engine, today: dt.date | None = None) -> None:
        self.engine = engine
        self._today = today

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def types(self) -> list[str]:
        """Names of the object types, sorted."""
        return object_types()

    def type(self, name: str) -> ObjectType:
        """The registry entry of a type (fields, relations, roles, prints)."""
        return get_type(name)

    def columns(self, object_type: str) -> list[str]:
        """Every column a frame of the type can have."""
        return available_columns(get_type(object_type))

    def frame(
        self,
        object_type: str,
        where: Where = None,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Objects of a type as a DataFrame indexed by id, with flattened related columns.

        Args:
            object_type: e.g. "invoice".
            where: a SQLAlchemy expression on the models (``Invoice.due_date < d``) or a dict of equality
                filters on frame columns (``{"status": "overdue", "buyer.city": "Kraków"}``; a list value
                means "any of").
            columns: the columns to return (default: all, see :meth:`columns`).
            limit: at most this many rows, in id order.
        """
        keys = tuple(sorted(where)) if isinstance(where, Mapping) and columns is not None else ()
        q = _frame_query(object_type, tuple(columns) if columns is not None else None, True, keys)
        try:
            with self.engine.connect() as conn:
                return q.read(conn, where=where, limit=limit, today=self.today)
        except SQLAlchemyError as err:
            raise ErpError(f"reading {object_type} failed: {err.__class__.__name__}: {err}") from err

    def frame_sql(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The analysts' escape hatch: any SELECT, NULL as None (``:name`` placeholders)."""
        try:
            with self.engine.connect() as conn:
                df = pd.read_sql(text(sql), conn, params=dict(params or {}), coerce_float=False)
        except (SQLAlchemyError, pd.errors.DatabaseError) as err:
            cause = getattr(err, "orig", None) or err.__cause__ or err
            raise ErpError(f"query failed: {cause}\n  SQL: {sql.strip()[:300]}") from err
        return with_null_as_none(df)

    def context(self, object_type: str, object_id: int) -> dict[str, Any]:
        """The nested Liquid context of one object.

        Raises:
            ObjectNotFoundError: no such object.
        """
        for _oid, ctx in self.contexts(object_type, [object_id]):
            return ctx
        raise ObjectNotFoundError(f"no {object_type} with id {object_id}")  # pragma: no cover - raised above

    def contexts(
        self,
        object_type: str,
        ids: Iterable[int],
        chunk_size: int = CHUNK_SIZE,
        missing: str = "raise",
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(id, context) pairs for many objects, built chunk by chunk with a constant number of queries.

        Args:
            missing: "raise" an ObjectNotFoundError for ids that do not exist, or "skip" them.
        """
        builder = _context_builder(object_type)
        with self.engine.connect() as conn:
            yield from builder.iterate(conn, ids, self.today, chunk_size, missing)

    def exists(self, object_type: str, object_id: int) -> bool:
        t = get_type(object_type)
        with self.engine.connect() as conn:
            row = conn.execute(
                text(f"SELECT 1 FROM {t.table} WHERE id = :id"), {"id": int(object_id)}
            ).first()
        return row is not None

    def describe(self, object_type: str | None = None) -> list[dict[str, Any]]:
        """Types with their fields and related names (for ``atomcomm types``)."""
        out = []
        for name in [object_type] if object_type else object_types():
            t = get_type(name)
            out.append(
                {
                    "type": t.name,
                    "root": t.root,
                    "label": t.label_pl,
                    "fields": [
                        {"name": f.name, "kind": f.kind, "label": f.label_pl, "computed": f.computed}
                        for f in t.fields
                    ],
                    "one": {r.name: r.target for r in t.one},
                    "many": {r.name: r.target for r in t.many},
                    "roles": [r.name for r in t.roles],
                    "prints": list(t.prints),
                }
            )
        return out
