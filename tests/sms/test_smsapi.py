"""SmsapiGateway through httpx.MockTransport: request fields, answers, errors, retries, failover, callbacks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from atomcomm.errors import ConfigError, GatewayError, MessageError
from atomcomm.sms import Sender, SmsapiGateway
from atomcomm.sms.smsapi import backup_url_for, parse_smsapi_inbound, parse_smsapi_reports
from tests.sms.conftest import Handler, Recorder, json_response, sms

TOKEN = "test-token-not-secret"


def entry(
    number: str, idx: str, msg_id: str = "1001", parts: int = 1, points: float = 0.165
) -> dict[str, Any]:
    return {
        "id": msg_id,
        "points": points,
        "number": number,
        "date_sent": 1764237600,
        "submitted_number": number,
        "status": "QUEUE",
        "idx": idx,
        "parts": parts,
        "error": None,
    }


def accept_all(request: httpx.Request) -> httpx.Response:
    """Answer like SMSAPI: one list entry per recipient, idx echoed."""
    from urllib.parse import parse_qs

    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    numbers = form["to"].split(",")
    idxs = form["idx"].split("|")
    entries = [entry(n, i, str(1000 + k)) for k, (n, i) in enumerate(zip(numbers, idxs, strict=True))]
    return json_response({"count": len(entries), "list": entries})


def gateway(rec: Recorder, **kwargs: Any) -> SmsapiGateway:
    kwargs.setdefault("retry_backoff", 0)
    return SmsapiGateway(TOKEN, "https://api.smsapi.pl", client=rec.client(), **kwargs)


@pytest.fixture
def make(recorder: Callable[[Handler], Recorder]) -> Callable[[Handler], tuple[Recorder, SmsapiGateway]]:
    def build(handler: Handler, **kwargs: Any) -> tuple[Recorder, SmsapiGateway]:
        rec = recorder(handler)
        return rec, gateway(rec, **kwargs)

    return build


def test_success_sends_the_documented_fields(make: Any) -> None:
    rec, gw = make(accept_all)
    [result] = gw.send([sms(text="Faktura FV/1 do zapłaty")])
    request = rec.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.smsapi.pl/sms.do"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert rec.form() == {
        "to": "48500100200",
        "message": "Faktura FV/1 do zapłaty",
        "from": "ATOM",
        "encoding": "utf-8",
        "format": "json",
        "details": "1",
        "idx": "inv-42-reminder-1",
        "check_idx": "1",
        "max_parts": "6",
    }
    assert result.status == "queued"
    assert result.ok
    assert result.message_id == "1000"
    assert result.parts == 1
    assert result.cost == Decimal("0.165") and result.cost_unit == "points"
    assert result.attempts == 1
    assert result.raw["idx"] == "inv-42-reminder-1"
    assert result.to == "+48500100200"


def test_several_recipients_share_one_request_and_match_by_idx(make: Any) -> None:
    def shuffled(request: httpx.Request) -> httpx.Response:
        return json_response(
            {
                "count": 3,
                "list": [
                    entry("48600100200", "k2", "2"),
                    entry("48500100201", "k3", "3"),
                    entry("48500100200", "k1", "1"),
                ],
            }
        )

    rec, gw = make(shuffled)
    results = gw.send(
        [
            sms("+48500100200", "Promocja", "k1"),
            sms("600 100 200", "Promocja", "k2"),
            sms("500100201", "Promocja", "k3"),
        ]
    )
    assert len(rec.requests) == 1
    assert rec.form()["to"] == "48500100200,48600100200,48500100201"
    assert rec.form()["idx"] == "k1|k2|k3"
    assert [(r.key, r.message_id, r.status) for r in results] == [
        ("k1", "1", "queued"),
        ("k2", "2", "queued"),
        ("k3", "3", "queued"),
    ]


def test_different_texts_and_repeated_numbers_use_separate_requests(make: Any) -> None:
    rec, gw = make(accept_all)
    results = gw.send([sms(text="A", key="k1"), sms(text="B", key="k2"), sms(text="A", key="k3")])
    assert len(rec.requests) == 3  # k1 and k3 share a text but the same number would be merged by SMSAPI
    assert [r.status for r in results] == ["queued"] * 3


def test_batch_size_limits_recipients_per_request(make: Any) -> None:
    rec, gw = make(accept_all, batch_size=2)
    numbers = ["500100200", "500100201", "500100202", "500100203", "500100204"]
    gw.send([sms(n, "Same", f"k{i}") for i, n in enumerate(numbers)])
    assert [len(rec.form(i)["to"].split(",")) for i in range(len(rec.requests))] == [2, 2, 1]


def test_partial_success_with_invalid_numbers(make: Any) -> None:
    def partial(request: httpx.Request) -> httpx.Response:
        return json_response(
            {
                "count": 1,
                "list": [entry("48500100200", "k1")],
                "invalid_numbers": [
                    {
                        "number": "48500100209",
                        "submitted_number": "48500100209",
                        "message": "Invalid phone number",
                    }
                ],
            }
        )

    _, gw = make(partial)
    ok, bad = gw.send([sms("+48500100200", "X", "k1"), sms("+48500100209", "X", "k2")])
    assert (ok.status, ok.message_id) == ("queued", "1001")
    assert (bad.status, bad.error, bad.retryable) == ("invalid", "Invalid phone number", False)


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        (13, "invalid", False),
        (11, "rejected", False),
        (12, "rejected", False),
        (17, "rejected", False),
        (57, "rejected", False),
        (59, "rejected", False),
        (50, "rejected", False),
        (8, "failed", True),
        (52, "failed", True),
        (201, "failed", True),
        (202, "failed", True),
        (203, "failed", True),
        (999, "failed", True),
        (12345, "rejected", False),
    ],
    ids=[
        "13-no-valid-numbers",
        "11-too-long",
        "12-max-parts",
        "17-flash",
        "57-blacklisted",
        "59-opt-out",
        "50-schedule",
        "8-request-error",
        "52-too-fast",
        "201-internal",
        "202-simultaneous",
        "203-too-many",
        "999-internal",
        "unknown-code",
    ],
)
def test_http_200_error_bodies_are_failures(make: Any, code: int, status: str, retryable: bool) -> None:
    _, gw = make(lambda r: json_response({"error": code, "message": f"error {code} text"}), retries=0)
    [result] = gw.send([sms()])
    assert (result.status, result.retryable, result.error_code) == (status, retryable, str(code))
    assert not result.ok
    assert f"error {code} text" in (result.error or "")
    assert result.raw == {"error": code, "message": f"error {code} text"}


def test_error_13_marks_the_listed_numbers_invalid(make: Any) -> None:
    body = {
        "error": 13,
        "message": "No correct phone numbers",
        "invalid_numbers": [
            {"number": "48500100209", "submitted_number": "500100209", "message": "Number blacklisted"}
        ],
    }
    _, gw = make(lambda r: json_response(body))
    [result] = gw.send([sms("+48500100209")])
    assert (result.status, result.error) == ("invalid", "Number blacklisted")


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (14, "register it"),
        (101, "check [sms] token"),
        (102, "OAuth token"),
        (103, "top it up"),
        (105, "IP filter"),
        (401, "scope"),
        (997, "https://"),
    ],
    ids=["14-sender", "101-token", "102-password", "103-credits", "105-ip", "401-permission", "997-https"],
)
def test_configuration_errors_stop_the_batch(make: Any, code: int, hint: str) -> None:
    _, gw = make(lambda r: json_response({"error": code, "message": "refused"}))
    with pytest.raises(GatewayError, match=re.escape(hint)) as info:
        gw.send([sms()])
    assert info.value.code == str(code)
    assert "api.smsapi.pl" in str(info.value)
    assert TOKEN not in str(info.value)


def test_configuration_error_keeps_results_settled_before_it(make: Any) -> None:
    def second_fails(request: httpx.Request) -> httpx.Response:
        if "k2" in request.content.decode():
            return json_response({"error": 103, "message": "Insufficient credits"})
        return accept_all(request)

    _, gw = make(second_fails)
    with pytest.raises(GatewayError) as info:
        gw.send([sms(text="A", key="k1"), sms(text="B", key="k2"), sms(text="C", key="k3")])
    assert [(r.key, r.status) for r in info.value.results] == [("k1", "queued")]


def test_retryable_errors_are_retried_with_the_same_idx(make: Any) -> None:
    answers = [json_response({"error": 201, "message": "Internal error"}), httpx.Response(503, text="busy")]

    def flaky(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else accept_all(request)

    rec, gw = make(flaky, retries=2)
    [result] = gw.send([sms()])
    assert result.status == "queued" and result.attempts == 3
    assert {rec.form(i)["idx"] for i in range(3)} == {"inv-42-reminder-1"}
    assert len({r.headers["X-Request-Id"] for r in rec.requests}) == 3


def test_5xx_after_retries_is_a_retryable_failure(make: Any) -> None:
    rec, gw = make(lambda r: httpx.Response(502, text="Bad gateway"), retries=1)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable, result.attempts) == (
        "failed",
        "http_502",
        True,
        2,
    )
    assert len(rec.requests) == 2


def test_4xx_other_than_auth_is_rejected(make: Any) -> None:
    _, gw = make(lambda r: httpx.Response(404, text="no such page"))
    [result] = gw.send([sms()])
    assert (result.status, result.retryable, result.error_code) == ("rejected", False, "http_404")


def test_http_401_raises_gateway_error(make: Any) -> None:
    _, gw = make(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(GatewayError, match="refused the credentials"):
        gw.send([sms()])


def test_timeout_then_retry_reports_the_duplicate_as_sent(make: Any) -> None:
    calls = []

    def lost_then_duplicate(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return json_response({"error": 53, "message": "Idx already used"})

    _, gw = make(lost_then_duplicate)
    [result] = gw.send([sms()])
    assert (result.status, result.duplicate, result.ok, result.attempts) == ("queued", True, True, 2)
    assert "earlier send went through" in (result.error or "")


def test_timeout_on_every_attempt_is_unknown_and_retryable(make: Any) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    rec, gw = make(timeout, retries=2)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable) == ("unknown", "timeout", True)
    assert len(rec.requests) == 3


def test_lost_connection_is_unknown(make: Any) -> None:
    def dropped(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    _, gw = make(dropped, retries=0)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable) == ("unknown", "connection_lost", True)


def test_duplicate_in_a_shared_request_is_resolved_one_by_one(make: Any) -> None:
    def dedup(request: httpx.Request) -> httpx.Response:
        form = request.content.decode()
        if "%7C" in form:  # several idx in one request: one of them was used
            return json_response({"error": 53, "message": "Idx already used"})
        if "idx=k1" in form:
            return json_response({"error": 53, "message": "Idx already used"})
        return accept_all(request)

    rec, gw = make(dedup)
    first, second = gw.send([sms("+48500100200", "Same", "k1"), sms("+48600100200", "Same", "k2")])
    assert (first.status, first.duplicate) == ("queued", True)
    assert (second.status, second.duplicate, second.message_id) == ("queued", False, "1000")
    assert len(rec.requests) == 3


def test_non_json_body_is_unknown(make: Any) -> None:
    _, gw = make(lambda r: httpx.Response(200, text="<html>proxy error</html>"), retries=0)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable) == ("unknown", "bad_response", True)
    assert "not JSON" in (result.error or "")


def test_legacy_text_error_is_mapped(make: Any) -> None:
    _, gw = make(lambda r: httpx.Response(200, text="ERROR:101"))
    with pytest.raises(GatewayError, match="error 101"):
        gw.send([sms()])


def test_recipient_missing_from_the_answer_is_unknown(make: Any) -> None:
    _, gw = make(lambda r: json_response({"count": 0, "list": []}), retries=0)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable) == ("unknown", "missing", True)


def test_failover_to_the_backup_host_on_connection_failure(make: Any) -> None:
    def primary_down(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.smsapi.pl":
            raise httpx.ConnectError("Connection refused", request=request)
        return accept_all(request)

    rec, gw = make(primary_down)
    assert gw.backup_url == "https://api2.smsapi.pl"
    [result] = gw.send([sms(key="k1")])
    assert result.status == "queued" and result.attempts == 1
    assert [r.url.host for r in rec.requests] == ["api.smsapi.pl", "api2.smsapi.pl"]
    gw.send([sms(key="k2")])
    assert rec.requests[-1].url.host == "api2.smsapi.pl"  # the backup stays preferred


def test_both_hosts_down_is_a_retryable_failure(make: Any) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    rec, gw = make(down, retries=1)
    [result] = gw.send([sms()])
    assert (result.status, result.error_code, result.retryable) == ("failed", "connect", True)
    assert "api2.smsapi.pl" in (result.error or "")
    assert len(rec.requests) == 4


def test_no_failover_when_disabled(make: Any) -> None:
    _, gw = make(accept_all, failover=False)
    assert gw.backup_url is None


@pytest.mark.parametrize(
    ("base", "backup"),
    [
        ("https://api.smsapi.pl", "https://api2.smsapi.pl"),
        ("https://api.smsapi.com/", "https://api2.smsapi.com"),
        ("http://127.0.0.1:8090", None),
    ],
    ids=["pl", "com", "loopback"],
)
def test_backup_url_for(base: str, backup: str | None) -> None:
    assert backup_url_for(base) == backup


@pytest.mark.parametrize(
    ("sender", "from_field"),
    [
        (Sender.name("ATOM"), "ATOM"),
        (Sender.number("+48600100200"), "48600100200"),
        (Sender.two_way(), "2way"),
        (Sender.random(), "Eco"),
        (Sender.default(), None),
    ],
    ids=["name", "number", "two-way", "random-eco", "default-omits-from"],
)
def test_sender_kinds(make: Any, sender: Sender, from_field: str | None) -> None:
    rec, gw = make(accept_all)
    gw.send([sms(sender=sender)])
    assert rec.form().get("from") == from_field


def test_options_transliterate_schedule_test(make: Any) -> None:
    rec, gw = make(accept_all)
    when = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    [result] = gw.send([sms(text="Zażółć – „x”", transliterate=True, send_at=when, test=True, max_parts=2)])
    form = rec.form()
    assert form["message"] == 'Zazolc - "x"'
    assert form["normalize"] == "1"
    assert (form["date"], form["date_validate"]) == (str(int(when.timestamp())), "1")
    assert form["test"] == "1"
    assert form["max_parts"] == "2"
    assert result.test


def test_notify_url_sends_one_recipient_per_request(make: Any) -> None:
    rec, gw = make(accept_all, notify_url="https://erp.example.pl/sms/dlr")
    gw.send([sms("+48500100200", "Same", "k1"), sms("+48600100200", "Same", "k2")])
    assert len(rec.requests) == 2
    assert rec.form(0)["notify_url"] == "https://erp.example.pl/sms/dlr"


def test_local_refusals_send_nothing(make: Any) -> None:
    rec, gw = make(accept_all)
    invalid, too_long, fine = gw.send(
        [sms("22 123 45 67", key="k1"), sms(text="ą" * 403, key="k2"), sms(key="k3")]
    )
    assert (invalid.status, invalid.error_code, invalid.attempts) == ("invalid", "invalid_number", 0)
    assert (too_long.status, too_long.error_code, too_long.parts) == ("rejected", "too_many_parts", 7)
    assert "transliterate" in (too_long.error or "")
    assert fine.status == "queued"
    assert len(rec.requests) == 1


def test_configuration_checks() -> None:
    with pytest.raises(ConfigError, match="needs a token"):
        SmsapiGateway("", "https://api.smsapi.pl")
    with pytest.raises(ConfigError, match="http"):
        SmsapiGateway("t", "ftp://api.smsapi.pl")
    gw = SmsapiGateway("secret-token-value", "https://api.smsapi.pl")
    assert "secret-token-value" not in repr(gw)


def test_send_without_open_uses_and_closes_its_own_client() -> None:
    gw = SmsapiGateway(TOKEN, "http://127.0.0.1:9", failover=False, retries=0, timeout=0.5)
    [result] = gw.send([sms()])
    assert result.status == "failed" and result.error_code == "connect"
    with pytest.raises(RuntimeError, match="not open"):
        _ = gw.client


# --- callbacks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "final"),
    [
        ("401", "failed", True),
        ("402", "failed", True),
        ("403", "sent", False),
        ("404", "delivered", True),
        ("405", "failed", True),
        ("406", "failed", True),
        ("407", "failed", True),
        ("408", "sent", False),
        ("409", "queued", False),
        ("410", "delivered", True),
        ("411", "sent", False),
        ("412", "failed", True),
        ("999", "unknown", False),
    ],
    ids=[
        "not-found",
        "expired",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "rejected",
        "unknown-408",
        "queue",
        "accepted",
        "renewal",
        "stop",
        "unlisted",
    ],
)
def test_delivery_report_status(code: str, status: str, final: bool) -> None:
    [report] = parse_smsapi_reports({"MsgId": "77", "status": code, "idx": "k1", "to": "48500100200"})
    assert (report.status, report.is_final, report.provider_status) == (status, final, code)


def test_delivery_reports_from_comma_lists() -> None:
    body = "MsgId=1%2C2&status=404%2C405&idx=k1%2Ck2&to=48500100200%2C48600100200&donedate=1764237600%2C1764237601"
    first, second = SmsapiGateway(TOKEN).parse_delivery_reports(body)
    assert (first.message_id, first.status, first.key, first.to) == ("1", "delivered", "k1", "+48500100200")
    assert first.time == dt.datetime(2025, 11, 27, 10, 0, tzinfo=dt.UTC)
    assert (second.message_id, second.status, second.key, second.to) == ("2", "failed", "k2", "+48600100200")
    assert second.error_code == "405"
    assert first.raw["MsgId"] == "1" and first.provider == "smsapi"


def test_inbound_two_way_sms() -> None:
    inbound = SmsapiGateway(TOKEN).parse_inbound(
        {
            "MsgId": "555",
            "sms_from": "48500100200",
            "sms_to": "48799000111",
            "sms_text": "TAK, zapłacę jutro",
            "sms_date": "1764237600",
        }
    )
    assert (inbound.from_number, inbound.to_number, inbound.text) == (
        "+48500100200",
        "+48799000111",
        "TAK, zapłacę jutro",
    )
    assert inbound.in_reply_to == "555"
    assert inbound.received_at == dt.datetime(2025, 11, 27, 10, 0, tzinfo=dt.UTC)


def test_inbound_without_sender_is_refused() -> None:
    with pytest.raises(MessageError, match="sms_from"):
        parse_smsapi_inbound({"sms_text": "x"})
