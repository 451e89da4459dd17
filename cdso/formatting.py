"""Vietnamese numbers, dates and times, always through Babel.

Times are stored as naive UTC in the database; everything a person reads is in
Vietnam time (UTC+7, no daylight saving).
"""
from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar


from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent

from cdso.clock import VN_TZ, local_to_utc, to_local, utcnow  # noqa: F401  (the clock lives in cdso.clock)

LOCALE = "vi_VN"
# ICU's Vietnamese collation: a ă â b c d đ e ê …, tones a secondary difference (so
# "Hòa" and "Hoà", "Ân" and "Ấn" stay together). Sort keys are const: safe across threads.
T = TypeVar("T")


@functools.cache
def _collator():
    import icu  # ICU's data is loaded by the first sort, not by every quiz worker
    return icu.Collator.createInstance(icu.Locale(LOCALE))


def sort_key(text: str | None) -> bytes:
    """The key that puts names in Vietnamese dictionary order; use it for every list of
    names a person reads (not for matching what was typed: see units.catalogue)."""
    return _collator().getSortKey(unicodedata.normalize("NFC", text or ""))


def by_name(items: Iterable[T], name: Callable[[T], str | None] = str) -> list[T]:
    """`items` in Vietnamese order of `name(item)` (stable for equal names)."""
    return sorted(items, key=lambda item: sort_key(name(item)))


def number(value: int | float | None) -> str:
    """84360 -> "84.360"."""
    if value is None:
        return "—"
    return _number(value)


# Babel takes ~80 µs a number; a heat map prints thousands of them, mostly the same from
# one view to the next: the formatted strings are kept (pure functions of their input).
@functools.lru_cache(maxsize=65536)
def _number(value: int | float) -> str:
    return format_decimal(value, locale=LOCALE)


@functools.lru_cache(maxsize=65536)
def _percent(ratio: float, digits: int) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(ratio, format=pattern, locale=LOCALE)


def decimal(value: float | None, digits: int = 2) -> str:
    """-0.3141 -> "-0,31" (an index, not a share)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * digits, locale=LOCALE)


def percent(ratio: float | None, digits: int = 1) -> str:
    """0.8123 -> "81,2%"; None (unknown) -> "chưa rõ"."""
    if ratio is None:
        return "chưa rõ"
    return _percent(ratio, digits)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return to_local(value).date()
    return value


def date_long(value: dt.date | dt.datetime) -> str:
    """Decree 30 form: "ngày 05 tháng 01 năm 2026", "ngày 22 tháng 10 năm 2025".

    Days under 10 and the months 1 and 2 take a leading zero, other months do not.
    """
    day = _as_date(value)
    month_pattern = "MM" if day.month < 3 else "M"
    return format_date(day, f"'ngày' dd 'tháng' {month_pattern} 'năm' y", locale=LOCALE)


def date_short(value: dt.date | dt.datetime | None) -> str:
    """"22/10/2025"."""
    if value is None:
        return ""
    return format_date(_as_date(value), "dd/MM/y", locale=LOCALE)


def datetime_short(value: dt.datetime | None) -> str:
    """"15:00 22/10/2025" in Vietnam time."""
    if value is None:
        return ""
    return format_datetime(to_local(value), "HH:mm dd/MM/y", locale=LOCALE)


def moment_phrase(value: dt.datetime) -> str:
    """The "as of" phrase of a dispatch: "15h00 ngày 22/10/2025"."""
    return format_datetime(to_local(value), "HH'h'mm 'ngày' dd/MM/y", locale=LOCALE)


@functools.lru_cache(maxsize=4096)  # every answer step shows its attempt's deadline
def clock(value: dt.datetime) -> str:
    """"15:07" in Vietnam time, for a deadline shown without JavaScript."""
    return format_time(to_local(value), "HH:mm", locale=LOCALE)


def duration(seconds: int | None) -> str:
    """754 -> "12 phút 34 giây"."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    if minutes:
        return f"{number(minutes)} phút {secs} giây"
    return f"{secs} giây"


FILTERS = {
    "decimal": decimal,
    "number": number,
    "percent": percent,
    "date_long": date_long,
    "date_short": date_short,
    "datetime_short": datetime_short,
    "moment_phrase": moment_phrase,
    "clock": clock,
    "duration": duration,
}
