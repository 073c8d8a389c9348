"""One contract, every gateway: FakeGateway, SmsapiGateway (answered by the fake server's logic) and
TwilioGateway (answered by a small Twilio emulator), all through the same tests."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from atomcomm.errors import GatewayError
from atomcomm.sms import (
    STATUSES,
    DeliveryReport,
    FakeGateway,
    FakeSmsapiServer,
    InboundSms,
    Sender,
    SmsapiGateway,
    SmsGateway,
    SmsResult,
    TwilioGateway,
    segments,
)
from atomcomm.sms.twilio import compute_signature
from tests.sms.conftest import sms

STOP_NUMBER = "+48600999888"
TWILIO_SID = "ACcontract"
TWILIO_TOKEN = "contract-token"
CALLBACK_URL = "https://erp.example.pl/sms/callback"


@dataclass
class Env:
    """One gateway implementation with the hooks the contract needs."""

    name: str
    make: Callable[[httpx.Client | None], SmsGateway]
    client: httpx.Client | None
    sent_count: Callable[[], int]
    arrange_stop: Callable[[str], None]
    report_for: Callable[[SmsResult], tuple[Any, dict[str, str]]]
    inbound_for: Callable[[SmsResult, str], tuple[Any, dict[str, str]]]


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}


def fake_env() -> Env:
    gw = FakeGateway()
    return Env(
        "fake",
        lambda client: gw,
        None,
        lambda: len(gw.sent),
        lambda number: gw.fail(number, stop_batch=True, error="account blocked"),
        lambda r: (gw.report_payload(r.key, "delivered"), {}),
        lambda r, text: (gw.reply_payload(r.key, text), {}),
    )


def smsapi_env() -> Env:
    server = FakeSmsapiServer(token="contract")  # its logic only: no socket is opened
    stop: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        form = _form(request)
        if any(n in stop for n in form.get("to", "").split(",")):
            return httpx.Response(200, json={"error": 103, "message": "Insufficient credits"})
        answer, _ = server.handle(form, request.headers.get("Authorization"))
        return httpx.Response(200, content=json.dumps(answer).encode())

    client = httpx.Client(transport=httpx.MockTransport(handler))

    def report(r: SmsResult) -> tuple[Any, dict[str, str]]:
        return {"MsgId": r.message_id, "status": "404", "idx": r.key, "to": r.to.lstrip("+")}, {}

    def inbound(r: SmsResult, text: str) -> tuple[Any, dict[str, str]]:
        return {
            "MsgId": r.message_id,
            "sms_from": r.to.lstrip("+"),
            "sms_to": "48799000111",
            "sms_text": text,
        }, {}

    return Env(
        "smsapi",
        lambda c: SmsapiGateway("contract", "https://api.smsapi.pl", client=c, retry_backoff=0),
        client,
        lambda: len(server.received),
        lambda number: stop.add(number.lstrip("+")),
        report,
        inbound,
    )


def twilio_env() -> Env:
    created: list[dict[str, str]] = []
    stop: set[str] = set()
    ids = itertools.count(1)
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        form = _form(request)
        if form["To"] in stop:
            return httpx.Response(401, json={"code": 20003, "message": "Authenticate", "status": 401})
        with lock:
            sid = f"SM{next(ids):032d}"
            created.append(form)
        return httpx.Response(
            201,
            json={
                "sid": sid,
                "status": "queued",
                "num_segments": str(segments(form["Body"]).parts),
                "price": None,
                "to": form["To"],
            },
        )

    client = httpx.Client(transport=httpx.MockTransport(handler))

    def signed(params: dict[str, str]) -> tuple[Any, dict[str, str]]:
        return params, {"X-Twilio-Signature": compute_signature(CALLBACK_URL, params, TWILIO_TOKEN)}

    return Env(
        "twilio",
        lambda c: TwilioGateway(TWILIO_SID, TWILIO_TOKEN, from_number="+48799000111", client=c),
        client,
        lambda: len(created),
        stop.add,
        lambda r: signed({"MessageSid": r.message_id or "", "MessageStatus": "delivered", "To": r.to}),
        lambda r, text: signed({"MessageSid": "SMreply", "From": r.to, "To": "+48799000111", "Body": text}),
    )


@pytest.fixture(params=[fake_env, smsapi_env, twilio_env], ids=["fake", "smsapi", "twilio"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    e: Env = request.param()
    yield e
    if e.client is not None:
        e.client.close()


@pytest.fixture(params=[smsapi_env, twilio_env], ids=["smsapi", "twilio"])
def http_env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The gateways that talk HTTP (an injected httpx.Client)."""
    e: Env = request.param()
    yield e
    if e.client is not None:
        e.client.close()


