"""Deadline, late-payment and late-list penalties (rules.md §3.1–3.2, parameters/penalties.yaml)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamin.core.jalali import JalaliMonth, format_jalali, parse_jalali_date
from tamin.rules.params import ParameterError, default_parameters
from tamin.rules.penalties import (
    LATE_LIST_DIVISOR,
    LATE_LIST_PERCENT,
    LATE_PAYMENT_DAYS,
    LATE_PAYMENT_PERCENT,
    late_list_penalty,
    late_list_penalty_explained,
    late_payment_penalty,
    late_payment_penalty_explained,
    payment_due_date,
    payment_due_dates,
)

P = default_parameters()
ONE_DAY = dt.timedelta(days=1)


def j(s: str) -> dt.date:
    return parse_jalali_date(s)


def lp(principal: int, due: str, paid: str) -> int:
    return int(
        late_payment_penalty(
            np.array([principal], dtype=np.int64),
            np.array([j(due)], dtype="datetime64[D]"),
            np.array([j(paid)], dtype="datetime64[D]"),
        )[0]
    )


def ll(premium: int, due: str, sent: str) -> int:
    return int(
        late_list_penalty(
            np.array([premium], dtype=np.int64),
            np.array([j(due)], dtype="datetime64[D]"),
            np.array([j(sent)], dtype="datetime64[D]"),
        )[0]
    )


def reference_late_payment(principal: int, due: dt.date, paid: dt.date) -> int:
    """Day by day in Python Fractions, independent of the vectorised period split."""
    total = Fraction(0)
    day = due + ONE_DAY
    while day <= paid:
        rate = Fraction(P.value(LATE_PAYMENT_PERCENT, day)) / 100 / P.value(LATE_PAYMENT_DAYS, day)
        total += principal * rate
        day += ONE_DAY
    whole, rest = divmod(total.numerator, total.denominator)
    return whole + (2 * rest >= total.denominator)


# --- deadline (SSL Art. 39) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "due"),
    [
        ((1404, 7), "1404/08/30"),  # Mehr list: end of Aban
        ((1403, 11), "1403/12/30"),  # Bahman list: Esfand of leap year 1403 has 30 days
        ((1402, 11), "1402/12/29"),
        ((1403, 12), "1404/01/31"),  # Esfand list crosses the year
        ((1398, 1), "1398/02/31"),
    ],
)
def test_due_is_the_last_day_of_the_next_month(month: tuple[int, int], due: str) -> None:
    assert format_jalali(payment_due_date(JalaliMonth(*month))) == due


def test_five_worker_exempt_workshops_get_two_months() -> None:
    assert format_jalali(payment_due_date(JalaliMonth(1404, 7), small_exempt=True)) == "1404/09/30"
    with pytest.raises(ParameterError):  # the exemption law starts in 1362
        payment_due_date(JalaliMonth(1361, 6), small_exempt=True)


def test_vector_due_dates_match_one_by_one() -> None:
    months = np.array([140407, 140312, 139801, 140407, 140311], dtype=np.int64)
    small = np.array([False, False, False, True, False])
    got = payment_due_dates(months, small_exempt=small)
    want = [
        payment_due_date(JalaliMonth(m // 100, m % 100), small_exempt=bool(s))
        for m, s in zip(months.tolist(), small.tolist(), strict=True)
    ]
    assert got.tolist() == want


# --- late payment --------------------------------------------------------------------------------------


def test_worked_example_bimego_farvardin_1398_paid_on_khordad_first() -> None:
    # bimego.ir (https://www.bimego.ir/2024/01/blog-post_393.html): the Farvardin 1398 contribution paid
    # on 1398/03/01 is late and bears "2 % a month on the whole list". The deadline is 1398/02/31, so it
    # is one day late: day-exact, 2 % / 30 of the debt.
    due = payment_due_date(JalaliMonth(1398, 1))
    assert format_jalali(due) == "1398/02/31"
    assert lp(30_000_000, "1398/02/31", "1398/03/01") == 20_000  # 30,000,000 × 2 % / 30
    assert lp(30_000_000, "1398/02/31", "1398/03/30") == 600_000  # 30 days = one full month = 2 %


def test_art98_half_per_mille_a_day_before_1373() -> None:
    # SSL Art. 98: 0.5 per mille of the arrears for each day of delay.
    assert lp(1_000_000, "1360/01/31", "1360/02/10") == 5_000
    assert lp(1_000_000, "1360/01/31", "1360/02/01") == 500


def test_paid_on_or_before_due_owes_nothing() -> None:
    assert lp(50_000_000, "1404/08/30", "1404/08/30") == 0
    assert lp(50_000_000, "1404/08/30", "1404/08/01") == 0
    assert lp(50_000_000, "1404/08/30", "1404/09/01") == round(50_000_000 * 0.02 / 30)


def test_rate_change_splits_the_days() -> None:
    # 7 days at Art. 98 (1373/05/02–08) then 12 days at 2 %/month from the 1373/05/09 law.
    assert lp(1_000_000, "1373/05/01", "1373/05/20") == 3_500 + 8_000
    explained = late_payment_penalty_explained(1_000_000, j("1373/05/01"), j("1373/05/20"))
    assert [(r["from"], r["to"], r["days"]) for r in explained["periods"]] == [
        ("1373/05/02", "1373/05/08", 7),
        ("1373/05/09", "1373/05/20", 12),
    ]
    assert [r["percent_per_month"] for r in explained["periods"]] == ["1.5", "2"]
    assert explained["penalty"] == 11_500 and explained["days_late"] == 19


def _late_payment_changes() -> list[dt.date]:
    starts = {e.start for n in (LATE_PAYMENT_PERCENT, LATE_PAYMENT_DAYS) for e in P.parameter(n).entries}
    return sorted(s for s in starts if s > P.parameter(LATE_PAYMENT_PERCENT).entries[0].start)


@pytest.mark.parametrize("change", _late_payment_changes(), ids=format_jalali)
def test_one_day_late_on_either_side_of_every_change(change: dt.date) -> None:
    principal = 3_000_000
    for late_day in (change - ONE_DAY, change):
        rate = Fraction(P.value(LATE_PAYMENT_PERCENT, late_day)) / 100 / P.value(LATE_PAYMENT_DAYS, late_day)
        want = principal * rate
        got = lp(principal, format_jalali(late_day - ONE_DAY), format_jalali(late_day))
        assert got == round(want) and got > 0


def test_before_the_law_there_is_no_rate() -> None:
    with pytest.raises(ParameterError):
        lp(1_000, "1354/03/01", "1354/03/05")


def test_inputs_are_checked() -> None:
    with pytest.raises(TypeError):
        late_payment_penalty(
            np.array([1.5]), np.array(["2020-01-01"], "M8[D]"), np.array(["2020-02-01"], "M8[D]")
        )
    with pytest.raises(ValueError):
        late_payment_penalty(
            np.array([1], np.int64), np.array(["NaT"], "M8[D]"), np.array(["2020-02-01"], "M8[D]")
        )
    with pytest.raises(TypeError):
        late_payment_penalty(np.array([1], np.int64), np.array([20200101]), np.array([20200201]))


def test_huge_debts_do_not_overflow() -> None:
    principal = 10**15  # a hundred thousand billion rial
    due, paid = j("1380/01/31"), j("1404/07/30")
    got = late_payment_penalty(
        np.array([principal], np.int64),
        np.array([due], "datetime64[D]"),
        np.array([paid], "datetime64[D]"),
    )[0]
    assert int(got) == reference_late_payment(principal, due, paid)
    assert int(got) > principal * 5  # more than 24 years at 2 % a month


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(0, 10**12),
    due=st.dates(dt.date(1995, 1, 1), dt.date(2026, 12, 31)),
    delay=st.integers(-40, 900),
)
def test_vector_matches_day_by_day_reference(principal: int, due: dt.date, delay: int) -> None:
    paid = due + dt.timedelta(days=delay)
    got = late_payment_penalty(
        np.array([principal], np.int64), np.array([due], "datetime64[D]"), np.array([paid], "datetime64[D]")
    )
    assert int(got[0]) == reference_late_payment(principal, due, paid)
    explained = late_payment_penalty_explained(principal, due, paid)
    assert explained["penalty"] == int(got[0])
    assert sum(r["days"] for r in explained["periods"]) == max(delay, 0)


def test_many_debts_in_one_pass() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    principal = rng.integers(0, 5_000_000_000, n, dtype=np.int64)
    due = np.datetime64("1994-01-01") + rng.integers(0, 11_000, n).astype("timedelta64[D]")
    paid = due + rng.integers(-30, 2_000, n).astype("timedelta64[D]")
    got = late_payment_penalty(principal, due, paid)
    assert got.dtype == np.int64 and got.shape == (n,)
    assert (got[paid <= due] == 0).all() and (got >= 0).all()
    for i in rng.integers(0, n, 5).tolist():
        assert got[i] == lp(int(principal[i]), format_jalali(due[i].item()), format_jalali(paid[i].item()))


# --- late list -----------------------------------------------------------------------------------------


def test_late_list_is_ten_percent_once() -> None:
    # 1373 fines law Tabsareh 1 (current text): 10 % of that month's contribution, collected once.
    assert ll(12_345_678, "1404/08/30", "1404/08/30") == 0
    assert ll(12_345_678, "1404/08/30", "1404/09/01") == 1_234_568
    assert ll(12_345_678, "1404/08/30", "1405/08/30") == 1_234_568  # once, however late


def test_late_list_one_twelfth_under_art100() -> None:
    assert ll(1_200_000, "1372/05/31", "1372/06/01") == 100_000
    assert ll(6, "1372/05/31", "1372/06/01") == 1  # 0.5 rounds half up


@pytest.mark.parametrize(
    ("due", "sent", "expected"),
    [
        ("1373/05/07", "1373/05/08", 100_000),  # first late day under Art. 100
        ("1373/05/08", "1373/05/09", 120_000),  # first late day under the 1373 law
        ("1387/04/07", "1387/04/08", 120_000),
    ],
)
def test_late_list_either_side_of_changes(due: str, sent: str, expected: int) -> None:
    assert ll(1_200_000, due, sent) == expected
    for name in (LATE_LIST_PERCENT, LATE_LIST_DIVISOR):
        assert P.value(name, j(sent))  # every late day has a rate


def test_late_list_vector_and_explained_agree() -> None:
    premium = np.array([1_200_000, 5, 999_999, 0], np.int64)
    due = np.array([j("1372/05/31"), j("1404/01/31"), j("1404/01/31"), j("1404/01/31")], "datetime64[D]")
    sent = np.array([j("1372/06/02"), j("1404/02/01"), j("1404/01/01"), j("1404/02/05")], "datetime64[D]")
    got = late_list_penalty(premium, due, sent)
    assert got.tolist() == [100_000, 1, 0, 0]
    for i in range(4):
        e = late_list_penalty_explained(int(premium[i]), due[i].item(), sent[i].item())
        assert e["penalty"] == got[i]
    e = late_list_penalty_explained(1_200_000, j("1404/01/31"), j("1404/02/01"))
    assert (e["percent"], e["divisor"], e["rate_on"], e["late"]) == ("10", 1, "1404/02/01", True)
