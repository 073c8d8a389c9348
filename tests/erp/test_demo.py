"""Demo data: deterministic, Polish, valid identifiers, safe addresses."""

from __future__ import annotations

import datetime as dt
import random
import re

import phonenumbers
import pytest

from atomcomm import Workspace
from atomcomm.db import make_engine
from atomcomm.erp.demo import DemoVolumes, create_demo, is_valid_nip, make_iban, make_nip

from ..conftest import TODAY

SMALL = DemoVolumes(companies=30, contacts=60, employees=5, invoices=300, contracts=20, transport_orders=40,
                    resources=10, documents=10)  # fmt: skip


@pytest.mark.parametrize(
    ("nip", "valid"),
    [
        ("5260250274", True),
        ("5260250275", False),
        ("526025027", False),
        ("526-025-02-74", True),
        ("abcdefghij", False),
    ],
    ids=["valid", "bad-checksum", "too-short", "dashes", "letters"],
)
def test_nip_checksum(nip: str, valid: bool) -> None:
    assert is_valid_nip(nip) is valid


def test_generated_identifiers_are_valid() -> None:
    rng = random.Random(1)
    for _ in range(500):
        assert is_valid_nip(make_nip(rng))
        iban = make_iban(rng)
        assert len(iban) == 28 and int(iban[4:] + "2521" + iban[2:4]) % 97 == 1


def test_companies_contacts_and_employees(ws: Workspace) -> None:
    companies = ws.erp.frame("company")
    assert len(companies) == 200
    assert all(is_valid_nip(n) for n in companies["nip"])
    emails = [e for e in ws.erp.frame("contact")["email"] if e] + [e for e in companies["email"] if e]
    assert all(re.search(r"\.example\.(pl|com|org)$", e) for e in emails)
    contacts = ws.erp.frame("contact")
    assert len(contacts) == 600
    mobiles = [m for m in contacts["mobile"] if m]
    kinds = [phonenumbers.number_type(phonenumbers.parse(m)) for m in mobiles]
    mobile_share = sum(k == phonenumbers.PhoneNumberType.MOBILE for k in kinds) / len(kinds)
    assert 0.9 < mobile_share < 1.0  # a few landlines on purpose: suggestions must reject them
    assert any("ł" in n or "ż" in n or "ś" in n for n in contacts["last_name"])
    assert len(ws.erp.frame("employee")) == 25
    assert {"anowak", "pkowalski"} <= set(ws.erp.frame("employee")["login"])


def test_default_volumes(ws: Workspace) -> None:
    counts = {t: len(ws.erp.frame(t, columns=[])) for t in ws.erp.types()}
    assert counts == {
        "company": 200, "contact": 600, "contract": 300, "document": 100, "employee": 25,
        "invoice": 5000, "resource": 150, "transport_order": 800,
    }  # fmt: skip
    status = ws.erp.frame("invoice", columns=["status"])["status"].value_counts()
    assert 0.05 < status["overdue"] / 5000 < 0.3
    paid = ws.erp.frame("invoice", columns=["amount_paid", "amount_due"])
    partly = paid[(paid["amount_paid"] > 0) & (paid["amount_due"] > 0)]
    assert len(partly) > 50


def test_same_seed_same_data_and_other_seed_differs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dumps = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite")
        create_demo(engine, seed=seed, today=TODAY, volumes=SMALL)
        with engine.connect() as conn:
            dumps.append(conn.exec_driver_sql("SELECT * FROM invoices ORDER BY id").fetchall()
                         + conn.exec_driver_sql("SELECT * FROM contacts ORDER BY id").fetchall())  # fmt: skip
        engine.dispose()
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


def test_scale_multiplies_volume_objects_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'scaled.sqlite'}")
    counts = create_demo(engine, seed=1, today=TODAY, volumes=SMALL, scale=3)
    assert counts["invoices"] == 900 and counts["transport_orders"] == 120 and counts["contracts"] == 60
    assert counts["companies"] == 30 and counts["contacts"] == 60
    engine.dispose()


def test_dates_are_relative_to_the_reference_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'd.sqlite'}")
    create_demo(engine, seed=1, today=dt.date(2030, 1, 15), volumes=SMALL)
    with engine.connect() as conn:
        newest = conn.exec_driver_sql("SELECT MAX(issue_date) FROM invoices").scalar_one()
    assert str(newest) <= "2030-01-15" and str(newest) >= "2029-12-01"
    engine.dispose()
