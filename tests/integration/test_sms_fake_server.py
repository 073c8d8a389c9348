"""SmsapiGateway over real HTTP on 127.0.0.1 against the fake SMSAPI server (in process and as a command)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from atomcomm.sms import FakeSmsapiServer, Sender, Sms, SmsapiGateway
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def message(key: str, to: str = "+48500100200", text: str = "Przypomnienie: faktura FV/1 do zapłaty") -> Sms:
    return Sms(to=to, text=text, sender=Sender.name("ATOM"), key=key)


@pytest.fixture
def server() -> Iterator[FakeSmsapiServer]:
    with FakeSmsapiServer() as s:
        yield s


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def test_send_over_real_http(server: FakeSmsapiServer, client: httpx.Client) -> None:
    gw = SmsapiGateway(server.token, server.url, client=client)
    results = gw.send(
        [
            message("k1"),
            message("k2", "+48600100200"),
            message("k3", "+48500100201", "Inny tekst"),
            message("k4", "22 123 45 67"),
        ]
    )
    assert [r.status for r in results] == ["queued", "queued", "queued", "invalid"]
    assert [r.message_id for r in results[:3]] == [
        m.id for m in sorted(server.received, key=lambda m: m.idx or "")
    ]
    assert [len(r["fields"]["to"].split(",")) for r in server.requests] == [
        2,
        1,
    ]  # one shared text, one other
    assert {m.sender for m in server.received} == {"ATOM"}
    assert all(m.fields["encoding"] == "utf-8" for m in server.received)


def test_wrong_token_stops_the_batch(server: FakeSmsapiServer, client: httpx.Client) -> None:
    from atomcomm.errors import GatewayError

    gw = SmsapiGateway("not-the-token", server.url, client=client)
    with pytest.raises(GatewayError, match="error 101"):
        gw.send([message("k1")])
    assert server.received == []


def test_dropped_answer_then_retry_sends_once(server: FakeSmsapiServer, client: httpx.Client) -> None:
    server.drop_answers(1)
    gw = SmsapiGateway(server.token, server.url, client=client, retries=2, retry_backoff=0)
    [result] = gw.send([message("inv-42-reminder-1")])
    assert (result.status, result.duplicate, result.attempts) == ("queued", True, 2)
    assert [m.idx for m in server.received] == ["inv-42-reminder-1"]
    assert [r["dropped"] for r in server.requests] == [True, False]
    assert server.requests[1]["answer"]["error"] == 53


def test_lost_answer_left_to_a_later_retry_sends_once(server: FakeSmsapiServer, client: httpx.Client) -> None:
    server.drop_answers(1)
    gw = SmsapiGateway(server.token, server.url, client=client, retries=0)
    [first] = gw.send([message("k1")])
    assert (first.status, first.error_code, first.retryable) == ("unknown", "connection_lost", True)
    [later] = gw.send([message("k1")])  # what the outbox does with a retryable result
    assert (later.status, later.duplicate) == ("queued", True)
    assert len(server.received) == 1


def test_timeout_after_acceptance_then_retry_sends_once(client: httpx.Client) -> None:
    with FakeSmsapiServer(latency_ms=400) as slow:
        with httpx.Client(timeout=0.1) as short:
            impatient = SmsapiGateway(slow.token, slow.url, client=short, retries=0)
            [first] = impatient.send([message("k1")])
        assert (first.status, first.error_code, first.retryable) == ("unknown", "timeout", True)
        deadline = time.monotonic() + 5
        while not slow.received and time.monotonic() < deadline:
            time.sleep(0.02)
        [later] = SmsapiGateway(slow.token, slow.url, client=client).send([message("k1")])
        assert (later.status, later.duplicate) == ("queued", True)
        assert len(slow.received) == 1


def test_failover_to_the_backup_host(server: FakeSmsapiServer) -> None:
    closed_port = free_port()  # nothing listens there
    ports: list[int | None] = []
    with httpx.Client(timeout=5, event_hooks={"request": [lambda r: ports.append(r.url.port)]}) as client:
        gw = SmsapiGateway(
            server.token, f"http://127.0.0.1:{closed_port}", backup_url=server.url, client=client
        )
        [first] = gw.send([message("k1")])
        [second] = gw.send([message("k2")])
    assert first.ok and second.ok and first.attempts == 1
    assert len(server.received) == 2
    assert ports == [closed_port, server.port, server.port]  # the second send went straight to the backup


def test_failover_with_the_gateways_own_client(server: FakeSmsapiServer) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    gw = SmsapiGateway(server.token, closed, backup_url=server.url, timeout=2)
    [result] = gw.send([message("k1")])
    assert result.ok
    with pytest.raises(RuntimeError, match="not open"):
        _ = gw.client  # send closed the client it opened


def test_retries_absorb_a_failure_rate_without_duplicates(client: httpx.Client) -> None:
    with FakeSmsapiServer(fail_rate=0.3, seed=3) as flaky:
        gw = SmsapiGateway(flaky.token, flaky.url, client=client, retries=6, retry_backoff=0, concurrency=4)
        messages = [message(f"k{i}", f"+48500100{i:03d}", f"Tekst {i}") for i in range(30)]
        results = gw.send(messages)
        assert all(r.ok and not r.duplicate for r in results)
        assert sum(r.attempts for r in results) > 30  # some were retried
        assert sorted(m.idx or "" for m in flaky.received) == sorted(m.key for m in messages)


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[str]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.bodies.append(self.rfile.read(length).decode())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_delivery_reports_are_posted_to_the_callback(client: httpx.Client) -> None:
    bodies: list[str] = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (_Receiver,), {"bodies": bodies}))
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/sms/dlr"
    try:
        with FakeSmsapiServer(callback_url=callback, dlr_delay_ms=10, undeliverable={"48600100200"}) as srv:
            gw = SmsapiGateway(srv.token, srv.url, client=client)
            ok, bad = gw.send([message("k1"), message("k2", "+48600100200")])
            deadline = time.monotonic() + 5
            while len(bodies) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        receiver.shutdown()
        receiver.server_close()
    reports = {r.key: r for body in bodies for r in gw.parse_delivery_reports(body)}
    assert (reports["k1"].message_id, reports["k1"].status, reports["k1"].to) == (
        ok.message_id,
        "delivered",
        "+48500100200",
    )
    assert (reports["k2"].message_id, reports["k2"].status, reports["k2"].is_final) == (
        bad.message_id,
        "failed",
        True,
    )


def _wait_for_port(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the fake server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the fake server did not start")


def test_command_line_server(tmp_path: Path, client: httpx.Client) -> None:
    port = free_port()
    log = tmp_path / "received.jsonl"
    env = {**os.environ, "ATOMCOMM_SMSAPI_TOKEN": "cli-test-token"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "atomcomm.cli",
            "gateway",
            "fake-smsapi",
            "--port",
            str(port),
            "--latency-ms",
            "5",
            "--log",
            str(log),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port, proc)
        gw = SmsapiGateway("cli-test-token", f"http://127.0.0.1:{port}", client=client)
        [result] = gw.send([message("cli-1")])
        assert result.ok
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"listening on http://127.0.0.1:{port}/sms.do" in out
    assert "received 1 message(s) in 1 request(s)" in out
    assert "cli-test-token" not in out + err + log.read_text(encoding="utf-8")
    [entry] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert entry["fields"]["idx"] == "cli-1" and entry["answer"]["count"] == 1
