"""Dispatcher: outcomes per row, retries of temporary failures, configuration errors lose nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.errors import ConfigError
from atomcomm.mail.memory import MemoryTransport
from atomcomm.mail.message import OutgoingEmail
from atomcomm.outbox import OutboxEntry
from atomcomm.outbox.dispatch import Dispatcher, RateLimiter, outcome_for

from ..conftest import TODAY, copy_demo, write_workspace


@pytest.fixture
def ws_mem(demo_sqlite_url: str, tmp_path: Path) -> Iterator[Workspace]:
    url = copy_demo(demo_sqlite_url, tmp_path / "demo.sqlite")
    extra = f'[data]\npath = "{tmp_path / "data"}"\n\n[mailboxes.company]\ntransport = "memory"\n'
    w = Workspace.open(write_workspace(tmp_path / "ws", url, extra), today=TODAY, environ={})
    yield w
    w.close()


def email_entry(n: int, recipient: str) -> OutboxEntry:
    return OutboxEntry(
        key=f"test-{n}", channel="email", sender="company", recipient=recipient, recipient_name="Zoë Żak",
        subject=f"Wiadomość {n}", body_text="Treść", object_type="invoice", object_id=1,
    )  # fmt: skip


def use_memory(ws: Workspace, monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> list[OutgoingEmail]:
    sent: list[OutgoingEmail] = []
    transport = MemoryTransport(sent, mailbox="company", **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(ws.mailboxes, "transport", lambda _mailbox: transport)
    return sent


def test_outcomes_per_row_and_retry_of_temporary_failures(
    ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = use_memory(ws_mem, monkeypatch, reject=["zly@example.pl"], defer=["pozniej@example.pl"])
    ids = ws_mem.outbox.add([email_entry(1, "dobry@example.pl"), email_entry(2, "zly@example.pl"),
                             email_entry(3, "pozniej@example.pl")])  # fmt: skip
    outcomes = {o.recipient: o for o in Dispatcher(ws_mem, sleep=lambda _s: None).run(ids=ids)}
    assert outcomes["dobry@example.pl"].state == "sent"
    assert outcomes["zly@example.pl"].state == "failed" and outcomes["zly@example.pl"].status == "rejected"
    later = outcomes["pozniej@example.pl"]
    assert later.state == "queued" and later.retryable
    assert [m.recipients for m in sent] == [("dobry@example.pl",)]
    row = ws_mem.outbox.get(later.outbox_id)
    assert row["next_attempt_at"] is not None and row["attempts"] == 1
    # not due yet: nothing is sent again
    assert Dispatcher(ws_mem).run(ids=ids) == []


def test_temporary_failures_become_final_after_max_attempts(
    ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_memory(ws_mem, monkeypatch, defer=["pozniej@example.pl"])
    [oid] = ws_mem.outbox.add([email_entry(1, "pozniej@example.pl")])
    d = Dispatcher(ws_mem, max_attempts=2, sleep=lambda _s: None)
    assert [o.state for o in d.run(ids=[oid])] == ["queued"]
    ws_mem.outbox.engine.dispose()
    from sqlalchemy import update

    from atomcomm.outbox.tables import outbox

    with ws_mem.engine.begin() as conn:  # make the retry due now
        conn.execute(update(outbox).where(outbox.c.id == oid).values(next_attempt_at=None))
    assert [o.state for o in d.run(ids=[oid])] == ["failed"]
    assert ws_mem.outbox.get(oid)["attempts"] == 2


def test_configuration_errors_put_rows_back(ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_mailbox: object) -> None:
        raise ConfigError("password of mailbox 'company': environment variable X is not set")

    monkeypatch.setattr(ws_mem.mailboxes, "transport", broken)
    ids = ws_mem.outbox.add([email_entry(1, "a@example.pl"), email_entry(2, "b@example.pl")])
    with pytest.raises(ConfigError, match="not set"):
        Dispatcher(ws_mem).run(ids=ids)
    rows = ws_mem.outbox.rows().loc[ids]
    assert set(rows["state"]) == {"queued"}
    assert all("not set" in e for e in rows["error"])


def test_a_message_that_cannot_be_built_fails_alone(
    ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = use_memory(ws_mem, monkeypatch)
    bad = email_entry(1, "a@example.pl")
    bad.subject = "Zły\r\nBcc: ofiara@example.pl"
    ids = ws_mem.outbox.add([bad, email_entry(2, "b@example.pl")])
    states = [o.state for o in Dispatcher(ws_mem, sleep=lambda _s: None).run(ids=ids)]
    assert states == ["failed", "sent"]
    assert len(sent) == 1 and "ofiara" not in sent[0].data.decode()
    assert "Subject" in ws_mem.outbox.get(ids[0])["error"]


def test_one_transport_session_per_batch(ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[OutgoingEmail] = []
    transport = MemoryTransport(sent, mailbox="company")
    monkeypatch.setattr(ws_mem.mailboxes, "transport", lambda _m: transport)
    ids = ws_mem.outbox.add([email_entry(n, f"r{n}@example.pl") for n in range(25)])
    Dispatcher(ws_mem, sleep=lambda _s: None).run(ids=ids)
    assert len(sent) == 25 and transport.connections == 1


@pytest.mark.parametrize(
    ("status", "attempts", "retryable", "state"),
    [
        ("sent", 1, False, "sent"),
        ("queued", 1, False, "sent"),
        ("unknown", 1, True, "unknown"),
        ("failed", 1, True, "queued"),
        ("failed", 3, True, "failed"),
        ("rejected", 1, False, "failed"),
        ("invalid", 1, False, "failed"),
    ],
    ids=["sent", "accepted", "unknown", "temporary", "temporary-last", "rejected", "invalid"],
)
def test_outcome_table(status: str, attempts: int, retryable: bool, state: str) -> None:
    assert outcome_for(status, attempts, retryable=retryable, max_attempts=3) == state


def test_rate_limiter_spaces_messages_after_a_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    for _ in range(6):
        limiter.wait(sleep)
    assert slept == pytest.approx([1.0, 1.0, 1.0])
    assert now[0] == pytest.approx(3.0)


@pytest.mark.parametrize(("gateway", "sms_state"), [("fake", "queued"), ("twilio", "unknown")])
def test_recover_requeues_sms_only_where_the_gateway_dedupes(
    ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch, gateway: str, sms_state: str
) -> None:
    from atomcomm.sms import FakeGateway, TwilioGateway

    cls = FakeGateway if gateway == "fake" else TwilioGateway
    monkeypatch.setattr(ws_mem.sms, "gateway", lambda **_kw: cls.__new__(cls))
    sms_row = OutboxEntry(
        key="sms-1", channel="sms", sender="name:ATOM", recipient="+48600100200", body_text="x"
    )
    ids = ws_mem.outbox.add([email_entry(1, "a@example.pl"), sms_row])
    ws_mem.outbox.claim(ids=ids, limit=10)
    Dispatcher(ws_mem).recover()
    rows = ws_mem.outbox.rows().loc[ids]
    assert dict(zip(rows["channel"], rows["state"], strict=True)) == {"email": "unknown", "sms": sms_state}


def test_server_lost_mid_batch_keeps_the_rest_queued(
    ws_mem: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atomcomm.errors import TransportError

    sent: list[OutgoingEmail] = []

    class Flaky(MemoryTransport):
        def _send_batch(self, batch):  # type: ignore[no-untyped-def]
            if len(sent) == 2:
                raise TransportError("127.0.0.1:2525 closed the connection")
            return super()._send_batch(batch)

    transport = Flaky(sent, mailbox="company")
    monkeypatch.setattr(ws_mem.mailboxes, "transport", lambda _m: transport)
    ids = ws_mem.outbox.add([email_entry(n, f"r{n}@example.pl") for n in range(5)])
    outcomes = Dispatcher(ws_mem, sleep=lambda _s: None).run(ids=ids)
    assert [o.state for o in outcomes] == ["sent", "sent", "queued", "queued", "queued"]
    rows = ws_mem.outbox.rows().loc[ids]
    assert list(rows["state"]) == ["sent", "sent", "queued", "queued", "queued"]
    assert all("closed the connection" in e for e in rows["error"].iloc[2:])
    assert ws_mem.outbox.counts()["sending"] == 0
