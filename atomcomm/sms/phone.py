"""Phone numbers that can receive SMS: parsed with phonenumbers, stored in E.164."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from atomcomm.errors import AddressError

DEFAULT_REGION = "PL"

_SMS_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_TYPE_WORDS = {
    PhoneNumberType.FIXED_LINE: "a fixed-line number",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.VOIP: "a VoIP number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.UAN: "a company (UAN) number",
    PhoneNumberType.VOICEMAIL: "a voicemail number",
}


@dataclass(frozen=True)
class PhoneCheck:
    """The verdict on one phone number.

    Attributes:
        raw: the number as given.
        e164: the number in E.164 (``+48500100200``) when it could be parsed, else None.
        ok: True when an SMS can be sent to it.
        reason: why it cannot receive SMS (empty when ``ok``).
        region: the region the number belongs to (``PL``, ``GB``...), when known.
    """

    raw: str
    e164: str | None
    ok: bool
    reason: str = ""
    region: str | None = None


def check_phone(raw: str, *, region: str = DEFAULT_REGION, allow_voip: bool = False) -> PhoneCheck:
    """Decide whether ``raw`` is a valid number that can receive SMS.

    Only MOBILE and FIXED_LINE_OR_MOBILE numbers pass; VoIP numbers pass when ``allow_voip`` is set.

    Args:
        raw: the number as typed (``500 100 200``, ``+48 500-100-200``, ``0048500100200``).
        region: the region for numbers without a country code.
        allow_voip: accept VoIP numbers too (some of them receive SMS).
    """
    text = (raw or "").strip()
    if not text:
        return PhoneCheck(raw, None, False, "the phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as err:
        detail = re.sub(r"^\(\d+\)\s*", "", str(err)).rstrip(".")
        return PhoneCheck(raw, None, False, f"{text!r} is not a phone number: {detail}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    number_region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number):
        return PhoneCheck(
            raw, e164, False, f"{text!r} is not a valid number (check the digits and the country code)"
        )
    kind = phonenumbers.number_type(number)
    if kind in _SMS_TYPES or (allow_voip and kind == PhoneNumberType.VOIP):
        return PhoneCheck(raw, e164, True, "", number_region)
    what = _TYPE_WORDS.get(kind, "a number of unknown type")
    hint = " (set [sms] allow_voip = true to accept VoIP numbers)" if kind == PhoneNumberType.VOIP else ""
    return PhoneCheck(raw, e164, False, f"{e164} is {what}, which cannot receive SMS{hint}", number_region)


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION, allow_voip: bool = False) -> str:
    """The E.164 form of a number that can receive SMS.

    Raises:
        AddressError: the number is not valid or cannot receive SMS; the message says why.
    """
    verdict = check_phone(raw, region=region, allow_voip=allow_voip)
    if not verdict.ok or verdict.e164 is None:
        raise AddressError(verdict.reason)
    return verdict.e164
