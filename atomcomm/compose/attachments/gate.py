"""The gate before sending: every included attachment usable, the total within ``[attachments] max_total_bytes``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from atomcomm.compose.attachments.proposal import AttachmentProposal
from atomcomm.errors import AttachmentError, ConfigError

if TYPE_CHECKING:
    from atomcomm.config import Config

DEFAULT_MAX_TOTAL_BYTES = 10 * 1024 * 1024


def max_total_bytes(config: Config) -> int:
    """``[attachments] max_total_bytes`` (10 MB by default).

    Raises:
        ConfigError: not a positive whole number.
    """
    value = config.section("attachments").get("max_total_bytes", DEFAULT_MAX_TOTAL_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"[attachments] max_total_bytes must be a positive number of bytes, got {value!r}")
    return value


def human_size(size: int) -> str:
    """``10485760`` → ``10.0 MB``; ``2048`` → ``2.0 kB``; ``12`` → ``12 B``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size} B"


def total_size(proposals: Iterable[AttachmentProposal]) -> int:
    """Bytes of the included attachments whose size is known."""
    return sum(p.size or 0 for p in proposals if p.included)


def check_attachments(proposals: Sequence[AttachmentProposal], max_total: int) -> list[AttachmentProposal]:
    """The included attachments, once they are all usable and within the size limit.

    Prints not yet rendered are rendered here (from the cache when possible) to know their sizes.

    Raises:
        AttachmentError: an included attachment has an error (named, with the fix), or the total is over
            ``max_total`` (the sizes are listed so the user sees what to remove).
    """
    included = [p for p in proposals if p.included]
    for p in included:
        p.measure()
    bad = [p for p in included if p.error is not None]
    if bad:
        listed = "; ".join(f"{p.filename}: {p.error}" for p in bad)
        raise AttachmentError(f"cannot send: {listed}. Fix the file or remove it from the attachments.")
    total = total_size(included)
    if total > max_total:
        listed = ", ".join(f"{p.filename} ({human_size(p.size or 0)})" for p in included)
        raise AttachmentError(
            f"attachments take {human_size(total)}, over the limit of {human_size(max_total)} per message "
            f"([attachments] max_total_bytes): {listed}. Remove some attachments or send them separately."
        )
    return included


def attachment_payloads(
    proposals: Sequence[AttachmentProposal], max_total: int
) -> list[tuple[str, str, bytes]]:
    """(file name, content type, bytes) of the included attachments, after :func:`check_attachments`.

    Equal file names get a ``-2``, ``-3`` suffix, so a recipient can tell them apart.
    """
    out: list[tuple[str, str, bytes]] = []
    seen: dict[str, int] = {}
    for p in check_attachments(proposals, max_total):
        name = p.filename
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        if count > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}-{count}.{ext}" if dot and stem else f"{name}-{count}"
        out.append((name, p.content_type, p.read()))
    return out


def attachments_frame(proposals: Iterable[AttachmentProposal]) -> pd.DataFrame:
    """The proposals as a table: file name, size, source, included, error."""
    frame = pd.DataFrame(
        [p.row() for p in proposals], columns=["filename", "size", "source", "included", "error"]
    )
    frame["size"] = frame["size"].astype("Int64")
    frame["error"] = none_for_missing(frame["error"])
    return frame


def none_for_missing(column: pd.Series) -> pd.Series:
    """Missing values as None, not NaN (pandas turns None into NaN in text columns)."""
    values = column.astype(object)
    return values.where(values.notna(), None)


__all__ = [
    "DEFAULT_MAX_TOTAL_BYTES",
    "attachment_payloads",
    "attachments_frame",
    "check_attachments",
    "human_size",
    "max_total_bytes",
    "none_for_missing",
    "total_size",
]
