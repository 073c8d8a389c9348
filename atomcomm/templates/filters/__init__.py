"""Liquid filters, Polish first: money, dates, amounts in words, phone numbers, IBAN, NIP.

Each filter is a small typed pure function of its input (tested on tables of cases); :func:`register`
adds them to an environment under their Liquid names, converting bad input into a Liquid
``FilterArgumentError`` (so the error carries the template position) and letting an undefined value
fail loudly as it would on output.

Names in templates::

    {{ invoice.amount_due | money }}             1 234,50 zł   (no-break spaces in HTML, plain in text/SMS)
    {{ invoice.amount_due | money: 'EUR' }}      1 234,50 EUR
    {{ invoice.amount_due | money_plain }}       1 234,50 zł   (always plain spaces: safe for GSM-7)
    {{ invoice.due_date | date }}                27.11.2026    ('long' → 27 listopada 2026, 'iso', 'full',
                                                               or a strftime format with Polish names)
    {{ sent_at | datetime }}                     27.11.2026 14:05   ('long' → 27 listopada 2026, 14:05)
    {{ invoice.due_date | days_overdue }}        days after the due date, relative to ``today``
    {{ invoice.gross_total | amount_in_words }}  tysiąc dwadzieścia złotych, sześćdziesiąt dwa grosze
    {{ contact.mobile | phone }}                 507 280 123   ('international' → +48 507 280 123)
    {{ seller.bank_account | iban }}             PL65 1960 0133 8908 3863 7940 2654   ('national' → 65 1960 ...)
    {{ buyer.nip | nip }}                        526-025-02-74
    {{ n }} {{ n | plural: 'dzień', 'dni', 'dni' }}   Polish plural forms (one, few, many)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from liquid import Environment
from liquid.exceptions import FilterArgumentError, UndefinedError
from liquid.filter import with_context
from liquid.undefined import Undefined

from atomcomm.templates.filters.dates import (
    MONTHS_GENITIVE,
    date,
    datetime,
    days_overdue,
    days_until,
    strftime_pl,
    to_date,
)
from atomcomm.templates.filters.identifiers import iban, nip, phone
from atomcomm.templates.filters.numbers import (
    NBSP,
    amount_in_words,
    money,
    money_plain,
    plural,
    plural_form,
    to_decimal,
)


def _liquid(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a pure filter: undefined input fails like output would; bad input → FilterArgumentError."""

    @wraps(fn)
    def wrapper(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, Undefined):
            raise UndefinedError(getattr(value, "msg", f"'{value.name}' is undefined"), token=value.token)
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, Undefined):
                raise UndefinedError(getattr(arg, "msg", f"'{arg.name}' is undefined"), token=arg.token)
        try:
            return fn(value, *args, **kwargs)
        except (ValueError, ArithmeticError) as err:
            raise FilterArgumentError(f"{name}: {err}", token=None) from err

    return wrapper


def _today_of(context: Any) -> Any:
    today = context.resolve("today")
    if isinstance(today, Undefined) or today is None:
        return dt.date.today()
    return today


def _days_overdue_filter(value: Any, today: Any = None, *, context: Any) -> int:
    return days_overdue(value, today if today is not None else _today_of(context))


def _days_until_filter(value: Any, today: Any = None, *, context: Any) -> int:
    return days_until(value, today if today is not None else _today_of(context))


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money,
    "money_plain": money_plain,
    "amount_in_words": amount_in_words,
    "plural": plural,
    "date": date,
    "datetime": datetime,
    "phone": phone,
    "iban": iban,
    "nip": nip,
}


def register(env: Environment, *, html: bool) -> None:
    """Add atomcomm's filters to ``env``.

    In an HTML environment ``money`` keeps amounts together with no-break spaces; in a text/SMS
    environment it uses plain spaces. Babel's ``currency`` and ``number`` filters (python-liquid extra) are
    registered with Polish defaults; their settings are environment globals (see the engine).
    """
    from liquid.extra import Currency, Number

    for name, fn in FILTERS.items():
        env.add_filter(name, _liquid(name, fn))
    if not html:
        env.add_filter("money", _liquid("money", money_plain))
    env.add_filter("days_overdue", with_context(_liquid("days_overdue", _days_overdue_filter)))
    env.add_filter("days_until", with_context(_liquid("days_until", _days_until_filter)))
    env.add_filter("currency", Currency(default_locale="pl_PL", default_currency_code="PLN"))
    env.add_filter("number", Number(default_locale="pl_PL"))


__all__ = [
    "FILTERS",
    "MONTHS_GENITIVE",
    "NBSP",
    "amount_in_words",
    "date",
    "datetime",
    "days_overdue",
    "days_until",
    "iban",
    "money",
    "money_plain",
    "nip",
    "phone",
    "plural",
    "plural_form",
    "register",
    "strftime_pl",
    "to_date",
    "to_decimal",
]