@pytest.fixture
def gw(env: Env) -> SmsGateway:
    return env.make(env.client)


class TestGatewayContract:
    def test_one_result_per_message_in_order(self, gw: SmsGateway, env: Env) -> None:
        messages = [
            sms("+48500100200", "Jeden", "k1"),
            sms("+48600100200", "Dwa", "k2"),
            sms("+48500100201", "Trzy", "k3"),
        ]
        results = gw.send(messages)
        assert [r.key for r in results] == ["k1", "k2", "k3"]
        assert all(r.status in STATUSES for r in results)
        assert all(r.ok and r.message_id and r.parts == 1 and r.provider == env.name for r in results)
        assert [r.to for r in results] == ["+48500100200", "+48600100200", "+48500100201"]
        assert env.sent_count() == 3

    def test_empty_batch(self, gw: SmsGateway, env: Env) -> None:
        assert gw.send([]) == []
        assert env.sent_count() == 0

    def test_invalid_number_is_a_result_and_is_not_sent(self, gw: SmsGateway, env: Env) -> None:
        bad, good = gw.send([sms("22 123 45 67", key="k1"), sms("+48500100200", key="k2")])
        assert (bad.status, bad.error_code, bad.to) == ("invalid", "invalid_number", "+48221234567")
        assert "fixed-line" in (bad.error or "")
        assert good.ok
        assert env.sent_count() == 1

    def test_too_many_parts_is_refused_locally(self, gw: SmsGateway, env: Env) -> None:
        [result] = gw.send([sms(text="Płatność " * 50, max_parts=2)])
        assert (result.status, result.error_code, result.parts) == ("rejected", "too_many_parts", 7)
        assert "max_parts=2" in (result.error or "")
        assert env.sent_count() == 0

    def test_transliteration_lowers_the_parts(self, gw: SmsGateway, env: Env) -> None:
        [result] = gw.send([sms(text="Płatność " * 50, max_parts=3, transliterate=True)])
        assert result.ok and result.parts == 3

    def test_injected_client_stays_open(self, http_env: Env) -> None:
        env = http_env
        assert env.client is not None
        gw = env.make(env.client)
        with gw as opened:
            assert opened is gw
            assert gw.client is env.client
            gw.send([sms(key="k1")])
        gw.send([sms(key="k2")])
        assert not env.client.is_closed
        assert gw.client is env.client

    def test_context_manager_and_open_close(self, gw: SmsGateway) -> None:
        with gw as opened:
            assert opened is gw
            assert opened.send([sms(key="k1")])[0].ok
            assert opened.send([sms(key="k2")])[0].ok
        gw.close()
        gw.close()  # closing twice is harmless

    def test_bounded_concurrency_keeps_order(self, env: Env) -> None:
        gw = env.make(env.client)
        gw.concurrency = 4
        messages = [sms(f"+48500100{i:03d}", f"Tekst {i}", f"k{i}") for i in range(20)]
        results = gw.send(messages)
        assert [r.key for r in results] == [m.key for m in messages]
        assert all(r.ok for r in results)
        assert env.sent_count() == 20

    @pytest.mark.parametrize("concurrency", [1, 3], ids=["sequential", "concurrent"])
    def test_gateway_error_stops_the_batch_with_settled_results(self, env: Env, concurrency: int) -> None:
        gw = env.make(env.client)
        gw.concurrency = concurrency
        env.arrange_stop(STOP_NUMBER)
        messages = [sms("+48500100200", "A", "k1"), sms(STOP_NUMBER, "B", "k2")]
        with pytest.raises(GatewayError) as info:
            gw.send(messages)
        settled = {r.key: r for r in info.value.results}
        assert "k2" not in settled
        if concurrency == 1:
            assert settled["k1"].ok
        assert env.sent_count() == len(settled)

    def test_delivery_report_for_a_sent_message(self, gw: SmsGateway, env: Env) -> None:
        [result] = gw.send([sms()])
        data, headers = env.report_for(result)
        [report] = gw.parse_delivery_reports(data, url=CALLBACK_URL, headers=headers)
        assert isinstance(report, DeliveryReport)
        assert (report.provider, report.message_id, report.status, report.is_final) == (
            env.name,
            result.message_id,
            "delivered",
            True,
        )
        assert report.to == "+48500100200"

    def test_inbound_reply(self, gw: SmsGateway, env: Env) -> None:
        [result] = gw.send([sms(sender=Sender.two_way())])
        data, headers = env.inbound_for(result, "TAK")
        inbound = gw.parse_inbound(data, url=CALLBACK_URL, headers=headers)
        assert isinstance(inbound, InboundSms)
        assert (inbound.provider, inbound.from_number, inbound.text) == (env.name, "+48500100200", "TAK")
