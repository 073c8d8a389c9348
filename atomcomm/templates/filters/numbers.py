"""Numbers and money in Polish: grouping, currency labels, plural forms, amounts in words."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from num2words import num2words

NBSP = "\u00a0"
CENT = Decimal("0.01")

# Currency codes written as a symbol in Polish text; every other code is written as the code itself.
CURRENCY_SYMBOLS = {"PLN": "zł"}


def to_decimal(value: Any) -> Decimal:
    """A number from a Decimal, int, float or numeric string (Polish decimal comma accepted).

    Raises:
        ValueError: the value is not a number.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace(NBSP, "").replace(" ", "").replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    raise ValueError(f"expected a number, got {value!r}")


def group_thousands(digits: str, sep: str = " ") -> str:
    """``1234567`` → ``1 234 567`` (Polish grouping by three; four-digit numbers are grouped too)."""
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sep.join(groups)


def currency_label(currency: str | None) -> str:
    """How a currency is written after an amount: ``PLN`` → ``zł``; ``EUR`` → ``EUR``; None → ``zł``."""
    if not currency:
        return CURRENCY_SYMBOLS["PLN"]
    code = str(currency).strip()
    return CURRENCY_SYMBOLS.get(code.upper(), code)


def money(value: Any, currency: str | None = "PLN", *, space: str = NBSP) -> str:
    """An amount in Polish notation: ``1234.5`` → ``1 234,50 zł``.

    Args:
        value: Decimal, int, float or numeric string; None gives "" (a missing amount prints nothing).
        currency: ISO code (``PLN`` → ``zł``, others as the code) or a literal label.
        space: separator of thousands and before the currency; a no-break space by default, a plain
            space in SMS (a no-break space is not in GSM-7 and alone forces UCS-2).
    """
    if value is None or value == "":
        return ""
    amount = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    whole, frac = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    return f"{sign}{group_thousands(whole, space)},{frac}{space}{currency_label(currency)}"


def money_plain(value: Any, currency: str | None = "PLN") -> str:
    """:func:`money` with plain spaces (safe for GSM-7 SMS)."""
    return money(value, currency, space=" ")


def plural_form(n: int, one: str, few: str, many: str) -> str:
    """The Polish plural form for ``n``: 1 → one; 2-4, 22-24, ... → few; otherwise many."""
    n = abs(n)
    if n == 1:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def plural(value: Any, one: str, few: str, many: str | None = None) -> str:
    """Liquid ``plural``: ``{{ n | plural: 'dzień', 'dni', 'dni' }}`` (many defaults to few)."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        return few  # Polish uses the genitive singular ("2,5 dnia") for fractions; few is the closest form
    return plural_form(int(number), one, few, many if many is not None else few)


_WORD_CURRENCIES = {
    "PLN": (("złoty", "złote", "złotych"), ("grosz", "grosze", "groszy")),
    "EUR": (("euro", "euro", "euro"), ("cent", "centy", "centów")),
    "USD": (("dolar", "dolary", "dolarów"), ("cent", "centy", "centów")),
    "GBP": (("funt", "funty", "funtów"), ("pens", "pensy", "pensów")),
    "CHF": (("frank", "franki", "franków"), ("centym", "centymy", "centymów")),
}


def amount_in_words(value: Any, currency: str | None = "PLN", fraction: str = "words") -> str:
    """An amount in Polish words (słownie): ``1234.5`` → ``tysiąc dwieście trzydzieści cztery złote,
    pięćdziesiąt groszy``.

    Args:
        value: the amount.
        currency: PLN, EUR, USD, GBP or CHF.
        fraction: ``words`` (grosze in words) or ``digits`` (``... złote 50/100``, as on bank transfers).

    Raises:
        ValueError: not a number, or a currency without Polish word forms.
    """
    if value is None or value == "":
        return ""
    code = (currency or "PLN").upper()
    if code not in _WORD_CURRENCIES:
        raise ValueError(
            f"no Polish words for currency {currency!r}; known: {', '.join(sorted(_WORD_CURRENCIES))}"
        )
    if fraction not in ("words", "digits"):
        raise ValueError(f"fraction must be 'words' or 'digits', got {fraction!r}")
    amount = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    major_forms, minor_forms = _WORD_CURRENCIES[code]
    whole = int(abs(amount))
    cents = int((abs(amount) - whole) * 100)
    words = num2words(whole, lang="pl")
    sign = "minus " if amount < 0 else ""
    major = f"{sign}{words} {plural_form(whole, *major_forms)}"
    if fraction == "digits":
        return f"{major} {cents:02d}/100"
    return f"{major}, {num2words(cents, lang='pl')} {plural_form(cents, *minor_forms)}"


__all__ = [
    "CENT",
    "CURRENCY_SYMBOLS",
    "NBSP",
    "amount_in_words",
    "currency_label",
    "group_thousands",
    "money",
    "money_plain",
    "plural",
    "plural_form",
    "to_decimal",
]
