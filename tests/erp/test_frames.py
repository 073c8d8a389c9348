"""Frames: DataFrames of ERP objects, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from atomcomm import Workspace
from atomcomm.erp.models import Invoice
from atomcomm.errors import ErpError, UnknownFieldError, UnknownObjectTypeError

from ..conftest import TODAY

EXPECTED_TYPES = [
    "company",
    "contact",
    "contract",
    "document",
    "employee",
    "invoice",
    "resource",
    "transport_order",
]


def test_types_are_listed(any_ws: Workspace) -> None:
    assert any_ws.erp.types() == EXPECTED_TYPES


@pytest.mark.parametrize("object_type", EXPECTED_TYPES)
def test_every_type_has_a_frame_indexed_by_id(any_ws: Workspace, object_type: str) -> None:
    df = any_ws.erp.frame(object_type, limit=20)
    assert len(df) == 20
    assert df.index.name == "id"
    assert df.index.is_unique and df.index.is_monotonic_increasing
    for rel in any_ws.erp.type(object_type).one:
        assert any(c.startswith(f"{rel.name}.") for c in df.columns), rel.name


def test_invoice_frame_flattens_parties_and_keeps_money_decimal(any_ws: Workspace) -> None:
    df = any_ws.erp.frame("invoice")
    assert len(df) == 5000
    for col in ("number", "buyer.name", "buyer.nip", "seller.name", "buyer_contact.email", "amount_due"):
        assert col in df.columns
    assert all(isinstance(v, Decimal) for v in df["gross_total"].head(50))
    assert all(isinstance(v, Decimal) for v in df["amount_due"].head(50))
    assert all(isinstance(v, dt.date) for v in df["due_date"].head(50))
    # amount due is gross minus the payments, never negative in the demo
    row = df.iloc[0]
    assert row["amount_due"] == row["gross_total"] - row["amount_paid"]
    assert (df["amount_due"] >= 0).all()
    assert set(df["status"]) == {"draft", "issued", "paid", "overdue"}


def test_null_is_none_not_nan(any_ws: Workspace) -> None:
    df = any_ws.erp.frame("invoice", columns=["number", "notes", "buyer_contact_id", "buyer_contact.email"])
    notes = df["notes"]
    assert notes.isna().any()
    assert all(v is None or isinstance(v, str) for v in notes)
    missing = df[df["buyer_contact_id"].isna()]
    assert len(missing) > 0
    assert all(v is None for v in missing["buyer_contact_id"])
    assert all(v is None for v in missing["buyer_contact.email"])
    present = df["buyer_contact_id"].dropna()
    assert all(isinstance(v, int) for v in present)


def test_overdue_status_and_days(any_ws: Workspace) -> None:
    df = any_ws.erp.frame(
        "invoice", where={"status": "overdue"}, columns=["due_date", "amount_due", "days_overdue"]
    )
    assert len(df) > 100
    assert all(d < TODAY for d in df["due_date"])
    assert all(a > 0 for a in df["amount_due"])
    assert all(days == (TODAY - d).days for days, d in zip(df["days_overdue"], df["due_date"], strict=True))
    assert list(df.columns) == ["due_date", "amount_due", "days_overdue"]


def test_where_takes_sqlalchemy_expressions_and_dicts(any_ws: Workspace) -> None:
    cutoff = TODAY - dt.timedelta(days=30)
    by_expr = any_ws.erp.frame("invoice", where=Invoice.due_date < cutoff, columns=["due_date"])
    assert len(by_expr) > 0 and all(d < cutoff for d in by_expr["due_date"])
    buyer = int(any_ws.erp.frame("invoice", limit=1)["buyer_id"].iloc[0])
    by_dict = any_ws.erp.frame("invoice", where={"buyer_id": buyer}, columns=["buyer_id", "buyer.name"])
    assert len(by_dict) > 0 and set(by_dict["buyer_id"]) == {buyer}
    city = by_dict["buyer.name"].iloc[0]
    by_related = any_ws.erp.frame("invoice", where={"buyer.name": city}, columns=["buyer_id"])
    assert set(by_related["buyer_id"]) == {buyer}
    any_of = any_ws.erp.frame("invoice", where={"status": ["paid", "draft"]}, columns=["status"])
    assert set(any_of["status"]) == {"paid", "draft"}


def test_limit_applies_after_computed_filters(any_ws: Workspace) -> None:
    df = any_ws.erp.frame("invoice", where={"status": "overdue"}, columns=["status"], limit=7)
    assert len(df) == 7 and set(df["status"]) == {"overdue"}


@pytest.mark.parametrize(
    ("call", "error", "hint"),
    [
        (lambda e: e.frame("invoices"), UnknownObjectTypeError, "did you mean 'invoice'"),
        (lambda e: e.frame("invoice", columns=["numer"]), UnknownFieldError, "did you mean 'number'"),
        (
            lambda e: e.frame("invoice", where={"buyer.nipp": "1"}),
            UnknownFieldError,
            "did you mean 'buyer.nip'",
        ),
        (lambda e: e.context("invoice", 999_999), ErpError, "999999"),
        (lambda e: e.frame_sql("SELECT * FROM no_such_table"), ErpError, "no_such_table"),
    ],
    ids=["unknown-type", "unknown-column", "unknown-filter", "missing-id", "bad-sql"],
)
def test_bad_input_names_what_is_wrong(ws: Workspace, call, error, hint) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        call(ws.erp)
    assert hint in str(info.value)


def test_frame_sql_escape_hatch(any_ws: Workspace) -> None:
    df = any_ws.erp.frame_sql(
        "SELECT c.id, c.name, c.email FROM companies c WHERE c.id <= :n ORDER BY c.id", {"n": 30}
    )
    assert list(df["id"]) == list(range(1, 31))
    assert all(v is None or isinstance(v, str) for v in df["email"])


def test_same_seed_same_data_on_sqlite_and_postgres(demo_sqlite_url: str, demo_pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ..conftest import write_workspace

    frames = []
    for name, url in (("lite", demo_sqlite_url), ("pg", demo_pg_url)):
        w = Workspace.open(write_workspace(tmp_path / name, url), today=TODAY, environ={})
        frames.append({t: w.erp.frame(t) for t in ("invoice", "contact", "transport_order")})
        w.close()
    for t in frames[0]:
        pd.testing.assert_frame_equal(frames[0][t], frames[1][t], check_dtype=False)
