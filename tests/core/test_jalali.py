import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamin.core.jalali import (
    InvalidJalaliDate,
    JalaliMonth,
    format_jalali,
    format_jalali_fa,
    jalali_year,
    parse_jalali_date,
    today,
)

# Gregorian dates whose Jalali year lies well inside JalaliMonth's 1..3177.
dates = st.dates(min_value=dt.date(700, 1, 1), max_value=dt.date(3700, 12, 31))
months = st.builds(JalaliMonth, st.integers(101, 3070), st.integers(1, 12))  # room for ±100 years
offsets = st.integers(-1200, 1200)


def test_month_validation() -> None:
    for year, month in [(1404, 0), (1404, 13), (0, 1), (3178, 1)]:
        with pytest.raises(InvalidJalaliDate) as err:
            JalaliMonth(year, month)
        assert err.value.code == "jalali.range"
    with pytest.raises(TypeError):
        JalaliMonth(1404, 7.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        JalaliMonth(1404, True)


@pytest.mark.parametrize("text", ["1404-07", "1404/07", "1404/7", "۱۴۰۴/۰۷", " ۱۴۰۴-۷ "])
def test_month_parse(text: str) -> None:
    assert JalaliMonth.parse(text) == JalaliMonth(1404, 7)


@pytest.mark.parametrize(
    ("text", "code"),
    [("140407", "jalali.format"), ("1404/07/01", "jalali.format"), ("mehr", "jalali.format"),
     ("", "jalali.format"), ("1404/13", "jalali.range"), ("1404-00", "jalali.range")],
)  # fmt: skip
def test_month_parse_refusals(text: str, code: str) -> None:
    with pytest.raises(InvalidJalaliDate) as err:
        JalaliMonth.parse(text, field="period")
    assert (err.value.code, err.value.field) == (code, "period")


def test_month_basics() -> None:
    m = JalaliMonth(1404, 7)
    assert str(m) == "1404-07"
    assert str(JalaliMonth(99, 1)) == "0099-01"
    assert m.label_fa == "مهر ۱۴۰۴"
    assert JalaliMonth(1403, 12).label_fa == "اسفند ۱۴۰۳"
    assert {m: 1}[JalaliMonth(1404, 7)] == 1
    assert len({m, JalaliMonth(1404, 7), JalaliMonth(1404, 8)}) == 2
    assert JalaliMonth(1403, 12) < JalaliMonth(1404, 1) < JalaliMonth(1404, 2)


@pytest.mark.parametrize(
    ("year", "month", "days"),
    [(1404, 1, 31), (1404, 6, 31), (1404, 7, 30), (1404, 11, 30), (1404, 12, 29), (1403, 12, 30),
     (1399, 12, 30), (1391, 12, 30), (1398, 12, 29), (1354, 12, 30)],
)  # fmt: skip
def test_days_in_month(year: int, month: int, days: int) -> None:
    assert JalaliMonth(year, month).days == days


def test_gregorian_edges() -> None:
    assert JalaliMonth(1404, 1).first_day() == dt.date(2025, 3, 21)
    assert JalaliMonth(1403, 12).last_day() == dt.date(2025, 3, 20)
    assert JalaliMonth(1404, 7).first_day() == dt.date(2025, 9, 23)
    assert JalaliMonth.of(dt.date(2025, 9, 23)) == JalaliMonth(1404, 7)
    assert JalaliMonth.of(dt.datetime(2025, 9, 22, 23, 59)) == JalaliMonth(1404, 6)
    m = JalaliMonth(1404, 7)
    assert m.contains(dt.date(2025, 10, 22)) and not m.contains(dt.date(2025, 10, 23))
    assert m.contains(dt.datetime(2025, 9, 23, 8, 0))


def test_month_arithmetic() -> None:
    m = JalaliMonth(1404, 12)
    assert m.next() == JalaliMonth(1405, 1)
    assert JalaliMonth(1404, 1).previous() == JalaliMonth(1403, 12)
    assert m + 13 == JalaliMonth(1406, 1) == 13 + m
    assert m - 12 == JalaliMonth(1403, 12)
    assert JalaliMonth(1405, 2) - JalaliMonth(1403, 12) == 14
    with pytest.raises(TypeError):
        m + 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        m - "1"  # type: ignore[operator]
    with pytest.raises(InvalidJalaliDate):
        JalaliMonth(1, 1).previous()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1404/07/01", dt.date(2025, 9, 23)),
        ("1404-07-01", dt.date(2025, 9, 23)),
        ("14040701", dt.date(2025, 9, 23)),
        ("۱۴۰۴/۰۷/۰۱", dt.date(2025, 9, 23)),
        ("۱۴۰۴۰۷۰۱", dt.date(2025, 9, 23)),
        ("1404/7/1", dt.date(2025, 9, 23)),
        (" 1403/12/30 ", dt.date(2025, 3, 20)),
        ("1354/07/01", dt.date(1975, 9, 23)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert parse_jalali_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1404/07/31", "jalali.range"),  # Mehr has 30 days
        ("1404/12/30", "jalali.range"),  # 1404 is not a leap year
        ("1404/13/01", "jalali.range"),
        ("1404/00/10", "jalali.range"),
        ("0000/01/01", "jalali.range"),
        ("1404/07-01", "jalali.format"),
        ("1404/07/1a", "jalali.format"),
        ("140471", "jalali.format"),
        ("2025-09-23T00:00", "jalali.format"),
        ("", "jalali.format"),
    ],
)
def test_parse_date_refusals(text: str, code: str) -> None:
    with pytest.raises(InvalidJalaliDate) as err:
        parse_jalali_date(text, field="birth_date")
    assert (err.value.code, err.value.field) == (code, "birth_date")


