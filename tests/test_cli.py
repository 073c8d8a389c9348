"""The atomcomm command: demo, types and objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.cli import main


def test_demo_init_and_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["-C", str(tmp_path), "demo", "init", "--database", url, "--scale", "0.1", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert counts["invoices"] == 500 and counts["companies"] == 200
    (tmp_path / "atomcomm.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    assert main(["-C", str(tmp_path), "objects", "invoice", "--where", "status=overdue|paid",
                 "--columns", "number,status,buyer.name", "--limit", "5", "--json"]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5 and {r["status"] for r in rows} <= {"overdue", "paid"}
    assert set(rows[0]) == {"id", "number", "status", "buyer.name"}


def test_types_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["types", "invoice", "--json"]) == 0
    [info] = json.loads(capsys.readouterr().out)
    assert info["one"] == {"seller": "company", "buyer": "company", "buyer_contact": "contact"}
    assert "amount_due" in [f["name"] for f in info["fields"]]


def test_errors_are_one_line_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    (tmp_path / "atomcomm.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    assert main(["-C", str(tmp_path), "demo", "init", "--scale", "0.01", "--json"]) == 0
    capsys.readouterr()
    assert main(["-C", str(tmp_path), "objects", "invoices"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("atomcomm: error: unknown object type 'invoices'")
