"""2,000 e-mails (HTML + text, a 100 KB PDF attachment shared by all) to an aiosmtpd sink in another process.

``SmtpTransport.send`` (serialises each ``EmailMessage``, one transaction per message with per-recipient
results, one connection for the batch) against raw smtplib sending pre-built bytes with ``sendmail`` over
one connection. The same messages go through both; the baseline's bytes are serialised before its clock
starts, ours inside the measured send (``OutgoingEmail.data``); a third run sends messages serialised
beforehand through SmtpTransport, to show the transport's own cost apart from the email package's. Each side sends 2,000 messages in four
alternating rounds of 500, one connection per round; building the messages is timed apart. Goal: ratio
>= 0.5.
"""

from __future__ import annotations

import gc
import os
import random
import smtplib
import socket
import subprocess
import sys
import time

from atomcomm.mail import Attachment, Mailbox, OutgoingEmail, SmtpTransport, build_email
from benchmarks.common import report

COUNT = 2000
ROUNDS = 4
HOST = "127.0.0.1"
HTML = """<html><head><style>
body {{ font-family: Arial, sans-serif; }} td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; }}
.due {{ color: #b00; font-weight: bold; }}
</style></head><body>
<p>Dzień dobry, {name},</p>
<p>przypominamy o płatności za fakturę <b>FV/2026/11/{n:05d}</b>.</p>
<table><tr><td>Kwota</td><td class="due">{amount},00 zł</td></tr><tr><td>Termin</td><td>2026-11-{day:02d}</td></tr></table>
<p>Fakturę w PDF załączamy. Pozdrawiamy, dział księgowości Atom Sp. z o.o.</p>
</body></html>"""
TEXT = (
    "Dzień dobry, {name},\n\nprzypominamy o płatności za fakturę FV/2026/11/{n:05d}: {amount},00 zł "
    "do 2026-11-{day:02d}.\n\nPozdrawiamy, Atom Sp. z o.o.\n"
)


def _pdf() -> bytes:
    rng = random.Random(42)
    body = bytes(rng.getrandbits(8) for _ in range(100 * 1024 - 64))
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + body + b"\n%%EOF\n"


def _messages(mailbox: Mailbox, pdf: bytes, run: str, first: int, count: int) -> list[OutgoingEmail]:
    out = []
    for n in range(first, first + count):
        fields = {"name": f"Kliencie {n}", "n": n, "amount": 100 + n, "day": 1 + n % 28}
        out.append(
            build_email(
                mailbox,
                key=f"bench-{run}-{n}",
                to=(f"Klient Żółty {n}", f"klient{n}@example.pl"),
                subject=f"Przypomnienie o płatności FV/2026/11/{n:05d} – Atom",
                html=HTML.format(**fields),
                text=TEXT.format(**fields),
                attachments=[Attachment(f"Faktura_FV-2026-11-{n:05d}.pdf", pdf)],
            )
        )
    return out


def _start_sink() -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{HOST}:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the aiosmtpd sink did not start on {HOST}:{port}")


def main() -> None:
    mailbox = Mailbox.from_settings(
        "company", {"name": "Atom Sp. z o.o. – Faktury", "address": "faktury@atom.example.pl"}
    )
    pdf = _pdf()
    proc, port = _start_sink()
    step = COUNT // ROUNDS
    ours_took = ready_took = raw_took = built = 0.0
    size = 0
    try:
        with smtplib.SMTP(HOST, port, timeout=30) as warm:
            for m in _messages(mailbox, pdf, "warm-up", 0, 20):
                warm.sendmail(m.sender, list(m.recipients), m.message.as_bytes())
        # rounds alternate, so drift of a shared machine hits both sides alike; each round builds its
        # messages first (off the clock), as a dispatcher builds a chunk before sending it
        for first in range(0, COUNT, step):
            started = time.perf_counter()
            ours_batch = _messages(mailbox, pdf, "ours", first, step)
            built += time.perf_counter() - started
            raw_batch = [
                (m.sender, list(m.recipients), m.message.as_bytes())
                for m in _messages(mailbox, pdf, "raw", first, step)
            ]
            ready_batch = _messages(mailbox, pdf, "ready", first, step)
            for m in ready_batch:
                _ = m.data  # serialised off the clock, like the baseline's bytes
            size += sum(len(data) for _, _, data in raw_batch)
            gc.collect()

            transport = SmtpTransport(HOST, port, security="none", timeout=30)
            started = time.perf_counter()
            results = transport.send(ours_batch)
            ours_took += time.perf_counter() - started
            if len(results) != step or not all(r.ok for r in results):
                bad = next(r for r in results if not r.ok)
                raise RuntimeError(f"SmtpTransport: not every message was sent, e.g. {bad}")
            if transport.connections != 1:
                raise RuntimeError(f"SmtpTransport used {transport.connections} connections for one batch")

            transport = SmtpTransport(HOST, port, security="none", timeout=30)
            started = time.perf_counter()
            if not all(r.ok for r in transport.send(ready_batch)):
                raise RuntimeError("SmtpTransport: not every pre-serialised message was sent")
            ready_took += time.perf_counter() - started

            started = time.perf_counter()
            with smtplib.SMTP(HOST, port, timeout=30) as smtp:
                for sender, rcpts, data in raw_batch:
                    smtp.sendmail(sender, rcpts, data)
            raw_took += time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(10)

    ours_rate, ready_rate, raw_rate = COUNT / ours_took, COUNT / ready_took, COUNT / raw_took
    mib = size / 1024 / 1024
    print(f"   {COUNT} messages of {size / COUNT / 1024:.0f} KiB; sink: aiosmtpd in a separate process")
    print(f"   built in {built:.2f} s = {COUNT / built:.0f} msg/s (off the clock of every side)")
    for label, took in (
        ("SmtpTransport", ours_took),
        ("raw smtplib, pre-built bytes", raw_took),
        ("SmtpTransport, serialised beforehand", ready_took),
    ):
        print(f"   {label:>36}: {COUNT / took:6.1f} msg/s ({mib / took:5.1f} MiB/s, {took:5.2f} s)")
    print(
        f"   ({ROUNDS} alternating rounds of {step}, one connection each; {os.cpu_count()} CPUs)", flush=True
    )
    report("SmtpTransport / raw smtplib (msg/s)", ours_rate, raw_rate, goal=0.5)
    report("transport alone (serialised beforehand) / raw smtplib", ready_rate, raw_rate)


if __name__ == "__main__":
    main()
