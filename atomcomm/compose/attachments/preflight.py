"""Pre-flight of a template's attachments over many objects (a preview), without keeping any PDF."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from atomcomm.compose.attachments.gate import human_size, none_for_missing
from atomcomm.compose.attachments.proposal import AttachmentServices, attachment_spec, template_file_proposal

PREFLIGHT_COLUMNS = ["object_id", "filename", "source", "size", "error"]


def preflight_attachments(
    services: AttachmentServices, spec: Any, object_type: str, ids: Iterable[int]
) -> pd.DataFrame:
    """Check a template's attachments for many objects: one row per object and attachment.

    Prints are rendered one at a time and only their sizes are kept, so memory stays flat; fixed files are
    checked once. An error of one object is on its rows only.

    Returns:
        Columns ``object_id``, ``filename``, ``source``, ``size``, ``error``.
    """
    prints, files = attachment_spec(spec)
    id_list = [int(i) for i in ids]
    fixed = [template_file_proposal(services.config.templates_path, ref) for ref in files]
    by_object: dict[int, list[dict[str, Any]]] = {oid: [] for oid in id_list}
    if prints:
        for check in services.printing.preflight(object_type, id_list, prints):
            by_object.setdefault(check.object_id, []).append(
                {
                    "object_id": check.object_id,
                    "filename": check.filename or f"{check.name}_{check.object_id}.pdf",
                    "source": "print",
                    "size": check.size,
                    "error": check.error,
                }
            )
    rows: list[dict[str, Any]] = []
    for oid in id_list:
        rows.extend(by_object.get(oid, []))
        rows.extend(
            {"object_id": oid, **{k: v for k, v in f.row().items() if k != "included"}} for f in fixed
        )
    frame = pd.DataFrame(rows, columns=PREFLIGHT_COLUMNS)
    frame["size"] = frame["size"].astype("Int64")
    frame["error"] = none_for_missing(frame["error"])
    return frame


def preflight_summary(frame: pd.DataFrame, max_total: int, ids: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per object from :func:`preflight_attachments`: ``attachments`` (file names),
    ``attachments_bytes`` and ``attachments_error`` (None when the message could be sent)."""
    out: dict[int, dict[str, Any]] = {}
    order = list(ids) if ids is not None else list(dict.fromkeys(frame["object_id"].tolist()))
    for oid in order:
        out[int(oid)] = {"attachments": [], "attachments_bytes": 0, "attachments_error": None}
    for oid, group in frame.groupby("object_id", sort=False):
        errors = [f"{r.filename}: {r.error}" for r in group.itertuples() if isinstance(r.error, str)]
        total = int(group["size"].fillna(0).sum())
        if not errors and total > max_total:
            errors.append(f"attachments take {human_size(total)}, over the limit of {human_size(max_total)}")
        out[int(str(oid))] = {
            "attachments": group["filename"].tolist(),
            "attachments_bytes": total,
            "attachments_error": "; ".join(errors) or None,
        }
    summary = pd.DataFrame.from_dict(out, orient="index")
    summary.index.name = "object_id"
    if len(summary):
        summary["attachments_error"] = none_for_missing(summary["attachments_error"])
    return summary


__all__ = ["PREFLIGHT_COLUMNS", "preflight_attachments", "preflight_summary"]