def test_parse_date_default_field_and_non_text() -> None:
    with pytest.raises(InvalidJalaliDate) as err:
        parse_jalali_date(None)  # type: ignore[arg-type]
    assert err.value.field == "date"


def test_formatting() -> None:
    d = dt.date(2025, 9, 23)
    assert format_jalali(d) == "1404/07/01"
    assert format_jalali(d, sep="-") == "1404-07-01"
    assert format_jalali(dt.datetime(2025, 9, 23, 23, 0)) == "1404/07/01"
    assert format_jalali(None) == ""
    assert format_jalali_fa(d) == "۱۴۰۴/۰۷/۰۱"
    assert format_jalali_fa(None) == ""
    assert jalali_year(dt.date(2025, 3, 20)) == 1403
    assert jalali_year(dt.date(2025, 3, 21)) == 1404


def test_today_is_tehran_today() -> None:
    # Iran has kept UTC+03:30 all year since 1401, so the expected date is plain arithmetic.
    offset = dt.timedelta(hours=3, minutes=30)
    before = (dt.datetime.now(dt.UTC) + offset).date()
    got = today()
    after = (dt.datetime.now(dt.UTC) + offset).date()
    assert got in (before, after)


@given(dates, st.sampled_from(["/", "-", ""]))
def test_date_round_trip(d: dt.date, sep: str) -> None:
    assert parse_jalali_date(format_jalali(d, sep=sep)) == d
    assert parse_jalali_date(format_jalali_fa(d)) == d


@given(dates)
def test_month_of_contains_its_dates(d: dt.date) -> None:
    m = JalaliMonth.of(d)
    assert m.contains(d)
    assert m.first_day() <= d <= m.last_day()
    assert str(m) == format_jalali(d, sep="-")[:7]
    assert jalali_year(d) == m.year


@given(months, months)
def test_month_order_agrees_with_first_days(a: JalaliMonth, b: JalaliMonth) -> None:
    assert (a < b) == (a.first_day() < b.first_day())
    assert (a == b) == (a.first_day() == b.first_day())


@given(months, offsets)
def test_month_arithmetic_properties(m: JalaliMonth, k: int) -> None:
    assert m + k - k == m
    assert (m + k) - m == k
    assert m.next().previous() == m
    assert m.previous().next() == m
    assert m.next().first_day() == m.last_day() + dt.timedelta(days=1)


@given(months)
def test_month_days_match_calendar(m: JalaliMonth) -> None:
    assert 29 <= m.days <= 31
    assert m.contains(m.last_day()) and not m.contains(m.last_day() + dt.timedelta(days=1))
    assert (m.last_day() - m.first_day()).days + 1 == m.days


@given(st.integers(1, 3176))
def test_twelve_months_make_a_year(year: int) -> None:
    total = sum(JalaliMonth(year, month).days for month in range(1, 13))
    year_days = (JalaliMonth(year + 1, 1).first_day() - JalaliMonth(year, 1).first_day()).days
    assert total == year_days
    assert total in (365, 366)
    assert (total == 366) == (JalaliMonth(year, 12).days == 30)
