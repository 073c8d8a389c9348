"""Content-addressed storage of attachment bytes for queued messages.

When a message is put in the outbox, its attachments are written once under their SHA-256
(``data/outbox_files/ab/abcdef...``), so a row can be sent (or re-sent after a crash) with exactly the bytes
that were previewed, and a file shared by a thousand messages is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from atomcomm.config import Config
from atomcomm.errors import AttachmentError


def outbox_blobs(config: Config) -> BlobStore:
    """The attachment store of a workspace's outbox (``<data>/outbox_files``)."""
    return BlobStore(config.data_path / "outbox_files")


class BlobStore:
    """Files by SHA-256 under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise AttachmentError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store bytes (once) and return their SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        return digest

    def read(self, digest: str) -> bytes:
        """The bytes stored under a digest, verified.

        Raises:
            AttachmentError: missing or damaged.
        """
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise AttachmentError(f"stored attachment {digest[:12]}… is missing from {self.root}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise AttachmentError(f"stored attachment {digest[:12]}… is damaged (checksum mismatch)")
        return data
