"""Capture and memory transports beyond the shared contract: files and index, reject/defer lists, factory."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from atomcomm.errors import ConfigError
from atomcomm.mail import (
    CaptureTransport,
    Mailbox,
    MemoryTransport,
    OutgoingEmail,
    SmtpTransport,
    Status,
    build_email,
    memory,
    transport_for,
)


def mail(company: Mailbox, key: str, to: str | list[str] = "jan@example.pl") -> OutgoingEmail:
    return build_email(company, key=key, to=to, subject=f"Temat {key} – żółć", text="Treść")


def test_capture_writes_eml_files_and_an_index(company: Mailbox, tmp_path: Path) -> None:
    t = CaptureTransport.for_mailbox(company, tmp_path / "data")
    results = t.send(
        [mail(company, "inv/42 reminder#1", ["a@example.pl", "b@example.pl"]), mail(company, "k2")]
    )
    folder = tmp_path / "data" / "captured" / "company"
    assert t.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == ["index.jsonl", "inv-42-reminder-1.eml", "k2.eml"]
    assert results[0].raw == f"captured to {folder / 'inv-42-reminder-1.eml'}"
    entries = [json.loads(line) for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    assert entries == t.index()
    first = entries[0]
    assert first["key"] == "inv/42 reminder#1" and first["recipients"] == ["a@example.pl", "b@example.pl"]
    assert (
        first["subject"] == "Temat inv/42 reminder#1 – żółć" and first["sender"] == "faktury@atom.example.pl"
    )
    msg = email.message_from_bytes((folder / first["file"]).read_bytes(), policy=email.policy.default)
    assert msg["Message-ID"] == first["message_id"] == results[0].message_id
    assert first["bytes"] == (folder / first["file"]).stat().st_size


def test_capture_keeps_every_resend_of_the_same_key(company: Mailbox, tmp_path: Path) -> None:
    t = CaptureTransport(tmp_path)
    for _ in range(3):
        t.send([mail(company, "same")])
    assert [e["file"] for e in t.index()] == ["same.eml", "same-2.eml", "same-3.eml"]


def test_capture_index_is_empty_before_anything_was_sent(tmp_path: Path) -> None:
    assert CaptureTransport(tmp_path / "nothing").index() == []


def test_memory_defaults_to_the_module_outbox(company: Mailbox) -> None:
    m = mail(company, "k")
    MemoryTransport().send([m])
    assert memory.outbox == [m]


def test_memory_reject_and_defer_lists_give_partial_failures(company: Mailbox) -> None:
    sink: list[OutgoingEmail] = []
    t = MemoryTransport(sink, reject={"Zly@example.pl"}, defer={"pozniej@example.pl"})
    results = t.send(
        [
            mail(company, "a", ["jan@example.pl", "zly@example.pl", "pozniej@example.pl"]),
            mail(company, "b", "zly@example.pl"),
        ]
    )
    assert [(r.recipient, r.status, r.error_code, r.retryable) for r in results] == [
        ("jan@example.pl", Status.SENT, None, False),
        ("zly@example.pl", Status.REJECTED, "550", False),
        ("pozniej@example.pl", Status.FAILED, "451", True),
        ("zly@example.pl", Status.REJECTED, "550", False),
    ]
    assert [m.key for m in sink] == ["a"], "a message nobody accepted is not kept"
    assert [r.ok for r in results] == [True, False, False, False]


def test_factory_picks_the_transport_of_the_mailbox(tmp_path: Path) -> None:
    base = {"address": "a@atom.example.pl"}
    smtp = transport_for(
        Mailbox.from_settings(
            "anowak",
            {**base, "transport": "smtp", "host": "127.0.0.1", "security": "ssl", "login": "a", "timeout": 7},
        )
    )
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.where, smtp.security, smtp.login, smtp.timeout, smtp.mailbox) == (
        "127.0.0.1:465",
        "ssl",
        "a",
        7.0,
        "anowak",
    )
    capture = transport_for(Mailbox.from_settings("anowak", base), data_path=tmp_path)
    assert isinstance(capture, CaptureTransport) and capture.folder == tmp_path / "captured" / "anowak"
    assert isinstance(
        transport_for(Mailbox.from_settings("anowak", {**base, "transport": "memory"})), MemoryTransport
    )


def test_smtp_transport_refuses_an_unknown_security_mode() -> None:
    with pytest.raises(ConfigError, match="smtp security must be one of ssl, starttls, none; got 'tls'"):
        SmtpTransport("127.0.0.1", security="tls")  # type: ignore[arg-type]
