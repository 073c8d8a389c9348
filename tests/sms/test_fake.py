"""FakeGateway (in memory) and the fake SMSAPI server's request handling (no sockets here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atomcomm.errors import ConfigError, GatewayError, MessageError
from atomcomm.sms import FakeGateway, FakeSmsapiServer, Sender
from atomcomm.sms.fake_server import is_loopback_url
from tests.sms.conftest import sms

# --- FakeGateway -----------------------------------------------------------------------------------------


def test_records_accepted_messages() -> None:
    gw = FakeGateway()
    results = gw.send(
        [sms("500 100 200", "Zażółć", "k1"), sms("+48600100200", "Hello", "k2", transliterate=True)]
    )
    assert [r.message_id for r in results] == ["FAKE-000001", "FAKE-000002"]
    assert [(s.to, s.body, s.parts) for s in gw.sent] == [
        ("+48500100200", "Zażółć", 1),
        ("+48600100200", "Hello", 1),
    ]
    assert [m.key for m in gw.messages] == ["k1", "k2"]
    assert gw.requests == 2


def test_duplicate_key_is_not_sent_twice() -> None:
    gw = FakeGateway()
    [first] = gw.send([sms(key="k1")])
    [again] = gw.send([sms(key="k1")])
    assert (again.status, again.duplicate, again.message_id) == ("queued", True, first.message_id)
    assert len(gw.sent) == 1


def test_test_messages_are_not_recorded_as_sent() -> None:
    gw = FakeGateway()
    [result] = gw.send([sms(test=True)])
    assert result.ok and result.test
    assert gw.sent == [] and len(gw.tested) == 1


@pytest.mark.parametrize(
    ("status", "retryable"),
    [("failed", True), ("rejected", False), ("invalid", False), ("unknown", True)],
    ids=["failed", "rejected", "invalid", "unknown"],
)
def test_scripted_failures(status: str, retryable: bool) -> None:
    gw = FakeGateway()
    gw.fail("600 100 200", status, error_code="E1", error="network down", retryable=retryable)  # type: ignore[arg-type]
    ok, bad = gw.send([sms("+48500100200", key="k1"), sms("+48600100200", key="k2")])
    assert ok.ok
    assert (bad.status, bad.error_code, bad.error, bad.retryable) == (status, "E1", "network down", retryable)
    assert len(gw.sent) == 1


def test_scripted_failure_for_a_number_of_times() -> None:
    gw = FakeGateway()
    gw.fail("+48500100200", times=1)
    assert [r.status for r in gw.send([sms(key="k1")])] == ["failed"]
    assert [r.status for r in gw.send([sms(key="k2")])] == ["queued"]


def test_scripted_failure_needs_a_failure_status() -> None:
    with pytest.raises(ValueError, match="failure status"):
        FakeGateway().fail("+48500100200", "delivered")


def test_stop_batch() -> None:
    gw = FakeGateway()
    gw.fail("+48600100200", stop_batch=True, error="account blocked")
    with pytest.raises(GatewayError, match="account blocked") as info:
        gw.send([sms("+48500100200", key="k1"), sms("+48600100200", key="k2"), sms("+48500100201", key="k3")])
    assert [r.key for r in info.value.results] == ["k1"]
    assert [s.sms.key for s in gw.sent] == ["k1"]


def test_delivery_reports_and_replies() -> None:
    gw = FakeGateway()
    [result] = gw.send([sms(sender=Sender.two_way(), key="k1")])
    report = gw.deliver("k1", "failed")
    assert (report.message_id, report.key, report.status, report.is_final, report.to) == (
        result.message_id,
        "k1",
        "failed",
        True,
        "+48500100200",
    )
    by_id = gw.deliver(result.message_id or "", "sent")
    assert (by_id.status, by_id.is_final) == ("sent", False)
    reply = gw.reply("k1", "Zapłacę jutro")
    assert (reply.from_number, reply.text, reply.in_reply_to) == (
        "+48500100200",
        "Zapłacę jutro",
        result.message_id,
    )
    with pytest.raises(MessageError, match="sent nothing"):
        gw.deliver("nope")


def test_unknown_report_status_is_unknown() -> None:
    [report] = FakeGateway().parse_delivery_reports({"id": "X", "status": "teleported"})
    assert report.status == "unknown"


def test_clear() -> None:
    gw = FakeGateway()
    gw.send([sms()])
    gw.clear()
    assert gw.sent == [] and gw.requests == 0
    assert not gw.send([sms()])[0].duplicate


# --- FakeSmsapiServer.handle ---------------------------------------------------------------------------

TOKEN = "fake-token"
AUTH = f"Bearer {TOKEN}"


def form(**overrides: str) -> dict[str, str]:
    base = {
        "to": "48500100200",
        "message": "Hello",
        "from": "ATOM",
        "encoding": "utf-8",
        "format": "json",
        "details": "1",
        "idx": "k1",
        "check_idx": "1",
    }
    base.update(overrides)
    return base


@pytest.fixture
def server() -> FakeSmsapiServer:
    return FakeSmsapiServer(token=TOKEN, senders={"ATOM"})


def test_server_accepts_and_counts_parts(server: FakeSmsapiServer) -> None:
    answer, drop = server.handle(form(message="ą" * 71), AUTH)
    assert not drop
    [entry] = answer["list"]
    assert (entry["number"], entry["idx"], entry["parts"], entry["status"]) == (
        "48500100200",
        "k1",
        2,
        "QUEUE",
    )
    assert (answer["count"], answer["parts"], answer["length"]) == (1, 2, 71)
    [received] = server.received
    assert (received.to, received.text, received.encoding, received.parts) == (
        "48500100200",
        "ą" * 71,
        "UCS-2",
        2,
    )


@pytest.mark.parametrize(
    ("fields", "auth", "code"),
    [
        ({}, "Bearer wrong", 101),
        ({}, None, 101),
        ({"message": ""}, AUTH, 11),
        ({"from": "OTHER"}, AUTH, 14),
        ({"from": "Żółw"}, AUTH, 14),
        ({"to": "48221234567"}, AUTH, 13),
        ({"to": ""}, AUTH, 13),
        ({"to": "48500100200,48600100200", "idx": "k1"}, AUTH, 20),
        ({"message": "x" * 200, "max_parts": "1"}, AUTH, 12),
        ({"message": "x" * 1600, "max_parts": "10"}, AUTH, 11),
    ],
    ids=[
        "bad-token",
        "no-token",
        "empty-message",
        "unregistered-sender",
        "malformed-sender",
        "landline",
        "no-recipient",
        "idx-count",
        "max-parts",
        "too-long",
    ],
)
def test_server_error_bodies(
    server: FakeSmsapiServer, fields: dict[str, str], auth: str | None, code: int
) -> None:
    answer, _ = server.handle(form(**fields), auth)
    assert answer["error"] == code and answer["message"]
    assert server.received == []


def test_server_sender_kinds(server: FakeSmsapiServer) -> None:
    for i, sender in enumerate(["2way", "Eco", "48600100200"]):
        answer, _ = server.handle(form(**{"from": sender, "idx": f"s{i}"}), AUTH)
        assert "list" in answer, sender


def test_server_partial_invalid_numbers(server: FakeSmsapiServer) -> None:
    answer, _ = server.handle(form(to="48500100200,48221234567", idx="k1|k2"), AUTH)
    assert [e["number"] for e in answer["list"]] == ["48500100200"]
    assert [n["number"] for n in answer["invalid_numbers"]] == ["48221234567"]


def test_server_check_idx(server: FakeSmsapiServer) -> None:
    server.handle(form(), AUTH)
    answer, _ = server.handle(form(), AUTH)
    assert answer["error"] == 53
    answer, _ = server.handle(form(check_idx="0"), AUTH)
    assert "list" in answer  # without check_idx SMSAPI sends again
    assert len(server.received) == 2


def test_server_test_mode_sends_nothing(server: FakeSmsapiServer) -> None:
    answer, _ = server.handle(form(test="1"), AUTH)
    assert answer["count"] == 1
    assert server.received == []
    assert "list" in server.handle(form(), AUTH)[0]  # the idx was not used up


def test_server_scripted_failures_and_drops(server: FakeSmsapiServer) -> None:
    server.fail_next(1, code=203)
    assert server.handle(form(), AUTH)[0]["error"] == 203
    server.drop_answers(1)
    answer, drop = server.handle(form(), AUTH)
    assert drop and "list" in answer
    assert len(server.received) == 1  # accepted although the answer is dropped


def test_server_fail_rate_is_seeded() -> None:
    def errors(seed: int) -> list[bool]:
        s = FakeSmsapiServer(token=TOKEN, fail_rate=0.5, seed=seed)
        return ["error" in s.handle(form(idx=f"k{i}"), AUTH)[0] for i in range(40)]

    assert errors(7) == errors(7)
    assert 5 < sum(errors(7)) < 35


def test_server_log_file_has_no_token(tmp_path: Path) -> None:
    log = tmp_path / "sms.log"
    s = FakeSmsapiServer(token=TOKEN, log_file=log)
    s.handle(form(access_token=TOKEN), None)
    s.handle(form(idx="k2"), "Bearer wrong")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [("list" in e["answer"], e["answer"].get("error")) for e in lines] == [(True, None), (False, 101)]
    assert TOKEN not in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/dlr", True),
        ("http://127.9.9.9/dlr", True),
        ("http://localhost/dlr", True),
        ("http://[::1]:80/dlr", True),
        ("https://erp.example.pl/dlr", False),
        ("http://10.0.0.1/dlr", False),
        ("http://localhost.example.com/", False),
    ],
    ids=["127.0.0.1", "127/8", "localhost", "ipv6", "public-host", "private-lan", "lookalike"],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_server_refuses_non_loopback_addresses() -> None:
    with pytest.raises(ConfigError, match="only to this machine"):
        FakeSmsapiServer(callback_url="https://erp.example.pl/dlr")
    with pytest.raises(ConfigError, match="only to this machine"):
        FakeSmsapiServer(host="0.0.0.0")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        FakeSmsapiServer(fail_rate=2)
