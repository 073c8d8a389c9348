"""Addresses: syntax validation (no DNS), display names, IDN domains, SMTPUTF8 local parts, injection."""

from __future__ import annotations

import pytest

from atomcomm.errors import AddressError, MessageError
from atomcomm.mail import EmailAddress, parse_address, parse_addresses


@pytest.mark.parametrize(
    ("value", "name", "envelope"),
    [
        ("jan@example.pl", "", "jan@example.pl"),
        ("Jan Kowalski <jan@example.pl>", "Jan Kowalski", "jan@example.pl"),
        ('"Kowalski, Jan" <jan@example.pl>', "Kowalski, Jan", "jan@example.pl"),
        (("Łukasz Żółkiewski", "lukasz@example.pl"), "Łukasz Żółkiewski", "lukasz@example.pl"),
        ("jan@EXAMPLE.PL", "", "jan@example.pl"),
        ("jan@żółw.pl", "", "jan@xn--w-uga1v8h.pl"),
        ("zażółć@żółw.pl", "", "zażółć@żółw.pl"),
    ],
    ids=["plain", "display-name", "quoted-comma", "pair", "domain-case", "idn-domain", "utf8-local"],
)
def test_parse_address_keeps_name_and_gives_the_wire_form(value: str, name: str, envelope: str) -> None:
    addr = parse_address(value, field="To")
    assert addr.name == name
    assert addr.envelope == envelope


def test_idn_domain_keeps_both_forms_and_needs_no_smtputf8() -> None:
    addr = parse_address("Anna <anna@żółw.pl>")
    assert (addr.domain, addr.ascii_domain) == ("żółw.pl", "xn--w-uga1v8h.pl")
    assert not addr.needs_smtputf8
    assert str(addr) == "Anna <anna@żółw.pl>"
    assert addr.header().addr_spec == "anna@xn--w-uga1v8h.pl"


def test_non_ascii_local_part_needs_smtputf8() -> None:
    addr = parse_address("zażółć@example.pl")
    assert addr.needs_smtputf8
    assert addr.header().username == "zażółć"


@pytest.mark.parametrize(
    "value",
    [
        "jan",
        "jan@",
        "@example.pl",
        "jan kowalski@example.pl",
        "jan..k@example.pl",
        "jan@example",
        "a@b@example.pl",
    ],
    ids=["no-at", "no-domain", "no-local", "space", "double-dot", "no-tld", "two-ats"],
)
def test_invalid_addresses_are_refused_naming_the_field(value: str) -> None:
    with pytest.raises(AddressError, match=r"^Cc: .* is not a valid e-mail address"):
        parse_address(value, field="Cc")


def test_empty_address_is_refused() -> None:
    with pytest.raises(AddressError, match="To: the address is empty"):
        parse_address("Jan <>", field="To")


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("Jan\r\nBcc: victim@example.pl <jan@example.pl>", ""),
        (("Jan", "jan@example.pl\nBcc: x@example.pl"), " address"),
        (("Jan\rKowalski", "jan@example.pl"), " display name"),
    ],
    ids=["crlf-in-name", "lf-in-address", "cr-in-name"],
)
def test_line_breaks_are_header_injection(value: str | tuple[str, str], part: str) -> None:
    with pytest.raises(MessageError, match=f"^To{part}: line breaks are not allowed"):
        parse_address(value, field="To")


def test_email_address_objects_are_rechecked_for_injection() -> None:
    addr = EmailAddress("jan", "example.pl", "example.pl", "Jan\nX-Evil: 1")
    with pytest.raises(MessageError, match="display name"):
        parse_address(addr, field="Reply-To")


def test_parse_addresses_names_the_position_of_a_bad_one() -> None:
    assert parse_addresses(None) == []
    assert [a.envelope for a in parse_addresses("a@example.pl")] == ["a@example.pl"]
    with pytest.raises(AddressError, match=r"^To\[2\]: 'nope'"):
        parse_addresses(["a@example.pl", "nope"], field="To")
