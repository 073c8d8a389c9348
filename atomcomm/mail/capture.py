"""A transport that writes each message as an ``.eml`` file instead of sending it.

The demo configuration uses it, so the lab never sends real mail. Files land in
``<data>/captured/<mailbox>/`` and every message adds one JSON line to ``index.jsonl`` there (file,
key, Message-ID, envelope, subject, time). Any mail client opens the ``.eml`` files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atomcomm.errors import TransportError
from atomcomm.mail.message import OutgoingEmail
from atomcomm.mail.result import SendResult, Status
from atomcomm.mail.transport import MailTransport

if TYPE_CHECKING:
    from atomcomm.mail.mailboxes import Mailbox

INDEX = "index.jsonl"


def _safe(text: str, limit: int = 80) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")[:limit] or "message"


class CaptureTransport(MailTransport):
    """Writes messages into a folder as ``.eml`` files with an index.

    Args:
        folder: where the files go (created on open).
        mailbox: name of the mailbox, for results and the index.
    """

    kind = "capture"

    def __init__(self, folder: str | Path, *, mailbox: str = "") -> None:
        super().__init__(mailbox=mailbox)
        self.folder = Path(folder)
        self.connections = 0
        self._open = False

    @classmethod
    def for_mailbox(cls, mailbox: Mailbox, data_path: Path) -> CaptureTransport:
        """The capture folder of a mailbox: ``<data_path>/captured/<mailbox name>/``."""
        return cls(data_path / "captured" / _safe(mailbox.name), mailbox=mailbox.name)

    @property
    def index_path(self) -> Path:
        return self.folder / INDEX

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> bool:
        """Create the folder; True when this call opened the (pretend) session."""
        if self._open:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TransportError(f"capture folder {self.folder} cannot be created: {err}") from err
        self._open = True
        self.connections += 1
        return True

    def close(self) -> None:
        self._open = False

    def index(self) -> list[dict[str, Any]]:
        """The index entries of captured messages, oldest first ([] when nothing was captured)."""
        if not self.index_path.exists():
            return []
        with self.index_path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def _send_batch(self, batch: list[OutgoingEmail]) -> list[SendResult]:
        results: list[SendResult] = []
        for msg in batch:
            path = self._write(msg)
            entry = {
                "file": path.name,
                "key": msg.key,
                "message_id": msg.message_id,
                "mailbox": msg.mailbox or self.mailbox,
                "from": str(msg.message["From"]),
                "sender": msg.sender,
                "recipients": list(msg.recipients),
                "subject": msg.subject,
                "bytes": len(msg.data),
                "captured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            # one short append per message: concurrent writers do not interleave lines
            with self.index_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            results.extend(
                self._result(msg, rcpt, Status.SENT, raw=f"captured to {path}") for rcpt in msg.recipients
            )
        return results

    def _write(self, msg: OutgoingEmail) -> Path:
        stem = _safe(msg.key)
        for n in range(1, 10_000):
            path = self.folder / (f"{stem}.eml" if n == 1 else f"{stem}-{n}.eml")
            try:
                with path.open("xb") as fh:
                    fh.write(msg.data)
                return path
            except FileExistsError:
                continue
            except OSError as err:
                raise TransportError(f"capture: cannot write {path}: {err}") from err
        raise TransportError(f"capture: too many messages with key {msg.key!r} in {self.folder}")
