"""Filters as pure functions (tables of cases) and as registered Liquid filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from atomcomm.templates import filters as f
from atomcomm.templates.engine import build_environment

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        pytest.param(1234.5, "PLN", "1 234,50 zł", id="float-grouped"),
        pytest.param(Decimal("1234567.891"), "PLN", "1 234 567,89 zł", id="millions-rounded"),
        pytest.param(Decimal("0.005"), "PLN", "0,01 zł", id="half-up"),
        pytest.param(0, "PLN", "0,00 zł", id="zero"),
        pytest.param(999, "PLN", "999,00 zł", id="no-group-below-1000"),
        pytest.param(1000, "PLN", "1 000,00 zł", id="four-digits-grouped"),
        pytest.param(-5, "EUR", "-5,00 EUR", id="negative-eur"),
        pytest.param("1234,5", "PLN", "1 234,50 zł", id="string-decimal-comma"),
        pytest.param(12, None, "12,00 zł", id="no-currency-is-pln"),
        pytest.param(12, "usd", "12,00 usd", id="other-code-as-given"),
        pytest.param(None, "PLN", "", id="none-empty"),
    ],
)
def test_money_plain(value: Any, currency: str | None, expected: str) -> None:
    assert f.money_plain(value, currency) == expected


def test_money_default_uses_no_break_spaces() -> None:
    assert f.money(1234.5) == f"1{NB}234,50{NB}zł"


@pytest.mark.parametrize("bad", ["abc", True, [1], "1,2,3"], ids=["text", "bool", "list", "two-commas"])
def test_money_rejects_non_numbers(bad: Any) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        f.money(bad)


@pytest.mark.parametrize(
    ("value", "currency", "fraction", "expected"),
    [
        pytest.param(
            1234.5,
            "PLN",
            "words",
            "tysiąc dwieście trzydzieści cztery złote, pięćdziesiąt groszy",
            id="1234.50",
        ),
        pytest.param(1, "PLN", "words", "jeden złoty, zero groszy", id="one-zloty"),
        pytest.param(5, "PLN", "words", "pięć złotych, zero groszy", id="five-zlotych"),
        pytest.param(22, "PLN", "words", "dwadzieścia dwa złote, zero groszy", id="22-few"),
        pytest.param(12, "PLN", "words", "dwanaście złotych, zero groszy", id="12-many"),
        pytest.param(Decimal("0.01"), "PLN", "words", "zero złotych, jeden grosz", id="one-grosz"),
        pytest.param(Decimal("1020.62"), "PLN", "digits", "tysiąc dwadzieścia złotych 62/100", id="digits"),
        pytest.param(1000000, "PLN", "words", "milion złotych, zero groszy", id="million"),
        pytest.param(Decimal("2.02"), "EUR", "words", "dwa euro, dwa centy", id="eur"),
        pytest.param(
            Decimal("-5.50"), "PLN", "words", "minus pięć złotych, pięćdziesiąt groszy", id="negative"
        ),
    ],
)
def test_amount_in_words(value: Any, currency: str, fraction: str, expected: str) -> None:
    assert f.amount_in_words(value, currency, fraction) == expected


def test_amount_in_words_unknown_currency() -> None:
    with pytest.raises(ValueError, match="no Polish words for currency 'JPY'"):
        f.amount_in_words(10, "JPY")


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "dni"), (1, "dzień"), (2, "dni"), (5, "dni"), (22, "dni")],
    ids=lambda v: str(v),
)
def test_plural_days(n: int, expected: str) -> None:
    assert f.plural(n, "dzień", "dni", "dni") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "złoty"), (2, "złote"), (4, "złote"), (5, "złotych"), (12, "złotych"), (13, "złotych"), (22, "złote"),
     (25, "złotych"), (104, "złote"), (112, "złotych"), (0, "złotych")],
    ids=lambda v: str(v),
)  # fmt: skip
def test_plural_form_polish_rules(n: int, expected: str) -> None:
    assert f.plural_form(n, "złoty", "złote", "złotych") == expected


DAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        pytest.param(DAY, "short", "27.11.2026", id="short"),
        pytest.param(DAY, "long", "27 listopada 2026", id="long-genitive"),
        pytest.param(dt.date(2026, 5, 3), "long", "3 maja 2026", id="no-leading-zero"),
        pytest.param(DAY, "full", "piątek, 27 listopada 2026", id="full-weekday"),
        pytest.param(DAY, "iso", "2026-11-27", id="iso"),
        pytest.param(DAY, "month", "listopad 2026", id="month-nominative"),
        pytest.param("2026-11-27", "short", "27.11.2026", id="iso-string"),
        pytest.param(dt.datetime(2026, 9, 1, 8, 5), "long", "1 września 2026", id="datetime-input"),
        pytest.param(DAY, "%d %B", "27 listopada", id="strftime-polish"),
        pytest.param(None, "short", "", id="none"),
    ],
)
def test_date(value: Any, fmt: str, expected: str) -> None:
    assert f.date(value, fmt) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        pytest.param(dt.datetime(2026, 11, 27, 14, 5), "short", "27.11.2026 14:05", id="short"),
        pytest.param(dt.datetime(2026, 11, 27, 14, 5), "long", "27 listopada 2026, 14:05", id="long"),
        pytest.param("2026-02-01T09:30:00", "long", "1 lutego 2026, 09:30", id="iso-string"),
        pytest.param(DAY, "short", "27.11.2026 00:00", id="date-midnight"),
    ],
)
def test_datetime(value: Any, fmt: str, expected: str) -> None:
    assert f.datetime(value, fmt) == expected


@pytest.mark.parametrize("bad", ["tomorrow", 20261127, "27.11.2026"], ids=["word", "int", "polish-notation"])
def test_date_rejects_non_dates(bad: Any) -> None:
    with pytest.raises(ValueError, match="expected a date"):
        f.date(bad)


def test_locale_dependent_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="process locale"):
        f.date(DAY, "%b %Y")


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        pytest.param(dt.date(2026, 11, 13), DAY, 14, id="two-weeks"),
        pytest.param(DAY, DAY, 0, id="due-today"),
        pytest.param(dt.date(2026, 12, 1), DAY, 0, id="not-yet-due"),
        pytest.param("2026-11-26", DAY, 1, id="iso-string"),
        pytest.param(None, DAY, 0, id="no-due-date"),
    ],
)
def test_days_overdue(due: Any, today: dt.date, expected: int) -> None:
    assert f.days_overdue(due, today) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        pytest.param("+48507280123", "national", "507 280 123", id="mobile"),
        pytest.param("+48221644859", "national", "22 164 48 59", id="landline-warsaw"),
        pytest.param("507280123", "national", "507 280 123", id="no-prefix"),
        pytest.param("+48507280123", "international", "+48 507 280 123", id="international"),
        pytest.param("+48 507-280-123", "e164", "+48507280123", id="e164"),
        pytest.param("+4930123456", "national", "+49 30 123456", id="foreign-stays-international"),
        pytest.param("brak", "national", "brak", id="not-a-number-unchanged"),
        pytest.param(None, "national", "", id="none"),
    ],
)
def test_phone(value: Any, fmt: str, expected: str) -> None:
    assert f.phone(value, fmt) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        pytest.param("PL65196001338908386379402654", "international", "PL65 1960 0133 8908 3863 7940 2654", id="pl"),
        pytest.param("PL65196001338908386379402654", "national", "65 1960 0133 8908 3863 7940 2654", id="nrb"),
        pytest.param("65196001338908386379402654", "international", "PL65 1960 0133 8908 3863 7940 2654", id="bare"),
        pytest.param("pl65 1960 0133 8908 3863 7940 2654", "international", "PL65 1960 0133 8908 3863 7940 2654",
                     id="spaced-lower"),
        pytest.param("DE89370400440532013000", "international", "DE89 3704 0044 0532 0130 00", id="german"),
        pytest.param("n/a", "international", "n/a", id="not-an-iban"),
    ],
)  # fmt: skip
def test_iban(value: str, fmt: str, expected: str) -> None:
    assert f.iban(value, fmt) == expected


@pytest.mark.parametrize(
    ("value", "prefix", "expected"),
    [
        pytest.param("5260250274", False, "526-025-02-74", id="digits"),
        pytest.param("526-025-02-74", False, "526-025-02-74", id="already-formatted"),
        pytest.param("PL5260250274", False, "526-025-02-74", id="pl-prefix-dropped"),
        pytest.param("5260250274", True, "PL 526-025-02-74", id="with-prefix"),
        pytest.param("DE123456789", False, "DE123456789", id="foreign-unchanged"),
    ],
)
def test_nip(value: str, prefix: bool, expected: str) -> None:
    assert f.nip(value, prefix) == expected


# --- as Liquid filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html", "expected"),
    [
        pytest.param("{{ 1234.5 | money }}", True, f"1{NB}234,50{NB}zł", id="money-html-nbsp"),
        pytest.param("{{ 1234.5 | money }}", False, "1 234,50 zł", id="money-text-plain"),
        pytest.param("{{ 1234.5 | money_plain }}", True, "1 234,50 zł", id="money-plain-in-html"),
        pytest.param("{{ 7 | money: 'EUR' }}", False, "7,00 EUR", id="currency-arg"),
        pytest.param("{{ d | date: 'long' }}", False, "27 listopada 2026", id="date"),
        pytest.param("{{ '2026-11-13' | days_overdue }}", False, "14", id="days-overdue-uses-today"),
        pytest.param("{{ '2026-11-30' | days_until }}", False, "3", id="days-until"),
        pytest.param("{{ 2 | plural: 'dzień', 'dni', 'dni' }}", False, "dni", id="plural"),
        pytest.param("{{ 1234.5 | currency }}", False, f"1{NB}234,50{NB}zł", id="babel-currency-has-globals"),
        pytest.param("{{ '5260250274' | nip }}", True, "526-025-02-74", id="nip"),
    ],
)
def test_registered(source: str, html: bool, expected: str) -> None:
    env = build_environment(None, html=html)
    assert env.from_string(source).render(d=DAY, today=DAY) == expected


def test_bad_filter_input_is_a_liquid_error_with_position() -> None:
    from liquid.exceptions import FilterArgumentError

    env = build_environment(None, html=False)
    with pytest.raises(FilterArgumentError, match="money: expected a number") as info:
        env.from_string("A\n  {{ 'abc' | money }}").render()
    ctx = info.value.context()
    assert ctx is not None and ctx[0] == 2


def test_undefined_input_fails_like_output() -> None:
    from liquid.exceptions import UndefinedError

    env = build_environment(None, html=False)
    with pytest.raises(UndefinedError, match=r"invoice\.amount_duee is undefined"):
        env.from_string("{{ invoice.amount_duee | money }}").render(invoice={"amount_due": 1})
