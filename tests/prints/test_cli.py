"""``atomcomm print`` and ``atomcomm prints``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.cli import main

from .conftest import pdf_text


def test_print_to_file(demo_workspace_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "faktura.pdf"
    assert main(["-C", str(demo_workspace_dir), "print", "invoice", "42", "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    data = out.read_bytes()
    assert info["name"] == "invoice" and info["bytes"] == len(data)
    assert info["filename"].startswith("Faktura_FV-") and info["filename"].endswith(".pdf")
    assert info["filename"].removeprefix("Faktura_").removesuffix(".pdf").replace("-", "/") in pdf_text(data)


def test_print_into_folder_by_name(demo_workspace_dir: Path, tmp_path: Path) -> None:
    args = ["-C", str(demo_workspace_dir), "print", "transport_order", "5", "--name", "transport_order"]
    assert main([*args, "-o", str(tmp_path)]) == 0
    [written] = list(tmp_path.glob("Zlecenie_*.pdf"))
    assert written.read_bytes().startswith(b"%PDF")


def test_print_errors(demo_workspace_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = ["-C", str(demo_workspace_dir)]
    assert main([*ws, "print", "invoice", "999999", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "no invoice with id 999999" in capsys.readouterr().err
    assert main([*ws, "print", "invoice", "1", "--name", "nope", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "no print 'nope' for invoice" in capsys.readouterr().err
    assert main([*ws, "print", "invoice", "1", "-o", str(tmp_path / "missing" / "x.pdf")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_prints_list(demo_workspace_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(demo_workspace_dir), "prints", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {(p["object_type"], p["name"]) for p in listed["prints"]} == {
        ("contract", "contract"),
        ("invoice", "invoice"),
        ("transport_order", "transport_order"),
    }
    assert listed["problems"] == {}
    assert main(["-C", str(demo_workspace_dir), "prints", "invoice"]) == 0
    assert "Faktura VAT" in capsys.readouterr().out
