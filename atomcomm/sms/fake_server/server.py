"""A fake SMSAPI-compatible HTTP server on 127.0.0.1: ``sms.do`` as SMSAPI answers it, nothing sent.

It checks the Bearer token, answers errors with HTTP 200 bodies (``error``, ``message``,
``invalid_numbers``), refuses an ``idx`` used before when ``check_idx=1`` (error 53), counts parts with
:func:`~atomcomm.sms.segments.segments`, keeps a log of what it received and posts delivery reports to a
callback URL (loopback addresses only). For tests it can drop the answer to a request it accepted, fail a
fraction of requests, and add latency.

From Python::

    with FakeSmsapiServer(latency_ms=20) as server:
        gw = SmsapiGateway(server.token, server.url)

From a shell: ``atomcomm gateway fake-smsapi --port 8090``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import logging
import queue
import random
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from atomcomm.errors import ConfigError
from atomcomm.sms.fake_server.handler import SmsDoHandler, sms_number
from atomcomm.sms.message import SENDER_NAME_RE
from atomcomm.sms.segments import segments

log = logging.getLogger("atomcomm.sms.fake_server")

POINTS_PER_PART = 0.165
MAX_PARTS = 10
_NUMERIC_SENDER = re.compile(r"^[0-9]{8,16}$")


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_loopback(url: str, what: str) -> None:
    if not is_loopback_url(url):
        raise ConfigError(
            f"{what} {url!r}: the fake SMSAPI server talks only to this machine; use 127.0.0.1 or localhost"
        )


@dataclass(frozen=True)
class ReceivedSms:
    """One message the fake server accepted (one per recipient).

    Attributes:
        id: the message id it answered with.
        to: the recipient as SMSAPI sees it (digits with the country code).
        text: the message.
        sender: the ``from`` field (None when omitted).
        idx: the ``idx`` it came with.
        parts: parts counted with ``segments()``.
        encoding: ``GSM-7`` or ``UCS-2``.
        fields: every other form field (without the token).
        at: when it was accepted (UTC, ISO 8601).
    """

    id: str
    to: str
    text: str
    sender: str | None
    idx: str | None
    parts: int
    encoding: str
    fields: dict[str, str]
    at: str


class FakeSmsapiServer:
    """The fake SMSAPI server; start it with :meth:`start` or a ``with`` block.

    Args:
        host: loopback address to listen on.
        port: TCP port; 0 picks a free one (see :attr:`url`).
        token: the Bearer token to accept; None generates one (see :attr:`token`).
        latency_ms: delay before every answer.
        fail_rate: fraction of requests answered with error 201 (retryable, nothing accepted).
        seed: seed for ``fail_rate`` draws (repeatable runs).
        callback_url: where to post delivery reports (loopback only); a request's ``notify_url`` wins.
        dlr_delay_ms: delay between accepting a message and posting its delivery report.
        undeliverable: numbers (digits) whose delivery reports say UNDELIVERED (405) instead of 404.
        senders: registered sender names; None accepts any well-formed name.
        log_file: append one JSON line per request (never the token).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        latency_ms: float = 0,
        fail_rate: float = 0.0,
        seed: int | None = None,
        callback_url: str | None = None,
        dlr_delay_ms: float = 50,
        undeliverable: set[str] | None = None,
        senders: set[str] | None = None,
        log_file: str | Path | None = None,
    ) -> None:
        _require_loopback(f"http://{host}/", "host")
        if callback_url:
            _require_loopback(callback_url, "callback URL")
        if not 0.0 <= fail_rate <= 1.0:
            raise ConfigError(f"fail rate must be between 0 and 1, not {fail_rate}")
        self.host, self.port = host, port
        self.token = token or secrets.token_urlsafe(24)
        self.latency = latency_ms / 1000
        self.fail_rate = fail_rate
        self.callback_url = callback_url
        self.dlr_delay = dlr_delay_ms / 1000
        self.undeliverable = {"".join(c for c in n if c.isdigit()) for n in undeliverable or set()}
        self.senders = senders
        self.log_file = Path(log_file) if log_file else None
        self.received: list[ReceivedSms] = []
        self.requests: list[dict[str, Any]] = []
        self.reports_posted: list[dict[str, str]] = []
        self._used_idx: set[str] = set()
        self._ids = itertools.count(int(time.time()) * 1000)
        self._random = random.Random(seed)
        self._drop = 0
        self._fail_next: list[int] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._dlr_queue: queue.Queue[tuple[float, str, dict[str, str]] | None] = queue.Queue()
        self._dlr_thread: threading.Thread | None = None

    # --- lifetime ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the running server (``http://127.0.0.1:PORT``)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeSmsapiServer:
        """Start serving in background threads; returns self."""
        if self._httpd is not None:
            return self
        handler = type("Handler", (SmsDoHandler,), {"app": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-smsapi", daemon=True
        )
        self._thread.start()
        self._dlr_thread = threading.Thread(target=self._post_reports, name="fake-smsapi-dlr", daemon=True)
        self._dlr_thread.start()
        log.info("fake SMSAPI listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and posting reports."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._dlr_thread is not None:
            self._dlr_queue.put(None)
            self._dlr_thread.join(timeout=5)
            self._dlr_thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's foreground mode)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> FakeSmsapiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test controls -----------------------------------------------------------------------------------

    def drop_answers(self, count: int = 1) -> None:
        """Accept the next ``count`` requests normally but close the connection without answering."""
        with self._lock:
            self._drop += count

    def fail_next(self, count: int = 1, code: int = 201) -> None:
        """Answer the next ``count`` requests with SMSAPI error ``code`` (nothing accepted)."""
        with self._lock:
            self._fail_next.extend([code] * count)

    # --- sms.do ------------------------------------------------------------------------------------------

    def handle(self, fields: dict[str, str], authorization: str | None) -> tuple[dict[str, Any], bool]:
        """Answer one ``sms.do`` request: (JSON body, drop the answer?)."""
        with self._lock:
            answer = self._answer(fields, authorization)
            drop = False
            if "list" in answer and self._drop > 0:
                self._drop -= 1
                drop = True
            entry = {
                "at": dt.datetime.now(dt.UTC).isoformat(),
                "fields": {k: v for k, v in fields.items() if k != "access_token"},
                "answer": answer,
                "dropped": drop,
            }
            self.requests.append(entry)
            if self.log_file is not None:
                with self.log_file.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return answer, drop

    def _answer(self, f: dict[str, str], authorization: str | None) -> dict[str, Any]:
        if authorization != f"Bearer {self.token}" and f.get("access_token") != self.token:
            return {"error": 101, "message": "Authorization failed"}
        if self._fail_next:
            return {"error": self._fail_next.pop(0), "message": "Internal error (fake server, scripted)"}
        if self.fail_rate and self._random.random() < self.fail_rate:
            return {"error": 201, "message": "Internal error (fake server, --fail-rate)"}
        text = f.get("message", "")
        if not text:
            return {"error": 11, "message": "Message is empty"}
        sender = f.get("from")
        if sender is not None and not self._sender_ok(sender):
            return {"error": 14, "message": f"Sender name {sender!r} is not active or does not exist"}
        raw_numbers = [n.strip() for n in f.get("to", "").split(",") if n.strip()]
        if not raw_numbers:
            return {"error": 13, "message": "No correct phone numbers"}
        idxs = f["idx"].split("|") if f.get("idx") else [None] * len(raw_numbers)
        if len(idxs) != len(raw_numbers):
            return {"error": 20, "message": "Invalid number of IDX values"}
        valid, invalid = [], []
        for raw, idx in zip(raw_numbers, idxs, strict=True):
            number = sms_number(raw)
            if number is None:
                invalid.append({"number": raw, "submitted_number": raw, "message": "Invalid phone number"})
            else:
                valid.append((number, raw, idx))
        if not valid:
            return {"error": 13, "message": "No correct phone numbers", "invalid_numbers": invalid}
        if f.get("check_idx") == "1" and any(idx in self._used_idx for _, _, idx in valid if idx):
            return {"error": 53, "message": "Idx already used"}
        info = segments(text)
        max_parts = int(f["max_parts"]) if f.get("max_parts", "").isdigit() else 6
        if info.parts > MAX_PARTS:
            return {"error": 11, "message": "Message too long"}
        if info.parts > max_parts:
            return {
                "error": 12,
                "message": f"Message has {info.parts} parts, more than max_parts={max_parts}",
            }
        test = f.get("test") == "1"
        now = dt.datetime.now(dt.UTC)
        entries = []
        for number, raw, idx in valid:
            message_id = str(next(self._ids))
            entries.append(
                {
                    "id": message_id,
                    "points": round(POINTS_PER_PART * info.parts, 3),
                    "number": number,
                    "date_sent": int(now.timestamp()),
                    "submitted_number": raw,
                    "status": "QUEUE",
                    "idx": idx,
                    "parts": info.parts,
                    "error": None,
                }
            )
            if test:
                continue
            if idx:
                self._used_idx.add(idx)
            extra = {k: v for k, v in f.items() if k not in ("to", "message", "from", "idx", "access_token")}
            self.received.append(
                ReceivedSms(
                    message_id, number, text, sender, idx, info.parts, info.encoding, extra, now.isoformat()
                )
            )
            self._schedule_report(message_id, number, idx, f.get("notify_url"))
        answer: dict[str, Any] = {"count": len(entries), "list": entries}
        if invalid:
            answer["invalid_numbers"] = invalid
        if f.get("details") == "1":
            answer.update({"message": text, "length": info.units, "parts": info.parts})
        return answer

    def _sender_ok(self, sender: str) -> bool:
        if sender.lower() in ("2way", "eco") or _NUMERIC_SENDER.fullmatch(sender):
            return True
        if not SENDER_NAME_RE.fullmatch(sender):
            return False
        return self.senders is None or sender in self.senders

    # --- delivery reports --------------------------------------------------------------------------------

    def _schedule_report(self, message_id: str, number: str, idx: str | None, notify_url: str | None) -> None:
        url = notify_url or self.callback_url
        if not url:
            return
        if not is_loopback_url(url):
            log.warning("fake SMSAPI: not posting a delivery report to %s (loopback addresses only)", url)
            return
        status = "405" if number in self.undeliverable else "404"
        now = str(int(time.time()))
        report = {"MsgId": message_id, "status": status, "idx": idx or "", "to": number, "donedate": now}
        self._dlr_queue.put((time.monotonic() + self.dlr_delay, url, report))

    def _post_reports(self) -> None:
        with httpx.Client(timeout=5) as client:
            while True:
                item = self._dlr_queue.get()
                if item is None:
                    return
                due, url, report = item
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    client.post(url, data=report)
                    with self._lock:
                        self.reports_posted.append(report)
                except httpx.HTTPError as err:
                    log.warning("fake SMSAPI: delivery report to %s failed: %s", url, err)

    def snapshot(self) -> list[dict[str, Any]]:
        """The accepted messages as plain dicts (for ``--json`` and notebooks)."""
        with self._lock:
            return [asdict(r) for r in self.received]
