"""Globals of the render context besides the object itself: our own company and the sender."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from atomcomm.erp.types import get_type

if TYPE_CHECKING:
    from atomcomm.erp.service import ErpService

#: Fields of ``sender`` (with Polish labels, for the catalogue and validation).
SENDER_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("str", "Nadawca: imię i nazwisko lub nazwa"),
    "email": ("str", "Nadawca: e-mail"),
    "phone": ("str", "Nadawca: telefon"),
    "position": ("str", "Nadawca: stanowisko lub dział"),
    "company": ("str", "Nadawca: nazwa naszej firmy"),
}
#: Globals of every render and their kind (``own_company`` has the company fields).
GLOBALS: dict[str, str] = {"today": "date", "own_company": "company", "sender": "sender"}


def own_company(erp: ErpService) -> dict[str, Any] | None:
    """Our company: the first ``companies`` row with ``is_own`` set, as a dict of company fields."""
    df = erp.frame("company", where={"is_own": True}, limit=1)
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["id"] = int(df.index[0])
    fields = [f.name for f in get_type("company").fields]
    return {k: row.get(k) for k in fields}


def sender(
    erp: ErpService,
    user: str | None,
    mailbox: Mapping[str, Any],
    company: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Who sends: the employee with login ``user``, or the company mailbox when there is no user.

    Every key of :data:`SENDER_FIELDS` is present (None when unknown), so templates may print
    ``sender.position | default: ''`` safely.
    """
    company_name = (company or {}).get("name") or mailbox.get("name")
    if user:
        df = erp.frame("employee", where={"login": user}, limit=1)
        if not df.empty:
            row = df.iloc[0]
            return {
                "name": row.get("full_name"),
                "email": row.get("email"),
                "phone": row.get("mobile"),
                "position": row.get("department"),
                "company": company_name,
            }
    return {
        "name": mailbox.get("name") or company_name,
        "email": mailbox.get("address") or (company or {}).get("email"),
        "phone": (company or {}).get("phone"),
        "position": None,
        "company": company_name,
    }


__all__ = ["GLOBALS", "SENDER_FIELDS", "own_company", "sender"]
