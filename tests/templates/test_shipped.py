"""Every shipped template validates clean and renders for the first 200 objects of its type."""

from __future__ import annotations

import pytest

from atomcomm import Workspace
from atomcomm.templates.files import path_of
from tests.templates.conftest import SHIPPED

EXPECTED = {
    "contact/newsletter.email": ("marketing", ["attachments/broszura.pdf"], []),
    "contact/sms_promotion.sms": ("marketing", [], []),
    "contract/renewal_notice.email": ("transactional", [], []),
    "invoice/invoice_sending.email": ("transactional", ["attachments/windykacja.pdf"], ["invoice"]),
    "invoice/payment_reminder.email": ("transactional", [], ["invoice"]),
    "invoice/payment_reminder.sms": ("transactional", [], []),
    "transport_order/business_trip_transfer.email": ("transactional", [], []),
    "transport_order/business_trip_transfer.sms": ("transactional", [], []),
    "transport_order/transport_request.email": ("transactional", ["attachments/warunki_przewozu.pdf"],
                                                ["transport_order"]),
}  # fmt: skip


def test_the_shipped_list(ws: Workspace) -> None:
    infos = {i.name: i for i in ws.templates.list()}
    assert set(infos) == set(EXPECTED)
    assert ws.templates.broken() == {}
    for name, (kind, files, prints) in EXPECTED.items():
        info = infos[name]
        assert (info.kind, info.attachments.files, info.attachments.prints) == (kind, files, prints), name
        assert info.title and info.description and info.recipients and info.language == "pl"
        if info.channel == "email":
            assert info.subject
        else:
            assert info.transliterate in ("auto", "yes") and info.max_parts <= 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validates_clean(ws: Workspace, name: str) -> None:
    problems = ws.templates.validate(name)
    assert [p for p in problems if p.severity == "error"] == []
    # Only the fixed PDFs may be absent: the prints package produces them under templates/attachments/.
    for p in problems:
        assert p.code == "missing_file", str(p)
        assert not (SHIPPED / p.message.split("'")[1]).exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_renders_first_200_objects(ws: Workspace, name: str) -> None:
    object_type = ws.templates.info(name).object_types[0]
    ids = ws.erp.frame(object_type, columns=["id"], limit=200).index
    df = ws.preview(name, ids)
    assert len(df) == len(ids)
    assert df["error"].isna().all(), df["error"].dropna().head().tolist()
    assert (df["length"] > 50).all()
    if "parts" in df.columns:
        assert (df["encoding"] == "GSM-7").all() and (df["parts"] <= ws.templates.info(name).max_parts).all()
    if "subject" in df.columns:
        assert df["subject"].str.len().between(10, 200).all()
        assert not df["html"].str.contains("<script", regex=False).any()


def test_business_trip_templates_on_business_trips(ws: Workspace) -> None:
    trips = ws.erp.frame("transport_order", where={"kind": "business_trip"})
    sms = ws.preview("transport_order/business_trip_transfer.sms", trips)
    email = ws.preview("transport_order/business_trip_transfer.email", trips)
    assert sms["error"].isna().all() and email["error"].isna().all()
    oid = int(trips.index[0])
    order = ws.erp.context("transport_order", oid)["order"]
    assert order["number"] in sms.loc[oid, "text"]
    assert "Podroz sluzbowa" in sms.loc[oid, "text"]  # transliterated: it saves a part
    assert order["number"] in email.loc[oid, "text"] and "Dzień dobry," in email.loc[oid, "text"]


def test_reminder_texts(ws: Workspace) -> None:
    overdue = ws.erp.frame("invoice", where={"status": "overdue"}, limit=50)
    df = ws.preview("invoice/payment_reminder.email", overdue)
    for oid, row in df.iterrows():
        days = int(overdue.loc[oid, "days_overdue"])
        assert f"opóźniona o {days} " in row["text"]
        assert "słownie:" in row["text"]


def test_files_are_utf8_with_front_matter() -> None:
    for name in EXPECTED:
        data = path_of(name, SHIPPED).read_bytes()
        assert data.startswith(b"---\n") and data.decode("utf-8")
        assert b"example." in data or b"@" not in data  # addresses only from example domains
