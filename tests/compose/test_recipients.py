"""Recipient suggestions from the parties of every object type, and typed recipients."""

from __future__ import annotations

import pytest

from atomcomm import Workspace
from atomcomm.compose.recipients import by_roles, suggest, typed
from atomcomm.errors import AddressError

EXPECTED_FIRST_ROLES = {
    "invoice": ["buyer_contact", "buyer_billing", "buyer", "seller_contact", "seller"],
    "transport_order": ["carrier_contact", "carrier", "shipper", "consignee", "employee"],
    "contract": ["counterparty_contact", "counterparty_contacts", "counterparty", "manager"],
    "contact": ["contact", "company"],
    "employee": ["employee"],
    "resource": ["employee"],
    "document": ["company_contacts", "company", "employee"],
    "company": ["billing", "management", "sales", "logistics", "contacts", "company"],
}


def _roles_in_order(recipients: list) -> list[str]:  # type: ignore[type-arg]
    out: list[str] = []
    for r in recipients:
        if r.role not in out:
            out.append(r.role)
    return out


@pytest.mark.parametrize("object_type", sorted(EXPECTED_FIRST_ROLES))
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_suggestions_follow_the_role_order(ws: Workspace, object_type: str, channel: str) -> None:
    ids = [int(i) for i in ws.erp.frame(object_type, columns=[], limit=30).index]
    seen_roles: set[str] = set()
    for oid in ids:
        found = suggest(ws.erp, object_type, oid, channel)
        order = _roles_in_order(found)
        expected = [r for r in EXPECTED_FIRST_ROLES[object_type] if r in order]
        assert order == expected, (oid, order)
        seen_roles.update(order)
        selectable = [r for r in found if r.selectable]
        assert len({r.address for r in selectable}) == len(selectable)  # one entry per address
        for r in found:
            assert r.source == "suggested" and r.label
            if r.selectable:
                assert r.reason == ""
                assert ("@" in r.address) if channel == "email" else r.address.startswith("+")
            else:
                assert r.reason
    assert seen_roles  # every type suggests somebody


def test_invoice_suggestions_name_the_parties(ws: Workspace) -> None:
    oid = int(ws.erp.frame("invoice", where={"buyer_contact_id": 302}, columns=[], limit=1).index[0])
    ctx = ws.erp.context("invoice", oid)
    found = suggest(ws.erp, "invoice", oid, "email")
    first = found[0]
    assert first.role == "buyer_contact" and first.party_type == "contact" and first.party_id == 302
    assert first.name == ctx["buyer_contact"]["full_name"]
    assert first.address == ctx["buyer_contact"]["email"]
    buyer = next(r for r in found if r.role == "buyer")
    assert buyer.name == ctx["buyer"]["name"] and buyer.party_id == ctx["buyer"]["id"]
    billing = [r for r in found if r.role == "buyer_billing"]
    assert all(
        "billing" in c["tags"] for c in ctx["buyer_contacts"] if c["email"] in {b.address for b in billing}
    )


def test_invalid_stored_values_are_listed_but_not_selectable(ws: Workspace) -> None:
    contacts = ws.erp.frame("contact", columns=["email", "mobile"])
    bad_email = int(contacts[contacts["email"].fillna("").str.contains(r"\(at\)")].index[0])
    landline = int(contacts[contacts["mobile"].fillna("").str.startswith("+4822")].index[0])
    [r] = [x for x in suggest(ws.erp, "contact", bad_email, "email") if x.role == "contact"]
    assert not r.selectable and "not a valid e-mail address" in r.reason
    [s] = [x for x in suggest(ws.erp, "contact", landline, "sms") if x.role == "contact"]
    assert not s.selectable and "fixed-line" in s.reason


def test_template_roles_pick_defaults(ws: Workspace) -> None:
    found = suggest(ws.erp, "invoice", 42, "email")
    picked = by_roles(found, ["buyer_contact", "buyer"])
    assert [r.role for r in picked] == [r.role for r in found if r.role in ("buyer_contact", "buyer")][
        : len(picked)
    ]
    assert all(r.selectable for r in picked)
    assert by_roles(found, ["no_such_role"]) == [next(r for r in found if r.selectable)]


@pytest.mark.parametrize(
    ("value", "channel", "address"),
    [
        ("Jan Kowalski <jan.kowalski@example.pl>", "email", "jan.kowalski@example.pl"),
        ("biuro@żółw.example.pl", "email", "biuro@żółw.example.pl"),
        ("600 100 200", "sms", "+48600100200"),
        ("+48 (500) 100-200", "sms", "+48500100200"),
    ],
    ids=["name-and-address", "idn-domain", "national-number", "formatted"],
)
def test_typed_valid(value: str, channel: str, address: str) -> None:
    r = typed(value, channel)
    assert r.address == address and r.source == "typed" and r.role == "typed"


@pytest.mark.parametrize(
    ("value", "channel", "message"),
    [
        ("jan.kowalski(at)example.pl", "email", "not a valid e-mail address"),
        ("x@example.pl\r\nBcc: y@example.pl", "email", "CR"),
        ("22 123 45 67", "sms", "fixed-line"),
        ("12", "sms", "not"),
        ("", "email", "empty"),
    ],
    ids=["bad-email", "header-injection", "landline", "too-short", "empty"],
)
def test_typed_invalid(value: str, channel: str, message: str) -> None:
    with pytest.raises(Exception) as info:
        typed(value, channel)
    assert isinstance(info.value, AddressError) or "CR" in str(info.value)
    assert message in str(info.value)
