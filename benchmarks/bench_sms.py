"""1,000 SMS to the fake SMSAPI server with 20 ms latency: 16 requests in flight vs one at a time.

Both runs use the same server, the same real ``httpx.Client`` over 127.0.0.1 and ``SmsapiGateway``; only
``concurrency`` differs. Each message has its own text (a personalised reminder), so each is one request.
Goal: ratio >= 10.
"""

from __future__ import annotations

import time

import httpx

from atomcomm.sms import FakeSmsapiServer, Sender, Sms, SmsapiGateway
from benchmarks.common import report

COUNT = 1000
LATENCY_MS = 20
CONCURRENCY = 16


def _messages(run: str) -> list[Sms]:
    return [
        Sms(
            to=f"+48500{100000 + i:06d}",
            text=f"Atom: faktura FV/2026/{i:05d} czeka na zaplate, kwota {100 + i},00 zl. Dziekujemy.",
            sender=Sender.name("ATOM"),
            key=f"bench-{run.replace(' ', '-')}-{i}",
        )
        for i in range(COUNT)
    ]


def _rate(server: FakeSmsapiServer, client: httpx.Client, concurrency: int, run: str) -> float:
    gateway = SmsapiGateway(server.token, server.url, client=client, concurrency=concurrency, retry_backoff=0)
    messages = _messages(run)
    started = time.perf_counter()
    results = gateway.send(messages)
    took = time.perf_counter() - started
    accepted = sum(r.ok and not r.duplicate for r in results)
    if accepted != COUNT:
        raise RuntimeError(f"{run}: only {accepted} of {COUNT} accepted")
    rate = COUNT / took
    print(f"   {run:>14}: {COUNT} SMS in {took:5.2f} s = {rate:7.1f} SMS/s", flush=True)
    return rate


def main() -> None:
    limits = httpx.Limits(max_connections=CONCURRENCY * 2, max_keepalive_connections=CONCURRENCY * 2)
    with FakeSmsapiServer(latency_ms=LATENCY_MS) as server, httpx.Client(timeout=30, limits=limits) as client:
        SmsapiGateway(server.token, server.url, client=client).send(
            [Sms("+48500100000", "warm-up", Sender.name("ATOM"), "bench-warm-up")]
        )
        sequential = _rate(server, client, 1, "one at a time")
        concurrent = _rate(server, client, CONCURRENCY, f"{CONCURRENCY} at a time")
        if len(server.received) != 2 * COUNT + 1:
            raise RuntimeError(
                f"the server received {len(server.received)} messages, expected {2 * COUNT + 1}"
            )
    report(
        f"bounded concurrency {CONCURRENCY} vs one at a time ({LATENCY_MS} ms latency)",
        concurrent,
        sequential,
        goal=10,
    )


if __name__ == "__main__":
    main()
