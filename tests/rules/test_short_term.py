"""Sickness (Arts. 62–63), maternity (Art. 67 and later laws), marriage and funeral grants: worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules import short_term as S
from tamin.rules.params import ParameterError
from tamin.rules.pensions import Histories


def hist(months: list[tuple[str, int, int]]) -> Histories:
    return Histories.from_records([{"month": m, "days": d, "wage": w} for m, d, w in months])


# Three months before Tir 1404: 31 + 31 + 31 days, wages summing to 93,000,000 → 1,000,000 a day.
SPRING = hist(
    [
        ("1404-01", 31, 31_000_000),
        ("1404-02", 31, 31_000_000),
        ("1404-03", 31, 31_000_000),
        ("1403-12", 30, 300_000_000),
    ]
)


def sick(days: int, dependants: bool, hospitalised: bool, work: bool) -> dict:
    return S.sickness_explained(
        SPRING,
        start=parse_jalali_date("1404/04/10"),
        sick_days=days,
        dependants=dependants,
        hospitalised=hospitalised,
        work_related=work,
    )


def test_art_63_daily_wage_is_the_last_three_months() -> None:
    r = sick(10, False, False, False)
    assert r["daily_wage"] == 1_000_000
    assert r["derivation"]["months_counted"] == ["1404-01", "1404-02", "1404-03"]  # Esfand 1403 not counted


def test_art_62_rates_and_waiting_days() -> None:
    # Single, at home: from day 4 → 7 days × round(1,000,000 × 2/3 = 666,666.67) = 666,667 × 7 = 4,666,669.
    r = sick(10, False, False, False)
    assert (r["paid_days"], r["daily_benefit"], r["amount"], r["case"]) == (7, 666_667, 4_666_669, "single")
    # With dependants: 3/4 → 750,000 × 7 = 5,250,000.
    assert sick(10, True, False, False)["amount"] == 5_250_000
    # Hospitalised, single: 1/2 from day 1 → 500,000 × 10 = 5,000,000.
    assert sick(10, False, True, False)["amount"] == 5_000_000
    # Work accident: from day 1 at 2/3 → 666,667 × 10 = 6,666,670.
    assert sick(10, False, False, True)["amount"] == 6_666_670
    assert sick(3, False, False, False)["amount"] == 0  # all waiting days


def test_sickness_vectorised() -> None:
    paid, per_day, total = S.sickness_compensation(
        np.array([900_000, 900_000]),
        np.array([5, 5]),
        np.array([True, False]),
        np.array([False, False]),
        np.array([False, False]),
        np.array([np.datetime64("2025-07-01")] * 2),
    )
    assert (
        paid.tolist() == [2, 2]
        and per_day.tolist() == [675_000, 600_000]
        and total.tolist() == [1_350_000, 1_200_000]
    )


def test_maternity_nine_months_from_1400_07_24() -> None:
    h = hist([("1400-04", 31, 31_000_000), ("1400-05", 31, 31_000_000), ("1400-06", 31, 31_000_000)])
    # 93 days in the year before → eligible; 2/3 × 1,000,000 = 666,667 a day.
    r = S.maternity_explained(h, birth=parse_jalali_date("1400/07/24"), multiple=False)
    assert (r["eligible"], r["days"], r["amount"]) == (True, 270, 270 * 666_667)
    r = S.maternity_explained(h, birth=parse_jalali_date("1400/07/23"), multiple=False)
    assert r["days"] == 180  # the day before the 1400 law: 6 months
    assert S.maternity_explained(h, birth=parse_jalali_date("1400/07/24"), multiple=True)["days"] == 365


def test_maternity_needs_sixty_days() -> None:
    h = hist([("1403-12", 30, 30_000_000), ("1404-01", 29, 29_000_000)])
    r = S.maternity_explained(h, birth=parse_jalali_date("1404/02/10"), multiple=False)
    assert not r["eligible"] and r["amount"] == 0 and "59" in r["reasons"][0]["message"]


def test_marriage_grant() -> None:
    # 24 months of 80,000,000 up to the marriage month: 720+ days in 5 years → one month's average.
    end = JalaliMonth(1404, 5)
    h = Histories.from_records(
        [{"month": str(end - i), "days": (end - i).days, "wage": 80_000_000} for i in range(24)]
    )
    r = S.marriage_explained(h, marriage=parse_jalali_date("1404/05/20"), first_marriage=True)
    assert (r["eligible"], r["amount"]) == (True, 80_000_000)
    assert not S.marriage_explained(h, marriage=parse_jalali_date("1404/05/20"), first_marriage=False)[
        "eligible"
    ]
    # Insurance cut: marriage three months after the last contribution month.
    late = S.marriage_explained(h, marriage=parse_jalali_date("1404/09/01"), first_marriage=True)
    assert not late["eligible"]
    short = Histories.from_records(
        [{"month": str(end - i), "days": (end - i).days, "wage": 1} for i in range(23)]
    )
    assert not S.marriage_explained(short, marriage=parse_jalali_date("1404/05/20"), first_marriage=True)[
        "eligible"
    ]


def test_funeral_grant() -> None:
    assert S.funeral_explained(parse_jalali_date("1404/07/01"))["amount"] == 103_909_680  # 3,463,656 × 30
    params = S.default_parameters()
    assert params.value("funeral.minimum_wage_days", "1386/11/20") == 30
    with pytest.raises(ParameterError):
        params.value("funeral.minimum_wage_days", "1386/11/19")  # the older schedule is not encoded
    # 1386's minimum daily wage 61,000 × 30.
    assert S.funeral_explained(parse_jalali_date("1386/11/20"))["amount"] == 1_830_000
