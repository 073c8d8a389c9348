"""Recipients: suggested from the parties linked to an object (each with the role that suggested it), or typed.

Suggestions follow the roles of the ERP type registry, in their order of relevance (for an invoice: the buyer
contact, the buyer's billing contacts, the buyer company, then the seller's contacts). Only entries with a
valid address for the channel are selectable; a party without one, or with an invalid stored value, is
listed with the reason, so the user sees why somebody cannot be chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from atomcomm.erp.service import ErpService
from atomcomm.erp.types import ManyRelation, OneRelation, get_type
from atomcomm.errors import AddressError, AtomcommError
from atomcomm.mail.addresses import parse_address
from atomcomm.sms.phone import DEFAULT_REGION, check_phone

CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Recipient:
    """One recipient of a message.

    Attributes:
        address: e-mail address or E.164 number (normalised); the stored value when it is invalid.
        name: display name (person or company), may be empty.
        role: the role that suggested it (``buyer_contact``), or ``typed``.
        source: ``suggested`` or ``typed``.
        label: the role's human label (Polish).
        party_type / party_id: the ERP object the address belongs to (contact 17, company 3...).
        selectable: False when the address is missing or invalid for the channel.
        reason: why it is not selectable.
    """

    address: str
    name: str = ""
    role: str = "typed"
    source: str = "typed"
    label: str = ""
    party_type: str | None = None
    party_id: int | None = None
    selectable: bool = True
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise AtomcommError(f"unknown channel {channel!r}; use 'email' or 'sms'")


def _party_name(party: Mapping[str, Any]) -> str:
    return str(party.get("full_name") or party.get("name") or "").strip()


def _raw_address(party: Mapping[str, Any], party_type: str, channel: str) -> str | None:
    if channel == "email":
        return party.get("email")
    if party_type in ("contact", "employee"):
        return party.get("mobile")
    return party.get("phone")


def check_address(raw: str | None, channel: str, *, region: str = DEFAULT_REGION) -> tuple[str | None, str]:
    """(normalised address, "") when valid for the channel, else (None, reason)."""
    if raw is None or not str(raw).strip():
        return None, "no e-mail address" if channel == "email" else "no mobile number"
    if channel == "email":
        try:
            return parse_address(str(raw)).address, ""
        except (AddressError, AtomcommError) as err:
            return None, str(err)
    verdict = check_phone(str(raw), region=region)
    return (verdict.e164, "") if verdict.ok else (None, verdict.reason)


def make_party_recipient(
    party: Mapping[str, Any],
    party_type: str,
    channel: str,
    role: str,
    label: str,
    region: str = DEFAULT_REGION,
) -> Recipient:
    raw = _raw_address(party, party_type, channel)
    address, reason = check_address(raw, channel, region=region)
    pid = party.get("id")
    return Recipient(
        address=address or str(raw or ""),
        name=_party_name(party),
        role=role,
        source="suggested",
        label=label,
        party_type=party_type,
        party_id=int(pid) if pid is not None else None,
        selectable=address is not None,
        reason=reason,
    )


def suggest(
    erp: ErpService,
    object_type: str,
    object_id: int,
    channel: str,
    *,
    context: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
) -> list[Recipient]:
    """Recipients suggested for an object, by role, most relevant first, one entry per address."""
    _check_channel(channel)
    t = get_type(object_type)
    ctx = context if context is not None else erp.context(object_type, object_id)
    out: list[Recipient] = []
    seen: set[tuple[str, str]] = set()
    for role in t.roles:
        parties: list[tuple[Mapping[str, Any], str]] = []
        if role.relation == "":
            parties = [(ctx[t.root], t.name)]
        else:
            rel: OneRelation | ManyRelation | None = t.relation(role.relation)
            if rel is None:
                raise AtomcommError(
                    f"role {role.name!r} of {t.name} names unknown relation {role.relation!r}"
                )
            value = ctx.get(rel.name)
            if isinstance(rel, OneRelation):
                parties = [(value, rel.target)] if value else []
            else:
                items = value or []
                if role.tag:
                    items = [p for p in items if role.tag in str(p.get("tags") or "").split(",")]
                parties = [(p, rel.target) for p in items]
        for party, party_type in parties:
            r = make_party_recipient(party, party_type, channel, role.name, role.label_pl, region)
            ident = (r.address, "") if r.selectable else (r.address, f"{party_type}:{r.party_id}")
            if ident in seen:
                continue
            seen.add(ident)
            out.append(r)
    return out


def typed(value: str, channel: str, *, name: str = "", region: str = DEFAULT_REGION) -> Recipient:
    """A recipient typed by hand, validated for the channel.

    Raises:
        AddressError: the address or number is invalid; the message says why.
    """
    _check_channel(channel)
    text = str(value).strip()
    if channel == "email":
        parsed = parse_address(text, field="recipient")
        return Recipient(address=parsed.address, name=name or parsed.name, role="typed", source="typed")
    address, reason = check_address(text, "sms", region=region)
    if address is None:
        raise AddressError(f"recipient: {reason}")
    return Recipient(address=address, name=name, role="typed", source="typed")


def by_roles(suggestions: Sequence[Recipient], roles: Iterable[str]) -> list[Recipient]:
    """The selectable suggestions whose role is in ``roles`` (a template's default recipients), in role order.

    Falls back to the first selectable suggestion when none of the roles yields an address.
    """
    wanted = list(roles)
    picked = [r for role in wanted for r in suggestions if r.role == role and r.selectable]
    if not picked and wanted:
        first = next((r for r in suggestions if r.selectable), None)
        picked = [first] if first else []
    unique: dict[str, Recipient] = {}
    for r in picked:
        unique.setdefault(r.address, r)
    return list(unique.values())


def as_recipient(value: Recipient | str, channel: str, region: str = DEFAULT_REGION) -> Recipient:
    """A Recipient as given, or one typed from a string ("Name <a@x.pl>" or "+48 600 ...")."""
    if isinstance(value, Recipient):
        if not value.selectable:
            raise AddressError(f"{value.name or value.address} cannot receive {channel}: {value.reason}")
        return value
    return typed(value, channel, region=region)


__all__ = [
    "CHANNELS",
    "Recipient",
    "as_recipient",
    "by_roles",
    "check_address",
    "replace",
    "suggest",
    "typed",
]
