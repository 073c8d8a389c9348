"""Identifiers for people: phone numbers (national format), IBAN / NRB groups, NIP."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers


def phone(value: Any, fmt: str = "national", region: str = "PL") -> str:
    """A phone number for people: ``+48507280123`` → ``507 280 123``; ``+48221644859`` → ``22 164 48 59``.

    Numbers of other countries keep their international form. ``fmt``: ``national``, ``international``
    or ``e164``. Text that is not a phone number is returned unchanged (it is data, shown as entered).
    """
    if value is None or value == "":
        return ""
    text = str(value).strip()
    formats = {
        "national": phonenumbers.PhoneNumberFormat.NATIONAL,
        "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        "e164": phonenumbers.PhoneNumberFormat.E164,
    }
    if fmt not in formats:
        raise ValueError(f"phone format must be one of {', '.join(formats)}, got {fmt!r}")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    if fmt == "national" and phonenumbers.region_code_for_number(number) != region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, formats[fmt])


_SPACES = re.compile(r"[\s\u00a0-]+")


def iban(value: Any, fmt: str = "international") -> str:
    """An account number in groups of four: ``PL65 1960 0133 ...``; ``national`` drops the country code
    (the Polish NRB form ``65 1960 0133 ...``). A bare 26-digit Polish number is read as NRB."""
    if value is None or value == "":
        return ""
    if fmt not in ("international", "national"):
        raise ValueError(f"iban format must be 'international' or 'national', got {fmt!r}")
    compact = _SPACES.sub("", str(value)).upper()
    if compact.isdigit() and len(compact) == 26:
        compact = "PL" + compact
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}", compact):
        return str(value)
    if fmt == "national":
        body = compact[2:]
        return " ".join([body[:2], *(body[i : i + 4] for i in range(2, len(body), 4))])
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def nip(value: Any, with_prefix: bool = False) -> str:
    """A Polish tax id as ``526-025-02-74`` (``with_prefix`` → ``PL 526-025-02-74``, for EU invoices).

    Values that are not ten digits (foreign tax ids) are returned unchanged.
    """
    if value is None or value == "":
        return ""
    digits = _SPACES.sub("", str(value)).upper()
    if digits.startswith("PL"):
        digits = digits[2:]
    if not (digits.isdigit() and len(digits) == 10):
        return str(value)
    formatted = f"{digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    return f"PL {formatted}" if with_prefix else formatted


__all__ = ["iban", "nip", "phone"]
