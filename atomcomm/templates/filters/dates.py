"""Dates in Polish: month names (genitive and nominative), weekdays, numeric forms, day counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
MONTHS_NOMINATIVE = (
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
)
WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")

DATE_FORMATS = {
    "short": "%d.%m.%Y",
    "iso": "%Y-%m-%d",
    "long": "%-d %B %Y",
    "full": "%A, %-d %B %Y",
    "month": "%OB %Y",
}
DATETIME_FORMATS = {
    "short": "%d.%m.%Y %H:%M",
    "iso": "%Y-%m-%dT%H:%M:%S",
    "long": "%-d %B %Y, %H:%M",
    "full": "%A, %-d %B %Y, %H:%M",
}


def to_date(value: Any) -> dt.date:
    """A date from a date, datetime or ISO string.

    Raises:
        ValueError: anything else.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"expected a date, got {value!r}")


def to_datetime(value: Any) -> dt.datetime:
    """A datetime from a datetime, date (midnight) or ISO string.

    Raises:
        ValueError: anything else.
    """
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a date and time, got {value!r}")


def strftime_pl(value: dt.date, fmt: str) -> str:
    """``strftime`` with Polish names independent of the process locale.

    ``%B`` is the genitive month name (``27 listopada``), ``%OB`` the nominative (``listopad 2026``),
    ``%A`` the weekday, ``%-d`` / ``%-m`` drop the leading zero.
    """
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%" or i + 1 == len(fmt):
            out.append(ch)
            i += 1
            continue
        code = fmt[i + 1]
        if code in "-O" and i + 2 < len(fmt):
            code += fmt[i + 2]
        i += 1 + len(code)
        if code == "B":
            out.append(MONTHS_GENITIVE[value.month - 1])
        elif code == "OB":
            out.append(MONTHS_NOMINATIVE[value.month - 1])
        elif code == "A":
            out.append(WEEKDAYS[value.weekday()])
        elif code == "-d":
            out.append(str(value.day))
        elif code == "-m":
            out.append(str(value.month))
        elif code in ("b", "a", "p", "c", "x", "X"):
            raise ValueError(f"%{code} depends on the process locale; use %B, %OB, %A or a numeric code")
        else:
            out.append(value.strftime("%" + code))
    return "".join(out)


def date(value: Any, fmt: str = "short") -> str:
    """A date in Polish: ``short`` 27.11.2026, ``long`` 27 listopada 2026, ``full`` piątek, 27 listopada
    2026, ``iso`` 2026-11-27, ``month`` listopad 2026, or a strftime format (see :func:`strftime_pl`).

    None gives "" (an empty optional date prints nothing).
    """
    if value is None or value == "":
        return ""
    return strftime_pl(to_date(value), DATE_FORMATS.get(fmt, fmt))


def datetime(value: Any, fmt: str = "short") -> str:
    """A date and time in Polish: ``short`` 27.11.2026 14:05, ``long`` 27 listopada 2026, 14:05,
    ``full``, ``iso`` or a strftime format. None gives ""."""
    if value is None or value == "":
        return ""
    return strftime_pl(to_datetime(value), DATETIME_FORMATS.get(fmt, fmt))


def days_overdue(due: Any, today: Any) -> int:
    """Days after the due date on ``today``; 0 when not yet due (or no due date)."""
    if due is None or due == "":
        return 0
    return max(0, (to_date(today) - to_date(due)).days)


def days_until(day: Any, today: Any) -> int:
    """Days from ``today`` until ``day`` (negative once past)."""
    return (to_date(day) - to_date(today)).days


__all__ = [
    "DATETIME_FORMATS",
    "DATE_FORMATS",
    "MONTHS_GENITIVE",
    "MONTHS_NOMINATIVE",
    "WEEKDAYS",
    "date",
    "datetime",
    "days_overdue",
    "days_until",
    "strftime_pl",
    "to_date",
    "to_datetime",
]
