"""Jalali (solar hijri) dates and months. Every conversion goes through jdatetime.

Dates are stored as Gregorian `datetime.date`; people see and type Jalali. Contribution periods are
Jalali months, modelled by `JalaliMonth`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime

from tamin.core.errors import DomainError
from tamin.core.text import normalize, to_persian_digits

MIN_YEAR = 1
MAX_YEAR = 3177

_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_DATE_SEPARATED = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


class InvalidJalaliDate(DomainError):
    """A Jalali date or month that is malformed (`jalali.format`) or does not exist (`jalali.range`)."""

    def __init__(
        self, code: str, message: str, field: str | None = "date", record: str | int | None = None
    ) -> None:
        super().__init__(code, message, field, record)


@lru_cache(maxsize=8192)
def _first_day(year: int, month: int) -> dt.date:
    return jdatetime.date(year, month, 1).togregorian()


def _as_date(d: dt.date) -> dt.date:
    # datetime is a subclass of date; comparisons between the two raise, so always drop the time.
    return d.date() if isinstance(d, dt.datetime) else d


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be int, got {type(value).__name__}")
    return value


@dataclass(frozen=True, order=True)
class JalaliMonth:
    """A Jalali calendar month, e.g. JalaliMonth(1404, 7) = Mehr 1404. Ordered, hashable."""

    year: int
    month: int

    def __post_init__(self) -> None:
        _check_int(self.year, "year")
        _check_int(self.month, "month")
        if not 1 <= self.month <= 12 or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InvalidJalaliDate(
                "jalali.range", f"ماه {self.year}/{self.month} در تقویم شمسی وجود ندارد.", "month"
            )

    @classmethod
    def parse(cls, s: str, field: str = "month") -> JalaliMonth:
        """'1404-07', '1404/07', '1404/7', with ASCII or Persian digits."""
        m = _MONTH.fullmatch(normalize(s)) if isinstance(s, str) else None
        if m is None:
            raise InvalidJalaliDate("jalali.format", f"ماه «{s}» باید به شکل ۱۴۰۴/۰۷ باشد.", field)
        try:
            return cls(int(m[1]), int(m[2]))
        except InvalidJalaliDate as exc:
            raise InvalidJalaliDate("jalali.range", exc.message, field) from None

    @classmethod
    def of(cls, d: dt.date) -> JalaliMonth:
        """The Jalali month containing a Gregorian date."""
        y, m, _ = jalali_parts(d)
        return cls(y, m)

    @property
    def index(self) -> int:
        """Months since the calendar's epoch; differences of indexes count months."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> JalaliMonth:
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    def first_day(self) -> dt.date:
        return _first_day(self.year, self.month)

    def last_day(self) -> dt.date:
        # The day before the next month starts; computed with jdatetime even past MAX_YEAR's end.
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return _first_day(year, month) - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        """29–31: Esfand has 30 days in leap years, as jdatetime says."""
        return (self.last_day() - self.first_day()).days + 1

    def contains(self, d: dt.date) -> bool:
        return self.first_day() <= _as_date(d) <= self.last_day()

    def next(self) -> JalaliMonth:
        return self + 1

    def previous(self) -> JalaliMonth:
        return self - 1

    def __add__(self, months: int) -> JalaliMonth:
        if isinstance(months, bool) or not isinstance(months, int):
            return NotImplemented
        return JalaliMonth.from_index(self.index + months)

    __radd__ = __add__

    @overload
    def __sub__(self, other: JalaliMonth) -> int: ...
    @overload
    def __sub__(self, other: int) -> JalaliMonth: ...
    def __sub__(self, other: int | JalaliMonth) -> JalaliMonth | int:
        if isinstance(other, JalaliMonth):
            return self.index - other.index
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return JalaliMonth.from_index(self.index - other)

    @property
    def label_fa(self) -> str:
        """'مهر ۱۴۰۴'."""
        return f"{jdatetime.date.j_months_fa[self.month - 1]} {to_persian_digits(self.year)}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_jalali_date(s: str, field: str = "date") -> dt.date:
    """The Gregorian date of a Jalali '1404/07/01', '1404-07-01' or '14040701' (ASCII or Persian digits)."""
    text = normalize(s) if isinstance(s, str) else ""
    m = _DATE_SEPARATED.fullmatch(text)
    parts = (m[1], m[3], m[4]) if m else None
    if parts is None and (m := _DATE_COMPACT.fullmatch(text)):
        parts = (m[1], m[2], m[3])
    if parts is None:
        raise InvalidJalaliDate("jalali.format", f"تاریخ «{s}» باید به شکل ۱۴۰۴/۰۷/۰۱ باشد.", field)
    year, month, day = (int(p) for p in parts)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidJalaliDate("jalali.range", f"سال {year} خارج از بازه پذیرفته است.", field)
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:
        raise InvalidJalaliDate("jalali.range", f"تاریخ {text} در تقویم شمسی وجود ندارد.", field) from None


@lru_cache(maxsize=8192)
def _parts(d: dt.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=d)
    return j.year, j.month, j.day


def jalali_parts(d: dt.date | dt.datetime) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date. Cached: a batch of lists formats the same few dates
    (a month's first and last days, parameter dates) thousands of times, and jdatetime's conversion
    is the costly part."""
    return _parts(_as_date(d))


def format_jalali(d: dt.date | dt.datetime | None, sep: str = "/") -> str:
    """'1404/07/01' for a Gregorian date; '' for None (an empty cell, not an error)."""
    if d is None:
        return ""
    y, m, day = jalali_parts(d)
    return f"{y:04d}{sep}{m:02d}{sep}{day:02d}"


def format_jalali_fa(d: dt.date | dt.datetime | None, sep: str = "/") -> str:
    """As format_jalali, with Persian digits for the UI."""
    return to_persian_digits(format_jalali(d, sep))


def jalali_year(d: dt.date) -> int:
    return jalali_parts(d)[0]


def _tehran() -> dt.tzinfo:
    try:
        return ZoneInfo("Asia/Tehran")
    except ZoneInfoNotFoundError:
        # A machine without tz data: Iran has kept UTC+03:30 all year since it dropped DST in 1401.
        return dt.timezone(dt.timedelta(hours=3, minutes=30))


def today() -> dt.date:
    """Today's date in Tehran, whatever the server's time zone."""
    return dt.datetime.now(_tehran()).date()
