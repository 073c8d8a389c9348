"""Preview over many objects: columns, one bad record never fails the batch, chunking, diff."""

from __future__ import annotations

import pandas as pd
import pytest

from atomcomm import Workspace
from atomcomm.templates.preview import EMAIL_COLUMNS, SMS_COLUMNS, needed_lists
from atomcomm.templates.registry import TemplateRegistry
from tests.templates.conftest import WriteTemplate, simple

from ..conftest import REPO

NO_CONTACT = 5


def test_sms_preview_columns(ws: Workspace) -> None:
    frame = ws.erp.frame("invoice", where={"status": "overdue"}, limit=20)
    df = ws.preview("invoice/payment_reminder.sms", frame)
    assert list(df.columns) == SMS_COLUMNS
    assert df.index.name == "id" and list(df.index) == list(frame.index)
    assert df["error"].isna().all()
    one = ws.render("invoice/payment_reminder.sms", int(frame.index[0]))
    row = df.iloc[0]
    assert one.sms is not None
    assert (row["text"], row["units"], row["parts"], row["encoding"]) == (
        one.text,
        one.sms.units,
        one.sms.parts,
        one.sms.encoding,
    )
    assert (df["length"] == df["text"].str.len()).all()


def test_email_preview_columns(ws: Workspace) -> None:
    df = ws.preview("invoice/payment_reminder.email", [9, 12])
    assert list(df.columns) == EMAIL_COLUMNS
    assert df.loc[9, "subject"] == "Przypomnienie o płatności – faktura FV/2025/06/0009"
    assert df.loc[12, "html"].startswith("<!DOCTYPE html>")


def test_unsupported_characters_column(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "Zażółć {{ invoice.number }}", channel="sms"))
    df = reg.preview("invoice/a.sms", [42])
    assert (df.loc[42, "encoding"], df.loc[42, "unsupported"]) == ("UCS-2", "żółć")


def test_one_bad_record_does_not_fail_the_batch(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "{{ buyer_contact.first_name }}", channel="sms"))
    df = reg.preview("invoice/a.sms", [42, NO_CONTACT, 999_999, 9])
    assert list(df.index) == [42, NO_CONTACT, 999_999, 9]
    assert df.loc[42, "text"] == "Krystyna" and pd.isna(df.loc[42, "error"])
    assert "buyer_contact.first_name is undefined" in df.loc[NO_CONTACT, "error"]
    assert df.loc[NO_CONTACT, "error"].startswith(
        "invoice/a.sms:6:3 (sms):"
    )  # line 6: after 5 lines of front matter
    assert df.loc[999_999, "error"] == "no invoice with id 999999"
    assert pd.isna(df.loc[NO_CONTACT, "text"]) and pd.isna(df.loc[9, "error"])


def test_errors_first_and_columns(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "{{ buyer_contact.first_name }}", channel="sms"))
    df = reg.preview("invoice/a.sms", [42, NO_CONTACT, 9], columns=["parts", "error"], errors_first=True)
    assert list(df.columns) == ["parts", "error"]
    assert list(df.index) == [NO_CONTACT, 42, 9]
    with pytest.raises(ValueError, match="unknown preview column"):
        reg.preview("invoice/a.sms", [42], columns=["html"])


def test_chunks_give_the_same_result(ws: Workspace) -> None:
    ids = list(range(1, 60))
    whole = ws.preview("invoice/payment_reminder.sms", ids)
    chunked = ws.preview("invoice/payment_reminder.sms", ids, chunk_size=7)
    pd.testing.assert_frame_equal(whole, chunked)


def test_accepts_series_range_and_one_id(ws: Workspace) -> None:
    a = ws.preview("invoice/payment_reminder.sms", pd.Series([3, 4]))
    b = ws.preview("invoice/payment_reminder.sms", range(3, 5))
    pd.testing.assert_frame_equal(a, b)
    assert list(ws.preview("invoice/payment_reminder.sms", 3).index) == [3]


SHIPPED_TEMPLATES = sorted(
    str(p.relative_to(REPO / "templates")).removesuffix(".liquid")
    for p in (REPO / "templates").glob("[!_]*/*.liquid")
    if p.parent.name not in ("prints", "attachments")
)


