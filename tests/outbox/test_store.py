"""OutboxStore: idempotent keys, the state machine, claims, recovery; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from atomcomm.db import make_engine, upgrade
from atomcomm.errors import DuplicateSendError, OutboxError
from atomcomm.outbox import OutboxEntry, OutboxStore, Outcome


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OutboxStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outbox.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server").createdb(f"outbox_{abs(hash(request.node.name)) % 10**8}")
    engine = make_engine(url)
    upgrade(engine)
    yield OutboxStore(engine)
    engine.dispose()


def entry(n: int, channel: str = "email", batch: str = "b1") -> OutboxEntry:
    return OutboxEntry(
        key=f"k-{n}",
        channel=channel,
        sender="company",
        recipient=f"odbiorca{n}@example.pl" if channel == "email" else f"+4860010020{n % 10}",
        recipient_name="Łucja Żółć",
        object_type="invoice",
        object_id=n,
        subject=f"Przypomnienie {n}",
        body_text="Treść ✓",
        attachments=[{"name": "invoice", "source": "print", "size": 1234}],
        meta={"kind": "transactional"},
        batch=batch,
    )


def test_add_and_read_back(store: OutboxStore) -> None:
    ids = store.add([entry(1), entry(2)])
    assert len(ids) == 2
    row = store.get(ids[0])
    assert row["state"] == "queued" and row["recipient_name"] == "Łucja Żółć"
    assert row["attachments"] == [{"name": "invoice", "source": "print", "size": 1234}]
    assert store.counts()["queued"] == 2
    df = store.rows(state="queued", object_type="invoice")
    assert list(df.index) == ids
    assert list(store.events(ids[0])["to_state"]) == ["queued"]


def test_duplicate_keys_are_refused_or_skipped(store: OutboxStore) -> None:
    [first] = store.add([entry(1)])
    with pytest.raises(DuplicateSendError, match="k-1"):
        store.add([entry(1)])
    assert store.add([entry(1), entry(2)], on_duplicate="skip")[0] == first
    assert store.counts()["queued"] == 2


def test_bad_entries(store: OutboxStore) -> None:
    with pytest.raises(OutboxError, match="255"):
        store.add([OutboxEntry(key="x" * 256, channel="email", sender="company", recipient="a@example.pl")])
    with pytest.raises(OutboxError, match="channel"):
        store.add([OutboxEntry(key="x", channel="fax", sender="company", recipient="a@example.pl")])


def test_claim_record_and_state_machine(store: OutboxStore) -> None:
    ids = store.add([entry(n) for n in range(5)], state="planned")
    assert store.claim(limit=10) == []  # planned rows are not sendable
    assert store.transition(ids, "queued") == 5
    claimed = store.claim(limit=3)
    assert [r["id"] for r in claimed] == ids[:3]
    assert all(r["state"] == "sending" and r["attempts"] == 1 for r in claimed)
    store.record(ids[0], Outcome(state="sent", status="sent", provider_id="<m1@example.pl>"))
    store.record(ids[1], Outcome(state="failed", status="rejected", error_code="550", error="no such user"))
    store.record(ids[2], Outcome(state="queued", status="failed", retryable=True, error="451 try later"))
    with pytest.raises(OutboxError, match="not being sent"):
        store.record(ids[0], Outcome(state="sent", status="sent"))
    assert store.transition([ids[0]], "queued") == 0  # sent is final
    counts = store.counts()
    assert (counts["sent"], counts["failed"], counts["queued"]) == (1, 1, 3)
    again = store.claim(limit=10)
    assert ids[2] in [r["id"] for r in again]
    assert next(r for r in again if r["id"] == ids[2])["attempts"] == 2
    log = store.events(ids[1])
    assert list(log["to_state"]) == ["planned", "queued", "sending", "failed"]
    assert log["detail"].iloc[-1] == "no such user"


def test_concurrent_claims_never_share_a_row(store: OutboxStore) -> None:
    store.add([entry(n) for n in range(60)])
    got: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            mine: list[int] = []
            while batch := store.claim(limit=7):
                mine += [r["id"] for r in batch]
            got.append(mine)
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors and "locked" not in str(errors[0]):
        raise errors[0]
    every = [i for mine in got for i in mine]
    assert len(every) == len(set(every))
    assert store.counts()["sending"] == len(every)


def test_recover_after_a_crash(store: OutboxStore) -> None:
    store.add([entry(1, "email"), entry(2, "sms")])
    store.claim(limit=10)
    assert store.recover(idempotent_channels=["sms"]) == {"queued": 1, "unknown": 1}
    rows = store.rows()
    assert dict(zip(rows["channel"], rows["state"], strict=True)) == {"email": "unknown", "sms": "queued"}


def test_delivery_reports_update_status(store: OutboxStore) -> None:
    [oid] = store.add([entry(1, "sms")])
    store.claim()
    store.record(oid, Outcome(state="sent", status="queued", provider_id="SMS-1"))
    assert store.update_status(provider_id="SMS-1", status="delivered") == 1
    assert store.get(oid)["status"] == "delivered"
    assert store.update_status(provider_id="nope", status="delivered") == 0
