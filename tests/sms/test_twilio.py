"""TwilioGateway through httpx.MockTransport, and Twilio's callback signatures."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from atomcomm.errors import CallbackSignatureError, ConfigError, GatewayError, MessageError
from atomcomm.sms import Sender, TwilioGateway, verify_signature
from atomcomm.sms.twilio import compute_signature
from tests.sms.conftest import Recorder, json_response, sms

SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
TOKEN = "twilio-auth-token-for-tests"

# twilio-python's test_create_response body (HTTP 201)
CREATED = {
    "account_sid": SID,
    "api_version": "2010-04-01",
    "body": "O Slash: \u00d8, PoP: \ud83d\udca9",
    "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",
    "direction": "outbound-api",
    "error_code": None,
    "error_message": None,
    "from": "+14155552345",
    "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "num_media": "0",
    "num_segments": "1",
    "price": "-0.00750",
    "price_unit": "USD",
    "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "status": "sent",
    "to": "+14155552345",
}


def twilio(rec: Recorder, **kwargs: Any) -> TwilioGateway:
    kwargs.setdefault("from_number", "+48799000111")
    return TwilioGateway(SID, TOKEN, client=rec.client(), **kwargs)


def test_success_parses_the_201_body() -> None:
    rec = Recorder(lambda r: json_response(CREATED, 201))
    [result] = twilio(rec).send([sms(sender=Sender.default())])
    request = rec.requests[0]
    assert str(request.url) == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == expected_auth
    assert rec.form() == {"To": "+48500100200", "Body": "Przypomnienie o płatności", "From": "+48799000111"}
    assert (result.status, result.message_id, result.parts) == (
        "sent",
        "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        1,
    )
    assert (result.cost, result.cost_unit) == (Decimal("0.00750"), "USD")
    assert result.raw["sid"] == CREATED["sid"]


def test_several_recipients_are_one_request_each() -> None:
    rec = Recorder(
        lambda r: json_response({**CREATED, "status": "queued", "num_segments": "0", "price": None}, 201)
    )
    results = twilio(rec).send([sms("+48500100200", key="k1"), sms("+48600100200", key="k2")])
    assert [rec.form(i)["To"] for i in range(2)] == ["+48500100200", "+48600100200"]
    assert [(r.status, r.parts, r.cost) for r in results] == [("queued", None, None)] * 2


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("accepted", "queued"),
        ("scheduled", "queued"),
        ("queued", "queued"),
        ("sending", "sent"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("undelivered", "failed"),
        ("failed", "failed"),
        ("receiving", "unknown"),
        ("something-new", "unknown"),
    ],
    ids=[
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "receiving",
        "unlisted",
    ],
)
def test_status_words(word: str, status: str) -> None:
    rec = Recorder(lambda r: json_response({**CREATED, "status": word}, 201))
    [result] = twilio(rec).send([sms()])
    assert result.status == status


@pytest.mark.parametrize(
    ("code", "http", "status", "retryable"),
    [
        (21211, 400, "invalid", False),
        (21614, 400, "invalid", False),
        (21612, 400, "invalid", False),
        (21635, 400, "invalid", False),
        (21610, 400, "rejected", False),
        (21608, 400, "rejected", False),
        (20429, 429, "failed", True),
        (30001, 400, "rejected", False),
    ],
    ids=[
        "21211-invalid-to",
        "21614-not-mobile",
        "21612-unroutable",
        "21635-landline",
        "21610-unsubscribed",
        "21608-unverified",
        "20429-rate-limit",
        "other-400",
    ],
)
def test_error_codes(code: int, http: int, status: str, retryable: bool) -> None:
    body = {
        "code": code,
        "message": f"message for {code}",
        "more_info": "https://www.twilio.com/docs/errors",
        "status": http,
    }
    rec = Recorder(lambda r: json_response(body, http))
    [result] = twilio(rec).send([sms()])
    assert (result.status, result.retryable, result.error_code) == (status, retryable, str(code))
    assert f"message for {code}" in (result.error or "")
    assert len(rec.requests) == 1


@pytest.mark.parametrize("code", [20003, 21606, 20404], ids=["20003-auth", "21606-from", "20404-account"])
def test_configuration_errors_stop_the_batch(code: int) -> None:
    rec = Recorder(lambda r: json_response({"code": code, "message": "refused", "status": 401}, 401))
    with pytest.raises(GatewayError, match="Twilio refused the request") as info:
        twilio(rec).send([sms()])
    assert info.value.code == str(code)
    assert TOKEN not in str(info.value)


def test_5xx_is_unknown_and_not_retried() -> None:
    rec = Recorder(lambda r: httpx.Response(500, text="Internal Server Error"))
    [result] = twilio(rec).send([sms()])
    assert (result.status, result.retryable, result.error_code) == ("unknown", False, "http_500")
    assert "check the Twilio console" in (result.error or "")
    assert len(rec.requests) == 1


def test_timeout_is_unknown_and_never_resent() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    rec = Recorder(timeout)
    [result] = twilio(rec, connect_retries=3).send([sms()])
    assert (result.status, result.retryable, result.error_code) == ("unknown", False, "timeout")
    assert len(rec.requests) == 1


def test_connection_failure_is_retried_because_nothing_arrived() -> None:
    calls: list[int] = []

    def refuse_once(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("Connection refused", request=request)
        return json_response(CREATED, 201)

    [result] = twilio(Recorder(refuse_once), connect_retries=1).send([sms()])
    assert (result.status, result.attempts) == ("sent", 2)


def test_connection_failure_after_retries_is_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    [result] = twilio(Recorder(refuse), connect_retries=0).send([sms()])
    assert (result.status, result.retryable, result.error_code) == ("failed", True, "connect")


def test_non_json_success_body_is_unknown() -> None:
    [result] = twilio(Recorder(lambda r: httpx.Response(201, text="created?"))).send([sms()])
    assert (result.status, result.error_code) == ("unknown", "bad_response")


def test_non_json_error_body() -> None:
    [result] = twilio(Recorder(lambda r: httpx.Response(400, text="Bad Request"))).send([sms()])
    assert (result.status, result.error_code) == ("rejected", "http_400")


@pytest.mark.parametrize(
    ("sender", "fields"),
    [
        (Sender.name("ATOM"), {"From": "ATOM"}),
        (Sender.number("+48600100200"), {"From": "+48600100200"}),
        (Sender.random(), {"MessagingServiceSid": "MGpool"}),
        (Sender.two_way(), {"From": "+48799000111"}),
        (Sender.default(), {"From": "+48799000111"}),
    ],
    ids=["name", "number", "random-pool", "two-way", "default"],
)
def test_sender_kinds(sender: Sender, fields: dict[str, str]) -> None:
    rec = Recorder(lambda r: json_response(CREATED, 201))
    twilio(rec, messaging_service_sid="MGpool").send([sms(sender=sender)])
    form = rec.form()
    assert {k: form[k] for k in fields} == fields
    assert not ({"From", "MessagingServiceSid"} - set(fields)) & set(form)


def test_random_sender_without_a_pool_is_a_configuration_error() -> None:
    rec = Recorder(lambda r: json_response(CREATED, 201))
    with pytest.raises(ConfigError, match="messaging_service_sid"):
        twilio(rec).send([sms(key="k1"), sms(sender=Sender.random(), key="k2")])
    assert rec.requests == []  # refused before anything was sent


def test_schedule_uses_the_messaging_service() -> None:
    rec = Recorder(lambda r: json_response({**CREATED, "status": "scheduled"}, 201))
    when = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    [result] = twilio(rec, messaging_service_sid="MGpool", status_callback="https://erp.example.pl/dlr").send(
        [sms(send_at=when)]
    )
    form = rec.form()
    assert (form["ScheduleType"], form["SendAt"], form["MessagingServiceSid"]) == (
        "fixed",
        "2026-12-01T09:00:00Z",
        "MGpool",
    )
    assert "From" not in form
    assert form["StatusCallback"] == "https://erp.example.pl/dlr"
    assert result.status == "queued"


def test_test_messages_are_refused() -> None:
    with pytest.raises(MessageError, match="no free validation call"):
        twilio(Recorder(lambda r: json_response(CREATED, 201))).send([sms(test=True)])


def test_missing_credentials() -> None:
    with pytest.raises(ConfigError, match="account_sid"):
        TwilioGateway("", TOKEN)
    assert TOKEN not in repr(TwilioGateway(SID, TOKEN))


# --- signatures and callbacks ----------------------------------------------------------------------------

# twilio-python's RequestValidator test vectors
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


@pytest.mark.parametrize(
    ("url", "params", "signature"),
    [
        (VECTOR_URL, VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (
            VECTOR_URL,
            {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"]},
            "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
        ),
    ],
    ids=["form", "repeated-field"],
)
def test_compute_signature_matches_twilio(url: str, params: dict[str, Any], signature: str) -> None:
    assert compute_signature(url, params, "12345") == signature


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (VECTOR_URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (VECTOR_URL.replace(".com", ".com:1234"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (VECTOR_URL.replace(".com", ".com:1234").replace("https", "http"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        (VECTOR_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),
        (VECTOR_URL.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ],
    ids=["exact", "port-removed-https", "port-kept-http", "port-443-added", "port-80-added"],
)
def test_verify_signature_url_variants(url: str, signature: str) -> None:
    assert verify_signature(url, VECTOR_PARAMS, signature, "12345")


@pytest.mark.parametrize(
    ("signature", "token", "params"),
    [
        ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", "54321", VECTOR_PARAMS),
        ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", "12345", {**VECTOR_PARAMS, "Digits": "9999"}),
        ("", "12345", VECTOR_PARAMS),
        (None, "12345", VECTOR_PARAMS),
    ],
    ids=["wrong-token", "tampered-field", "empty", "missing"],
)
def test_verify_signature_refuses(signature: str | None, token: str, params: dict[str, str]) -> None:
    assert not verify_signature(VECTOR_URL, params, signature, token)


CALLBACK_URL = "https://erp.example.pl/sms/twilio/status"


def signed(params: dict[str, str], url: str = CALLBACK_URL) -> dict[str, str]:
    return {"X-Twilio-Signature": compute_signature(url, params, TOKEN)}


def test_status_callback_is_verified_and_parsed() -> None:
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "AccountSid": SID,
        "From": "+48799000111",
        "To": "+48500100200",
        "ApiVersion": "2010-04-01",
    }
    gw = TwilioGateway(SID, TOKEN)
    [report] = gw.parse_delivery_reports(
        params, url=CALLBACK_URL, headers={"x-twilio-signature": signed(params)["X-Twilio-Signature"]}
    )
    assert (report.message_id, report.status, report.is_final, report.error_code) == (
        "SM1",
        "failed",
        True,
        "30003",
    )
    assert (report.to, report.provider_status, report.provider) == ("+48500100200", "undelivered", "twilio")


def test_status_callback_with_a_bad_signature_is_refused() -> None:
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    gw = TwilioGateway(SID, TOKEN)
    forged = {**params, "MessageStatus": "failed"}
    with pytest.raises(CallbackSignatureError, match="does not match"):
        gw.parse_delivery_reports(forged, url=CALLBACK_URL, headers=signed(params))
    with pytest.raises(CallbackSignatureError, match="without X-Twilio-Signature"):
        gw.parse_delivery_reports(params, url=CALLBACK_URL, headers={})
    with pytest.raises(CallbackSignatureError, match="url="):
        gw.parse_delivery_reports(params, headers=signed(params))


def test_verification_can_be_switched_off() -> None:
    gw = TwilioGateway(SID, TOKEN, verify_callbacks=False)
    [report] = gw.parse_delivery_reports("MessageSid=SM9&MessageStatus=delivered")
    assert report.status == "delivered"


def test_inbound_webhook() -> None:
    params = {
        "MessageSid": "SM2",
        "From": "+48500100200",
        "To": "+48799000111",
        "Body": "STOP",
        "NumSegments": "1",
    }
    inbound = TwilioGateway(SID, TOKEN).parse_inbound(params, url=CALLBACK_URL, headers=signed(params))
    assert (inbound.message_id, inbound.from_number, inbound.to_number, inbound.text) == (
        "SM2",
        "+48500100200",
        "+48799000111",
        "STOP",
    )
    with pytest.raises(CallbackSignatureError):
        TwilioGateway(SID, TOKEN).parse_inbound(
            {**params, "Body": "START"}, url=CALLBACK_URL, headers=signed(params)
        )
