"""Contexts: nested dicts for Liquid, built many at once with a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from atomcomm import Workspace
from atomcomm.erp.models import invoice_totals
from atomcomm.errors import ObjectNotFoundError

NAMES = {
    "invoice": {"invoice", "seller", "buyer", "buyer_contact", "lines", "payments"},
    "transport_order": {"order", "shipper", "carrier", "carrier_contact", "consignee", "employee"},
    "contract": {"contract", "company", "counterparty", "counterparty_contact", "manager"},
    "contact": {"contact", "company"},
    "employee": {"employee"},
    "company": {"company", "contacts"},
    "resource": {"resource", "employee"},
    "document": {"document", "company", "employee"},
}


@pytest.mark.parametrize("object_type", sorted(NAMES))
def test_context_has_the_stable_names(any_ws: Workspace, object_type: str) -> None:
    oid = int(any_ws.erp.frame(object_type, limit=1).index[0])
    ctx = any_ws.erp.context(object_type, oid)
    assert NAMES[object_type] <= set(ctx)
    root = any_ws.erp.type(object_type).root
    assert ctx[root]["id"] == oid


def test_invoice_context_lines_totals_and_parties(any_ws: Workspace) -> None:
    df = any_ws.erp.frame("invoice", where={"status": "overdue"}, limit=1)
    oid = int(df.index[0])
    ctx = any_ws.erp.context("invoice", oid)
    inv = ctx["invoice"]
    assert inv["number"] == df.loc[oid, "number"]
    assert ctx["buyer"]["name"] == df.loc[oid, "buyer.name"]
    assert ctx["seller"]["is_own"] is True
    assert ctx["lines"] and ctx["lines"] is inv["lines"]
    assert [line["position"] for line in ctx["lines"]] == sorted(line["position"] for line in ctx["lines"])
    net, vat, gross = invoice_totals(ctx["lines"])
    assert (inv["net_total"], inv["vat_total"], inv["gross_total"]) == (net, vat, gross)
    assert sum((s["gross"] for s in inv["vat_summary"]), Decimal("0")) == gross
    paid = sum((p["amount"] for p in ctx["payments"]), Decimal("0.00"))
    assert inv["amount_due"] == gross - paid > 0
    assert inv["days_overdue"] > 0 and inv["status"] == "overdue"
    assert all(c["company_id"] == ctx["buyer"]["id"] for c in ctx["buyer_contacts"])


def test_missing_optional_party_is_none(ws: Workspace) -> None:
    df = ws.erp.frame("invoice", columns=["buyer_contact_id"])
    oid = int(df[df["buyer_contact_id"].isna()].index[0])
    assert ws.erp.context("invoice", oid)["buyer_contact"] is None


def test_contexts_keep_order_and_match_single_contexts(ws: Workspace) -> None:
    ids = [17, 3, 250, 4999, 42]
    many = list(ws.erp.contexts("invoice", ids, chunk_size=2))
    assert [i for i, _ in many] == ids
    for oid, ctx in many:
        assert ctx == ws.erp.context("invoice", oid)


def test_missing_ids_raise_or_are_skipped(ws: Workspace) -> None:
    with pytest.raises(ObjectNotFoundError, match="123456"):
        list(ws.erp.contexts("invoice", [1, 123456]))
    assert [i for i, _ in ws.erp.contexts("invoice", [1, 123456, 2], missing="skip")] == [1, 2]


def _count_statements(ws: Workspace, object_type: str, ids: list[int], chunk: int) -> int:
    count = 0

    def before(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(ws.engine, "before_cursor_execute", before)
    try:
        n = sum(1 for _ in ws.erp.contexts(object_type, ids, chunk_size=chunk))
    finally:
        event.remove(ws.engine, "before_cursor_execute", before)
    assert n == len(ids)
    return count


@pytest.mark.parametrize("object_type", ["invoice", "transport_order", "company"])
def test_statement_count_does_not_grow_with_objects_per_chunk(ws: Workspace, object_type: str) -> None:
    ids = [int(i) for i in ws.erp.frame(object_type, columns=[], limit=400).index]
    few = _count_statements(ws, object_type, ids[:10], chunk=400)
    many = _count_statements(ws, object_type, ids, chunk=400)
    assert few == many
    assert many <= 1 + len(ws.erp.type(object_type).many)
    # chunking multiplies statements by the number of chunks, not by the number of objects
    chunks = -(-len(ids) // 100)
    assert chunks >= 2
    assert _count_statements(ws, object_type, ids, chunk=100) == chunks * many
