"""The HTTP side of the fake SMSAPI server: a threaded ``http.server`` handler for ``sms.do``."""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import phonenumbers

if TYPE_CHECKING:
    from atomcomm.sms.fake_server.server import FakeSmsapiServer

log = logging.getLogger("atomcomm.sms.fake_server")


def sms_number(raw: str) -> str | None:
    """SMSAPI's reading of a ``to`` entry: digits with the country code, or None if not a mobile number."""
    digits = "".join(c for c in raw if c.isdigit())
    if not digits:
        return None
    try:
        number = phonenumbers.parse("+" + digits if len(digits) > 9 else digits, "PL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


class SmsDoHandler(BaseHTTPRequestHandler):
    """Answers ``/sms.do`` (POST or GET, form or JSON body) from the server object in ``app``."""

    protocol_version = "HTTP/1.1"
    # one segment per answer and no Nagle delay: otherwise delayed ACKs add ~40 ms to every request
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    app: FakeSmsapiServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake SMSAPI: " + format, *args)

    def _fields(self) -> dict[str, str]:
        query = urlsplit(self.path).query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        if "json" in (self.headers.get("Content-Type") or "") and body:
            data = json.loads(body)
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        merged = parse_qs(query, keep_blank_values=True)
        merged.update(parse_qs(body, keep_blank_values=True))
        return {k: v[0] for k, v in merged.items()}

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        if urlsplit(self.path).path.rstrip("/") not in ("/sms.do", "/api/sms.do"):
            self._reply(404, b'{"error": 404, "message": "Not found"}', "application/json")
            return
        try:
            fields = self._fields()
        except ValueError:
            self._reply(200, b'{"error": 8, "message": "Error in request"}', "application/json")
            return
        answer, drop = self.app.handle(fields, self.headers.get("Authorization"))
        if self.app.latency:
            time.sleep(self.app.latency)
        if drop:
            self.close_connection = True  # the message is accepted; the client never hears so
            return
        if fields.get("format") == "json":
            self._reply(200, json.dumps(answer).encode(), "application/json")
        elif "error" in answer and "list" not in answer:
            self._reply(200, f"ERROR:{answer['error']}".encode(), "text/plain")
        else:
            text = ";".join(f"OK:{e['id']}:{e['points']}" for e in answer["list"])
            self._reply(200, text.encode(), "text/plain")

    do_POST = _serve
    do_GET = _serve
