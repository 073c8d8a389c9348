"""``atomcomm send`` and ``atomcomm outbox`` on a copy of the demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.cli import main

from ..conftest import copy_demo, write_workspace


@pytest.fixture
def folder(demo_sqlite_url: str, tmp_path: Path) -> Path:
    url = copy_demo(demo_sqlite_url, tmp_path / "demo.sqlite")
    return write_workspace(tmp_path / "ws", url, f'[data]\npath = "{tmp_path / "data"}"\n')


def test_dry_run_sends_nothing(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(folder), "send", "invoice/payment_reminder.sms", "--type", "invoice", "--id", "9",
                 "--dry-run", "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["dry_run"] is True and out["channel"] == "sms"
    assert out["sms"]["parts"] >= 1 and out["recipients"]
    assert main(["-C", str(folder), "outbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_send_with_typed_recipient_added_file_and_no_print(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "uwagi.txt"
    note.write_text("Proszę o kontakt.", encoding="utf-8")
    args = ["-C", str(folder), "send", "invoice/invoice_sending.email", "--type", "invoice", "--id", "9",
            "--to", "Jan Próbny <jan.probny@example.com>", "--attach", str(note), "--no-print", "invoice",
            "--json"]  # fmt: skip
    assert main(args) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["state"] == "sent" and result["recipient"] == "jan.probny@example.com"
    index = (tmp_path / "data" / "captured" / "company" / "index.jsonl").read_text().splitlines()
    eml = (tmp_path / "data" / "captured" / "company" / json.loads(index[0])["file"]).read_bytes()
    assert b"uwagi.txt" in eml and b"windykacja.pdf" in eml and b"Faktura_" not in eml
    # the same message again is refused, with exit code 2 and the hint
    assert main(args) == 2
    assert "resend" in capsys.readouterr().err
    assert main(["-C", str(folder), "outbox", "--state", "sent", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["recipient"] for r in rows] == ["jan.probny@example.com"]


def test_unknown_print_and_bad_state(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="no print 'faktura'"):
        main(["-C", str(folder), "send", "invoice/invoice_sending.email", "--type", "invoice", "--id", "9",
              "--no-print", "faktura"])  # fmt: skip
    assert main(["-C", str(folder), "outbox", "--state", "lost"]) == 2
    assert "unknown outbox state 'lost'" in capsys.readouterr().err
