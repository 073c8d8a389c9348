"""Sms, Sender, phone number checks and callback field parsing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from atomcomm.errors import AddressError, MessageError
from atomcomm.sms import Sender, Sms, check_phone, normalize_phone
from atomcomm.sms.message import e164_or_raw, form_fields

PHONE_CASES = [
    ("500 100 200", "+48500100200", True, ""),
    ("+48 500-100-200", "+48500100200", True, ""),
    ("0048500100200", "+48500100200", True, ""),
    ("48500100200", "+48500100200", True, ""),
    ("(22) 123 45 67", "+48221234567", False, "fixed-line"),
    ("800 123 456", "+48800123456", False, "toll-free"),
    ("+48 39 123 45 67", "+48391234567", False, "allow_voip"),
    ("+48 100 200 300", "+48100200300", False, "not a valid number"),
    ("123", "+48123", False, "not a valid number"),
    ("+44 7911 123456", "+447911123456", True, ""),
    ("not a number", None, False, "not a phone number"),
    ("", None, False, "empty"),
]


@pytest.mark.parametrize(
    ("raw", "e164", "ok", "reason"),
    PHONE_CASES,
    ids=[
        "national-spaces",
        "international-dashes",
        "00-prefix",
        "country-code-without-plus",
        "fixed-line-refused",
        "toll-free-refused",
        "voip-refused-by-default",
        "smsapi-fixture-number-invalid",
        "too-short",
        "uk-mobile",
        "garbage",
        "empty",
    ],
)
def test_check_phone(raw: str, e164: str | None, ok: bool, reason: str) -> None:
    verdict = check_phone(raw)
    assert (verdict.e164, verdict.ok) == (e164, ok)
    assert reason in verdict.reason
    assert bool(verdict.reason) is not ok


def test_voip_accepted_when_configured() -> None:
    assert check_phone("+48 39 123 45 67", allow_voip=True).ok
    assert normalize_phone("+48 39 123 45 67", allow_voip=True) == "+48391234567"


def test_normalize_phone_raises_with_the_reason() -> None:
    with pytest.raises(AddressError, match="fixed-line number, which cannot receive SMS"):
        normalize_phone("22 123 45 67")


def test_region_applies_to_national_numbers() -> None:
    assert normalize_phone("07911 123456", region="GB") == "+447911123456"


SENDER_SPECS = [
    ("name:ATOM", Sender("name", "ATOM")),
    ("name:Atom Sp.z-o", Sender("name", "Atom Sp.z-o")),
    ("number:+48 500 100 200", Sender("number", "+48500100200")),
    ("random", Sender("random")),
    ("two_way", Sender("two_way")),
    ("two-way", Sender("two_way")),
    ("default", Sender("default")),
    ("  RANDOM ", Sender("random")),
]


@pytest.mark.parametrize(
    ("spec", "sender"),
    SENDER_SPECS,
    ids=[
        "name",
        "name-with-space-dot-dash",
        "number",
        "random",
        "two-way",
        "two-way-dash",
        "default",
        "case",
    ],
)
def test_sender_parse(spec: str, sender: Sender) -> None:
    parsed = Sender.parse(spec)
    assert parsed == sender
    assert Sender.parse(parsed.spec) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("name:TOOLONGNAME12", "1-11 characters"),
        ("name:Łódź", "no Polish letters"),
        ("name:12345", "has no letter"),
        ("name:", "1-11 characters"),
        ("number:123", "not a valid phone number"),
        ("number:abc", "not a phone number"),
        ("eco", "not understood"),
        ("", "not understood"),
    ],
    ids=[
        "too-long",
        "polish-letters",
        "digits-only",
        "empty-name",
        "short-number",
        "garbage-number",
        "unknown",
        "empty",
    ],
)
def test_sender_parse_refuses(spec: str, message: str) -> None:
    with pytest.raises(MessageError, match=message):
        Sender.parse(spec)


def test_sender_constructors() -> None:
    assert Sender.name("ATOM").spec == "name:ATOM"
    assert str(Sender.number("600 100 200")) == "number:+48600100200"
    assert Sender.random().spec == "random"
    assert Sender.two_way().kind == "two_way"
    assert Sender.default().value is None
    with pytest.raises(MessageError, match="needs a value"):
        Sender("name")
    with pytest.raises(MessageError, match="takes no value"):
        Sender("random", "x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": ""}, "not usable"),
        ({"key": "x" * 256}, "not usable"),
        ({"key": "a|b"}, "not usable"),
        ({"key": "with space"}, "not usable"),
        ({"key": "zażółć"}, "not usable"),
        ({"text": "   "}, "text is empty"),
        ({"max_parts": 0}, "max_parts must be 1-10"),
        ({"max_parts": 11}, "max_parts must be 1-10"),
        ({"send_at": dt.datetime(2026, 12, 1, 9, 0)}, "timezone-aware"),
        ({"sender": "name:ATOM"}, "must be a Sender"),
    ],
    ids=[
        "empty-key",
        "long-key",
        "pipe-in-key",
        "space-in-key",
        "non-ascii-key",
        "blank-text",
        "zero-parts",
        "eleven-parts",
        "naive-send-at",
        "sender-as-text",
    ],
)
def test_sms_refuses(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "to": "+48500100200",
        "text": "Hello",
        "sender": Sender.name("ATOM"),
        "key": "k1",
    }
    args.update(kwargs)
    with pytest.raises(MessageError, match=message):
        Sms(**args)  # type: ignore[arg-type]


def test_sms_body_and_info() -> None:
    plain = Sms("+48500100200", "Zażółć – „test”", Sender.default(), "k" * 255)
    assert plain.body == plain.text
    assert plain.info.encoding == "UCS-2"
    translit = Sms("+48500100200", "Zażółć – „test”", Sender.default(), "k2", transliterate=True)
    assert translit.body == 'Zazolc - "test"'
    assert translit.info.encoding == "GSM-7"
    scheduled = Sms(
        "+48500100200",
        "x",
        Sender.random(),
        "k3",
        send_at=dt.datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Warsaw")),
    )
    assert scheduled.send_at is not None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("MsgId=1,2&status=404,405", {"MsgId": ["1,2"], "status": ["404,405"]}),
        (b"a=%C5%BC&b=", {"a": ["ż"], "b": [""]}),
        ({"a": "1", "b": ["2", "3"]}, {"a": ["1"], "b": ["2", "3"]}),
        ({"n": 5}, {"n": ["5"]}),
    ],
    ids=["query-string", "bytes-utf8", "mapping-of-lists", "non-string-value"],
)
def test_form_fields(data: object, expected: dict[str, list[str]]) -> None:
    assert form_fields(data) == expected  # type: ignore[arg-type]


def test_e164_or_raw() -> None:
    assert e164_or_raw("48500100200") == "+48500100200"
    assert e164_or_raw("+48500100200") == "+48500100200"
    assert e164_or_raw("ATOM") == "ATOM"
    assert e164_or_raw(None) is None
