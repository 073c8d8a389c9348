"""The template subcommands of the atomcomm command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.cli import main


def run(ws_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(ws_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_templates(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(demo_workspace_dir, capsys, "templates", "--type", "invoice", "--channel", "email")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["invoice/invoice_sending.email", "invoice/payment_reminder.email"]
    code, out, _ = run(demo_workspace_dir, capsys, "templates", "--json")
    data = json.loads(out)
    assert {d["name"] for d in data} >= {"contact/sms_promotion.sms", "contract/renewal_notice.email"}
    promo = next(d for d in data if d["name"] == "contact/sms_promotion.sms")
    assert promo["kind"] == "marketing" and promo["object_types"] == ["contact"]


def test_validate_ok_and_problems(
    demo_workspace_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(demo_workspace_dir, capsys, "validate", "invoice/payment_reminder.sms")
    assert (code, out.strip()) == (0, "invoice/payment_reminder.sms: OK")
    ws_dir = tmp_path / "ws"
    (ws_dir / "templates" / "invoice").mkdir(parents=True)
    toml = (demo_workspace_dir / "atomcomm.toml").read_text(encoding="utf-8")
    (ws_dir / "atomcomm.toml").write_text(
        toml.split("[templates]")[0] + f'[templates]\npath = "{ws_dir / "templates"}"\n', encoding="utf-8"
    )
    (ws_dir / "templates" / "invoice" / "bad.sms.liquid").write_text(
        "---\nname: Zła\n---\nFV {{ invoice.numer }}", encoding="utf-8"
    )
    code, out, _ = run(ws_dir, capsys, "validate", "invoice/bad.sms")
    assert code == 1
    assert out.splitlines()[0].startswith(
        "invoice/bad.sms:4:6: error: 'invoice' (Faktura) has no field 'numer'"
    )
    assert out.splitlines()[1].strip() == "FV {{ invoice.numer }}"
    code, out, _ = run(ws_dir, capsys, "validate", "invoice/bad.sms", "--json")
    assert json.loads(out)[0]["code"] == "unknown_field"


def test_render(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(demo_workspace_dir, capsys, "render", "invoice/payment_reminder.sms", "--id", "9")
    assert code == 0 and out.startswith("Atom Sp. z o.o.: przypominamy o platnosci faktury FV/2025/06/0009")
    assert "GSM-7" in err
    code, out, _ = run(
        demo_workspace_dir, capsys, "render", "invoice/payment_reminder.email", "--id", "9", "--json"
    )
    data = json.loads(out)
    assert data["subject"] == "Przypomnienie o płatności – faktura FV/2025/06/0009"
    assert data["sms"] is None and data["html"].startswith("<!DOCTYPE html>")
    code, out, _ = run(
        demo_workspace_dir, capsys, "render", "FV {{ invoice.number }}", "--id", "9", "--type", "invoice",
        "--channel", "sms",
    )  # fmt: skip
    assert out.strip() == "FV FV/2025/06/0009"


def test_render_errors(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        demo_workspace_dir,
        capsys,
        "render",
        "invoice/payment_reminder.sms",
        "--id",
        "1",
        "--type",
        "contract",
    )
    assert code == 2 and "serves invoice, not contract" in err


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_preview(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(
        demo_workspace_dir, capsys, "preview", "invoice/payment_reminder.sms", "--where", "status=overdue",
        "--limit", "4", "--format", fmt,
    )  # fmt: skip
    assert code == 0 and "4 rows, 0 with errors" in err
    if fmt == "json":
        rows = json.loads(out)
        assert len(rows) == 4 and {"id", "text", "parts", "encoding", "error"} <= set(rows[0])
    elif fmt == "csv":
        assert out.splitlines()[0] == "id,text,length,encoding,units,parts,unsupported,error"
        assert len(out.splitlines()) == 5
    else:
        assert "GSM-7" in out and "przypominamy" in out


def test_catalogue(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(demo_workspace_dir, capsys, "catalogue", "transport_order")
    assert code == 0
    assert "order.pickup_address" in out and "Adres załadunku" in out and "carrier.name" in out
    code, out, _ = run(demo_workspace_dir, capsys, "catalogue", "invoice", "--json")
    rows = {r["tag"]: r for r in json.loads(out)}
    assert rows["invoice.gross_total"]["kind"] == "money"
