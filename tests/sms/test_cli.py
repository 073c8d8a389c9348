"""``atomcomm sms-info`` and ``atomcomm gateway test|senders|set-sender``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.cli import main
from tests.conftest import write_workspace


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'cli.sqlite'}",
        '[sms]\ngateway = "fake-smsapi"\nsender = "name:ATOM"\n\n[sms.users.anowak]\nsender = "name:ANOWAK"\n',
    )


def test_sms_info_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sms-info", "Zażółć " * 12]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "UCS-2, 84 units, 2 parts"
    assert "'ż' 'ó' 'ł' 'ć'" in out
    assert "transliterated: GSM-7, 1 part(s): Zazolc Zazolc" in out


def test_sms_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sms-info", "--json", "Cena: 10€ {netto}"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["encoding"], data["units"], data["parts"], data["unsupported"]) == ("GSM-7", 20, 1, [])


def test_sms_info_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a" * 161))
    assert main(["sms-info", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parts"] == 2


def test_gateway_test_through_the_in_process_fake(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["-C", str(folder), "gateway", "test", "--to", "500 100 200", "--as-user", "anowak", "--json"]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["status"], result["test"], result["to"], result["provider"]) == (
        "queued",
        True,
        "+48500100200",
        "smsapi",
    )


def test_gateway_test_refuses_another_users_sender(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(folder), "gateway", "test", "--to", "500100200", "--sender", "name:ANOWAK"])
    assert code == 2
    assert "the company may not send SMS as name:ANOWAK" in capsys.readouterr().err


def test_gateway_test_reports_an_invalid_number(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(folder), "gateway", "test", "--to", "22 123 45 67"]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "fixed-line" in out


def test_senders_and_set_sender(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(folder), "gateway", "set-sender", "jkowal", "number:+48600100200"]) == 0
    assert "sender number:+48600100200" in capsys.readouterr().out
    assert main(["-C", str(folder), "gateway", "senders", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"user": None, "sender": "name:ATOM", "source": "[sms] sender"},
        {"user": "anowak", "sender": "name:ANOWAK", "source": "[sms.users.anowak]"},
        {"user": "jkowal", "sender": "number:+48600100200", "source": "database"},
    ]
    assert main(["-C", str(folder), "gateway", "set-sender", "jkowal", "--clear"]) == 0
    assert main(["-C", str(folder), "gateway", "senders"]) == 0
    assert "jkowal" not in capsys.readouterr().out.split("own sender removed")[-1]


def test_set_sender_needs_exactly_one_of_sender_or_clear(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(folder), "gateway", "set-sender", "jkowal"]) == 2
    assert "or --clear" in capsys.readouterr().err


def test_fake_smsapi_refuses_a_public_callback(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["gateway", "fake-smsapi", "--port", "0", "--callback-url", "https://erp.example.pl/dlr"])
    assert code == 2
    assert "only to this machine" in capsys.readouterr().err
