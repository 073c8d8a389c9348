"""The metatag catalogue of an object type: every name a template can use, with an example from real data.

One row per value: the object's fields (``invoice.number``), each related party's fields (``buyer.nip``),
the fields of list items (``lines[].description``: used inside ``{% for line in lines %}``), context
extras (``invoice.vat_summary[].rate``) and the render globals (``today``, ``sender.name``,
``own_company.bank_account``). The ``snippet`` column is ready to paste into a template.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from atomcomm.erp.types import get_type
from atomcomm.templates.schema import Scalar, context_shape, globals_shape, leaves

if TYPE_CHECKING:
    from atomcomm.erp.service import ErpService

COLUMNS = ["tag", "label", "kind", "example", "snippet", "group"]
_LOOP_NAMES = {"lines": "line", "payments": "payment", "vat_summary": "rate"}
_FILTER_HINT = {"money": " | money", "date": " | date"}


def _loop_name(list_name: str) -> str:
    if list_name in _LOOP_NAMES:
        return _LOOP_NAMES[list_name]
    if list_name.endswith("contacts"):
        return "contact_item"
    return "item"


def snippet(tag: str, kind: str) -> str:
    """Liquid for a tag: ``{{ invoice.due_date | date }}``; list items get a ``for`` loop."""
    hint = _FILTER_HINT.get(kind, "")
    if "[]" not in tag:
        return "{{ " + tag + hint + " }}"
    head, _, rest = tag.partition("[]")
    collection = head
    var = _loop_name(head.rsplit(".", 1)[-1])
    inner = var + rest
    if "[]" in rest:  # a list inside a list item: one loop level is enough for a hint
        inner = var + rest.split("[]", 1)[0]
    return "{% for " + var + " in " + collection + " %}{{ " + inner + hint + " }}{% endfor %}"


def _walk_value(value: Any, parts: list[str]) -> Any:
    """The first non-empty value at a dotted path with ``[]`` list steps."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    is_list = head.endswith("[]")
    key = head[:-2] if is_list else head
    if not isinstance(value, dict) or value.get(key) is None:
        return None
    inner = value[key]
    if not is_list:
        return _walk_value(inner, rest)
    for item in inner if isinstance(inner, list) else ():
        found = _walk_value(item, rest)
        if found not in (None, ""):
            return found
    return None


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def catalogue(
    object_type: str,
    erp: ErpService | None,
    *,
    examples: int = 50,
    globals_: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Every metatag of an object type with label, kind and an example value from the database.

    Args:
        object_type: e.g. ``invoice``.
        erp: the ERP to take examples from (None: no examples).
        examples: how many objects (the first by id) to search for a non-empty example of each tag.
        globals_: the render globals (``today``, ``sender``, ``own_company``) for their examples.

    Returns:
        Columns ``tag``, ``label``, ``kind``, ``example`` (text, None when no object has a value),
        ``snippet`` (Liquid) and ``group`` (the top-level name: ``invoice``, ``buyer``, ``sender``...).
    """
    t = get_type(object_type)
    shape = context_shape(object_type)
    rows: list[tuple[str, Scalar, str]] = []
    for name, sub in shape.items():
        rows.extend(leaves(sub, name))
    for name, sub in globals_shape().items():
        if name in ("today", "sender", "own_company"):
            rows.extend(leaves(sub, name))
    # Lists on the root object repeat the top-level lists (invoice.lines is lines): list them once.
    many = {rel.name for rel in t.many}
    rows = [r for r in rows if not any(r[0].startswith(f"{t.root}.{m}[]") for m in many)]
    contexts: list[dict[str, Any]] = []
    if erp is not None and examples > 0:
        ids = erp.frame(object_type, columns=["id"], limit=examples).index.tolist()
        contexts = [ctx for _, ctx in erp.contexts(object_type, ids, missing="skip")]
    if globals_:
        contexts = [{**globals_, **ctx} for ctx in contexts] or [dict(globals_)]
    out = []
    for tag, scalar, group in rows:
        parts = tag.replace("[]", "[]\0").replace(".", "\0").split("\0")
        parts = [p for p in parts if p]
        merged: list[str] = []
        for p in parts:  # "lines[]" stays one step
            if p == "[]" and merged:
                merged[-1] += "[]"
            else:
                merged.append(p)
        example = None
        for ctx in contexts:
            example = _show(_walk_value(ctx, merged))
            if example not in (None, ""):
                break
        out.append(
            {
                "tag": tag,
                "label": scalar.label,
                "kind": scalar.kind,
                "example": example,
                "snippet": snippet(tag, scalar.kind),
                "group": group,
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


__all__ = ["COLUMNS", "catalogue", "snippet"]