@pytest.mark.parametrize("name", SHIPPED_TEMPLATES)
def test_narrow_contexts_match_full_render(ws: Workspace, name: str) -> None:
    """Preview reads only the lists and columns a template uses; the output must equal a full render."""
    info = ws.templates.info(name)
    object_type = info.object_types[0]
    ids = [int(i) for i in ws.erp.frame(object_type, columns=[], limit=40).index]
    df = ws.preview(name, ids, object_type)
    for oid in ids:
        r = ws.templates.render(name, oid, object_type)
        row = df.loc[oid]
        assert row["error"] is None or pd.isna(row["error"])
        assert row["text"] == r.text
        if info.channel == "email":
            assert (row["subject"], row["html"]) == (r.subject, r.html)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("{{ invoice.number }} {{ invoice.status }}", {"number", "status"}, id="own-fields"),
        pytest.param("{{ buyer.name }}", {"buyer.id", "buyer.name"}, id="relation-field"),
        pytest.param("{% if buyer_contact %}x{% endif %}", "all buyer_contact", id="relation-whole"),
        pytest.param("{% render '_partials/greeting', person: buyer_contact %}", "all buyer_contact",
                     id="relation-passed-to-partial"),
        pytest.param("{% assign i = invoice %}{{ i.number }}", None, id="object-passed-on"),
    ],
)  # fmt: skip
def test_needed_columns(
    reg: TemplateRegistry, write: WriteTemplate, body: str, expected: set[str] | str | None
) -> None:
    from atomcomm.erp.types import get_type
    from atomcomm.templates.preview import needed_columns

    write("invoice/a.sms", simple(None, body, channel="sms"))
    found = needed_columns([reg.get("invoice/a.sms")], "invoice")
    if isinstance(expected, str):
        assert found is not None
        assert {f"buyer_contact.{f.name}" for f in get_type("contact").fields} <= found
    else:
        assert found == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("{{ invoice.number }}", frozenset(), id="no-lists"),
        pytest.param("{% for l in invoice.lines %}{{ l.unit }}{% endfor %}", frozenset({"lines"}), id="root-list"),
        pytest.param("{{ payments.size }}", frozenset({"payments"}), id="top-level-list"),
        pytest.param("{% for r in invoice.vat_summary %}{{ r.rate }}{% endfor %}", frozenset({"lines"}),
                     id="derived-from-lines"),
        pytest.param("{% assign i = invoice %}{{ i.lines.size }}", None, id="whole-object-passed-on"),
    ],
)  # fmt: skip
def test_needed_lists(
    reg: TemplateRegistry, write: WriteTemplate, body: str, expected: frozenset[str] | None
) -> None:
    write("invoice/a.sms", simple(None, body, channel="sms"))
    assert needed_lists([reg.get("invoice/a.sms")], "invoice") == expected


def test_preview_diff(reg: TemplateRegistry, write: WriteTemplate) -> None:
    write("invoice/a.sms", simple(None, "FV {{ invoice.number }}: {{ invoice.status }}", channel="sms"))
    write("invoice/b.sms", simple(None, "FV {{ invoice.number }}: {% if invoice.status == 'paid' %}OK{% else %}{{ invoice.status }}{% endif %}", channel="sms"))  # fmt: skip
    frame = reg.erp.frame("invoice", limit=30) if reg.erp is not None else None
    assert frame is not None
    diff = reg.preview_diff("invoice/a.sms", "invoice/b.sms", frame)
    paid = frame.index[frame["status"] == "paid"]
    assert list(diff.index) == list(paid) and len(diff) > 0
    first = diff.iloc[0]
    assert first["changed"] == "text"
    assert "--- invoice/a.sms" in first["diff"] and "+++ invoice/b.sms" in first["diff"]
    assert "-FV " in first["diff"] and ": paid" in first["diff"] and ": OK" in first["diff"]


def test_preview_diff_of_identical_templates_is_empty(ws: Workspace) -> None:
    name = "invoice/payment_reminder.sms"
    assert ws.preview_diff(name, name, range(1, 20)).empty


def test_progress_bar_on_request(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws.preview("invoice/payment_reminder.sms", range(1, 30), progress=True)
    assert "invoice/payment_reminder.sms" in capsys.readouterr().err
