"""Fixtures for the SMS tests: recorded HTTP exchanges through httpx.MockTransport, a workspace of its own."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from atomcomm import Workspace
from atomcomm.sms import Sender, Sms
from tests.conftest import TODAY, write_workspace

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """An httpx client whose transport answers from a handler and remembers every request."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def form(self, n: int = -1) -> dict[str, str]:
        """Form fields of request ``n`` (single values)."""
        body = self.requests[n].content.decode()
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


@pytest.fixture
def recorder() -> Callable[[Handler], Recorder]:
    return Recorder


def json_response(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def sms(
    to: str = "+48500100200",
    text: str = "Przypomnienie o płatności",
    key: str = "inv-42-reminder-1",
    sender: Sender | None = None,
    **kwargs: Any,
) -> Sms:
    return Sms(to=to, text=text, sender=sender or Sender.name("ATOM"), key=key, **kwargs)


@pytest.fixture
def sms_ws(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with its own empty SQLite database and [sms] users in atomcomm.toml."""
    folder = write_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'sms.sqlite'}",
        '[sms]\ngateway = "fake"\nsender = "name:ATOM"\n\n'
        '[sms.users.anowak]\nsender = "name:ANOWAK"\n\n'
        '[sms.users.jkowal]\nsender = "number:+48600100200"\n',
    )
    w = Workspace.open(folder, user="anowak", today=TODAY, environ={})
    yield w
    w.close()
