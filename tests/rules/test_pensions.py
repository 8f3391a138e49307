"""Retirement, disability and survivors' pensions: worked cases with the arithmetic written out,
every 7th Plan band on both sides of its threshold and of the reference date, and properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules import pensions as P
from tamin.rules.params import ParameterError

Y = 365  # pension.service.days_per_year


def day(s: str) -> np.ndarray:
    return np.array([np.datetime64(parse_jalali_date(s), "D")])


def history(
    last: str, months: int, wage: int = 100_000_000, hard: bool = False, first_skip: int = 0
) -> P.Histories:
    """`months` full months ending with `last` (each month's own 29–31 days)."""
    end = JalaliMonth.parse(last)
    recs = [
        {"month": str(end - i), "days": (end - i).days, "wage": wage, "hard_job": hard}
        for i in range(months)
        if i >= first_skip
    ]
    return P.Histories.from_records(recs)


def svc(credited: int, at_ref: int | None = None, hard: int = 0, hard_run: int = 0) -> P.Service:
    a = lambda x: np.array([x], np.int64)  # noqa: E731
    return P.Service(
        a(credited), a(hard), a(hard_run), a(credited), a(credited if at_ref is None else at_ref)
    )


def route(male: bool, age_years: float, s: P.Service, on: str, age_ref_years: float | None = None) -> int:
    age = int(age_years * 12)
    age_ref = age if age_ref_years is None else int(age_ref_years * 12)
    el = P.retirement_eligibility(np.array([male]), np.array([age]), np.array([age_ref]), s, day(on))
    return int(el.route[0])


# --- Art. 77 and Art. 111 (rules.md E8) --------------------------------------------------------------


def test_e8_twenty_five_years_on_the_average() -> None:
    # 100,000,000 × (25 × 365) / (30 × 365) = 83,333,333.33 → 83,333,333
    # (1391 minimum 129,900 × 30 = 3,897,000).
    got = P.retirement_pension(
        np.array([100_000_000]), np.array([25 * Y]), np.array([P.AGE]), day("1391/06/01")
    )
    assert got.tolist() == [83_333_333]


def test_e8_years_capped_at_thirty_five() -> None:
    # 38 years → 35 counted: 100,000,000 × 12,775 / 10,950 = 116,666,666.67 → 116,666,667.
    got = P.retirement_pension(
        np.array([100_000_000]), np.array([38 * Y]), np.array([P.AGE]), day("1391/06/01")
    )
    assert got.tolist() == [116_666_667]


def test_art_111_minimum_tops_up_in_1404() -> None:
    # 83,333,333 < 3,463,656 × 30 = 103,909,680 → the minimum is paid.
    got = P.retirement_pension(
        np.array([100_000_000]), np.array([25 * Y]), np.array([P.AGE]), day("1404/07/01")
    )
    assert got.tolist() == [103_909_680]


def test_e8_ten_year_law_pro_rata_minimum() -> None:
    # 10 / 30 × 103,909,680 = 34,636,560 (the pro-rata floor, not the full minimum).
    got = P.retirement_pension(
        np.array([50_000_000]), np.array([10 * Y]), np.array([P.TEN_YEAR]), day("1404/07/01")
    )
    assert got.tolist() == [34_636_560]


def test_not_eligible_is_zero_and_gap_years_refuse() -> None:
    assert P.retirement_pension(
        np.array([9]), np.array([9]), np.array([P.NONE]), day("1404/01/01")
    ).tolist() == [0]
    # A tiny pension is topped up to the Art. 111 minimum: 1395's minimum wage 270,722 × 30.
    assert P.retirement_pension(
        np.array([1]), np.array([Y]), np.array([P.AGE]), day("1395/01/01")
    ).tolist() == [8_121_660]
    with pytest.raises(ParameterError):  # before the 1371/12/16 amendment nothing is encoded
        P.retirement_pension(np.array([1]), np.array([Y]), np.array([P.AGE]), day("1371/12/15"))


# --- history → service and average --------------------------------------------------------------------


def test_average_is_the_last_24_contribution_months() -> None:
    # 30 months of 100M, then 1404-01 and 1404-02 without contributions, then 1404-03 at 148M:
    # the last 24 months with days: 1404-03 and 23 months of 100M → (148M + 2,300M) / 24 = 102,000,000.
    base = history("1403-12", 30)
    recs = [
        {"month": str(JalaliMonth.from_index(int(m))), "days": int(d), "wage": int(w)}
        for m, d, w in zip(base.month, base.days, base.wage, strict=True)
    ]
    recs += [
        {"month": "1404-01", "days": 0, "wage": 0},
        {"month": "1404-03", "days": 31, "wage": 148_000_000},
    ]
    recs.append({"month": "1404-08", "days": 30, "wage": 999_000_000})  # after the date: not counted
    h = P.Histories.from_records(recs)
    avg = P.average_wage(h, day("1404/07/01"))
    assert avg.average.tolist() == [102_000_000]
    assert avg.months_counted.tolist() == [24]
    months = h.month[avg.rows]
    assert JalaliMonth.from_index(int(months.min())) == JalaliMonth(
        1402, 2
    )  # 1403-12 and the 22 months before it
    assert JalaliMonth(1404, 8).index not in months


def test_short_record_is_averaged_over_its_own_months() -> None:
    h = history("1404-06", 6, wage=60_000_000)
    assert P.average_wage(h, day("1404/07/01")).average.tolist() == [60_000_000]


def test_hard_job_credit_and_continuous_run() -> None:
    # 12 normal months (365 days of 1403, a leap year: 366) then 24 hard months.
    recs = [
        {
            "month": str(JalaliMonth(1402, 1) + i),
            "days": (JalaliMonth(1402, 1) + i).days,
            "wage": 1,
            "hard_job": i >= 12,
        }
        for i in range(36)
    ]
    h = P.Histories.from_records(recs)
    s = P.service(h, day("1405/01/01"))
    hard = sum((JalaliMonth(1403, 1) + i).days for i in range(24))  # 1403 (366) + 1404 (365) = 731
    assert s.hard_days.tolist() == [731] == [hard]
    assert s.hard_continuous_days.tolist() == [731]
    # credited = 365 normal + 731 × 1.5 = 365 + 1096 (1096.5 → whole days only) = 1461
    assert s.credited_days.tolist() == [365 + 1096]
    # Reference month 1403-05: records before it = 365 + 4 hard months (31 × 4 = 124) × 1.5 = 365 + 186
    assert s.credited_days_at_reference.tolist() == [365 + 186]


def test_a_normal_month_breaks_the_hard_run() -> None:
    recs = [
        {
            "month": str(JalaliMonth(1400, 1) + i),
            "days": 30 if (JalaliMonth(1400, 1) + i).days >= 30 else 29,
            "wage": 1,
            "hard_job": i != 5,
        }
        for i in range(12)
    ]
    s = P.service(P.Histories.from_records(recs), day("1401/01/01"))
    assert s.hard_continuous_days.tolist() == [30 * 6 - 1 + 0]  # months 6–11 of 1400: 30 × 5 + 29 (Esfand)


def test_service_is_vectorised_over_persons() -> None:
    one, two = history("1404-06", 30), history("1404-06", 10, wage=5)
    h = P.Histories.build(
        np.concatenate([one.person, two.person + 1]),
        np.concatenate([one.month, two.month]),
        np.concatenate([one.days, two.days]),
        np.concatenate([one.wage, two.wage]),
        n=2,
    )
    s = P.service(h, np.array([np.datetime64(parse_jalali_date("1404/07/01"), "D")] * 2))
    assert s.paid_days.tolist() == [int(one.days.sum()), int(two.days.sum())]
    assert P.average_wage(h, day("1404/07/01")).average.tolist() == [100_000_000, 5]


def test_history_errors_name_the_field() -> None:
    with pytest.raises(P.PensionError) as err:
        P.Histories.from_records(
            [
                {"month": "1403-12", "days": 29, "wage": 1},
                {"month": "1403-12", "days": 29, "wage": 1},
                {"month": "1404-13", "days": 1, "wage": 1},
                {"month": "1404-01", "days": 32, "wage": 1},
                {"month": "1404-02", "days": 1, "wage": 1.5},
                {"month": "1404-03", "days": 1, "wage": 1, "hard_job": "yes"},
            ]
        )
    fields = [p.field for p in err.value.problems]
    assert fields == [
        "history.1.month",
        "history.2.month",
        "history.3.days",
        "history.4.wage",
        "history.5.hard_job",
    ]


# --- Art. 76 routes before the 7th Plan (1402/01/01) ----------------------------------------------------


@pytest.mark.parametrize(
    ("male", "age", "credited", "expected"),
    [
        (True, 40, 35 * Y, P.FULL_SERVICE),  # 35 years, any age
        (True, 40, 35 * Y - 1, P.NONE),  # one day short, too young for anything else
        (True, 50, 30 * Y, P.LONG_SERVICE),  # 30 years + 50
        (True, 49.9, 30 * Y, P.NONE),
        (False, 45, 30 * Y, P.LONG_SERVICE),  # women 45
        (False, 44.9, 30 * Y, P.WOMEN_EARLY),  # still 42 + 20 years
        (True, 60, 20 * Y, P.AGE),  # 60 + 20
        (False, 55, 20 * Y, P.AGE),
        (True, 59.9, 20 * Y, P.NONE),
        (True, 60, 20 * Y - 1, P.TEN_YEAR),  # 10-year law: pro rata
        (True, 60, 10 * Y, P.TEN_YEAR),
        (True, 60, 10 * Y - 1, P.NONE),
        (False, 42, 20 * Y, P.WOMEN_EARLY),
        (True, 42, 20 * Y, P.NONE),  # men have no early route
        (False, 41.9, 20 * Y, P.NONE),
    ],
)
def test_article_76_routes(male: bool, age: float, credited: int, expected: int) -> None:
    assert route(male, age, svc(credited), "1402/01/01") == expected


def test_ten_year_law_starts_in_1391() -> None:
    assert route(True, 60, svc(12 * Y), "1390/12/29") == P.NONE  # 20 years needed before the law
    assert route(True, 60, svc(12 * Y), "1391/01/01") == P.TEN_YEAR


def test_hard_and_harmful_routes() -> None:
    # 20 continuous years at any age (from the 1380 amendment); 20 non-continuous are not enough, 25 are.
    assert route(True, 40, svc(20 * Y, hard=20 * Y, hard_run=20 * Y), "1402/01/01") == P.HARD_JOB
    assert route(True, 40, svc(20 * Y, hard=20 * Y, hard_run=19 * Y), "1402/01/01") == P.NONE
    assert route(True, 40, svc(25 * Y, hard=25 * Y, hard_run=5 * Y), "1402/01/01") == P.HARD_JOB
    # Before 1380 the route still needed age 55.
    assert route(True, 54, svc(20 * Y, hard=20 * Y, hard_run=20 * Y), "1379/12/29") == P.NONE
    assert route(True, 55, svc(20 * Y, hard=20 * Y, hard_run=20 * Y), "1379/12/29") == P.HARD_JOB


# --- 7th Plan: reference 1403/05/03, every band, both sides ---------------------------------------------


def test_plan7_not_before_the_reference_date() -> None:
    # A record of 10 years on the reference date would need 25 years under the plan; the day before, 20.
    s = svc(20 * Y, at_ref=10 * Y)
    assert route(True, 60, s, "1403/05/02") == P.AGE
    assert route(True, 62, s, "1403/05/03") == P.TEN_YEAR  # 20 < 25 years: only the pro-rata law (10 + 5)


def test_plan7_more_than_28_years_no_change() -> None:
    s = svc(30 * Y, at_ref=28 * Y + 1)
    assert route(True, 50, s, "1404/07/01") == P.LONG_SERVICE


def test_plan7_band_25_to_28_two_months_per_missing_year() -> None:
    # At reference 26 years; long-service route needs 30: missing 4 years × 2 months = 8 months
    # = 2 × (30 × 365 − 26 × 365) / 12 = 2 × 1,460 / 12 = 243.33 days
    # → 10,950 + 243.33 = 11,193.33 → 11,194 days.
    el = P.retirement_eligibility(
        np.array([True]), np.array([600]), np.array([588]), svc(11_194, 26 * Y), day("1404/07/01")
    )
    assert el.required_days[P.LONG_SERVICE].tolist() == [11_194]
    assert route(True, 50, svc(11_193, 26 * Y), "1404/07/01") == P.NONE
    assert route(True, 50, svc(11_194, 26 * Y), "1404/07/01") == P.LONG_SERVICE
    # Exactly 28 years is still in this band (no change only above 28): 2 × 730 / 12 = 121.67 → 11,072 days.
    assert route(True, 50, svc(11_071, 28 * Y), "1404/07/01") == P.NONE
    assert route(True, 50, svc(11_072, 28 * Y), "1404/07/01") == P.LONG_SERVICE


def test_plan7_band_20_to_25_three_months() -> None:
    # At reference 22 years: missing 8 years to 30 × 3 months = 24 months
    # = 3 × 2,920 / 12 = 730 days → 11,680.
    assert route(True, 50, svc(11_679, 22 * Y), "1404/07/01") == P.NONE
    assert route(True, 50, svc(11_680, 22 * Y), "1404/07/01") == P.LONG_SERVICE
    # The age route's 20 years are already met at the reference date: no extra record.
    assert route(True, 60, svc(22 * Y, 22 * Y), "1404/07/01") == P.AGE


def test_plan7_band_15_to_20_four_months() -> None:
    # At reference 16 years: missing 4 years to 20 × 4 months = 16 months
    # = 4 × 1,460 / 12 = 486.67 → 7,787 days.
    assert route(True, 61, svc(7_786, 16 * Y), "1404/07/01", age_ref_years=60) == P.TEN_YEAR
    assert route(True, 61, svc(7_787, 16 * Y), "1404/07/01", age_ref_years=60) == P.AGE
    # 15 years exactly is in this band: 4 × 1,825 / 12 = 608.33 → 7,909 days (not the flat 5 years).
    assert route(True, 61, svc(7_909, 15 * Y), "1404/07/01", age_ref_years=60) == P.AGE


def test_plan7_under_15_years_five_more_years_and_age_62() -> None:
    # Under 15 years at reference: 20 + 5 = 25 years (9,125 days) and, for men, age 62.
    s = svc(25 * Y, 15 * Y - 1)
    assert route(True, 61.9, s, "1404/07/01", age_ref_years=59) == P.NONE
    assert route(True, 62, s, "1404/07/01", age_ref_years=59) == P.AGE
    assert route(True, 62, svc(25 * Y - 1, 15 * Y - 1), "1404/07/01") == P.TEN_YEAR  # 10 + 5 = 15 met
    assert route(False, 55, s, "1404/07/01", age_ref_years=53) == P.AGE  # women stay at 55


def test_plan7_age_rises_in_the_bands() -> None:
    # Band 15–20 (4 months per missing year): 57 at reference → 3 years to 60 × 4 months = 12 months → 61.
    s = svc(25 * Y, 16 * Y)
    assert route(True, 60.99, s, "1404/07/01", age_ref_years=57) == P.NONE
    assert route(True, 61, s, "1404/07/01", age_ref_years=57) == P.AGE
    # Already 60 at the reference date: no change.
    assert route(True, 60, s, "1404/07/01", age_ref_years=60) == P.AGE


def test_plan7_requirement_never_above_35_years_and_hard_jobs_exempt() -> None:
    assert route(True, 40, svc(35 * Y, 5 * Y), "1404/07/01") == P.FULL_SERVICE
    assert route(True, 40, svc(20 * Y, 5 * Y, hard=20 * Y, hard_run=20 * Y), "1404/07/01") == P.HARD_JOB


# --- properties -----------------------------------------------------------------------------------------

DATES = st.sampled_from(["1391/06/01", "1401/03/01", "1403/05/03", "1404/07/01", "1405/02/01"])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2_000_000_000),
    st.integers(0, 2_000_000_000),
    st.integers(0, 45 * Y),
    st.integers(0, 45 * Y),
    st.sampled_from(sorted(P.ROUTES)),
    DATES,
)
def test_more_record_or_wage_never_lowers_the_pension(
    a1: int, a2: int, d1: int, d2: int, r: int, on: str
) -> None:
    lo_a, hi_a = sorted((a1, a2))
    lo_d, hi_d = sorted((d1, d2))
    f = lambda a, d: int(P.retirement_pension(np.array([a]), np.array([d]), np.array([r]), day(on))[0])  # noqa: E731
    base = f(lo_a, lo_d)
    assert f(hi_a, lo_d) >= base and f(lo_a, hi_d) >= base and f(hi_a, hi_d) >= base
    minimum = int(P.minimum_pension(day(on))[0])
    if r not in P.PRO_RATA_ROUTES:
        assert base >= minimum


@settings(max_examples=150, deadline=None)
@given(
    st.booleans(),
    st.integers(30 * 12, 70 * 12),
    st.integers(0, 40),
    st.integers(0, 45 * Y),
    st.integers(0, 45 * Y),
    st.integers(0, 40 * Y),
    DATES,
)
def test_eligibility_is_monotone_in_age_and_record(
    male: bool, age: int, more_age: int, credited: int, more: int, at_ref: int, on: str
) -> None:
    at_ref = min(at_ref, credited)

    def ok(a: int, c: int, r: int) -> bool:
        el = P.retirement_eligibility(np.array([male]), np.array([a]), np.array([a - 24]), svc(c, r), day(on))
        return int(el.route[0]) != P.NONE

    if ok(age, credited, at_ref):
        assert ok(age + more_age, credited, at_ref)  # older
        assert ok(age, credited + more, at_ref)  # more record after the reference date
        assert ok(age, credited + more, at_ref + more)  # more record before it


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 24), st.integers(1, 500_000_000), st.integers(1, 3))
def test_history_properties(extra_months: int, wage: int, factor: int) -> None:
    # More months before the averaging window and higher wages never lower the pension.
    def pension(h: P.Histories) -> int:
        on = day("1404/07/01")
        s = P.service(h, on)
        avg = P.average_wage(h, on)
        return int(P.retirement_pension(avg.average, s.credited_days, np.array([P.AGE]), on)[0])

    short, longer = history("1404-06", 24 * 12), history("1404-06", 24 * 12 + extra_months)
    assert pension(longer) >= pension(short)
    low, high = history("1404-06", 30 * 12, wage=wage), history("1404-06", 30 * 12, wage=wage * factor)
    assert pension(high) >= pension(low) >= int(P.minimum_pension(day("1404/07/01"))[0])


# --- explained retirement -------------------------------------------------------------------------------


def test_retirement_explained_case() -> None:
    h = history("1404-06", 30 * 12, wage=150_000_000)
    case = P.PersonCase(True, parse_jalali_date("1350/01/01"), parse_jalali_date("1404/07/01"), h)
    r = P.retirement_explained(case)
    days = int(h.days.sum())  # 30 Jalali years of months = 10,958 days (leap Esfands included)
    assert r["eligible"] and r["case"] == "long_service" and r["credited_days"] == days
    # 150,000,000 × 10,958 / 10,950 = 150,109,589.04 → 150,109,589
    assert r["pension"] == 150_109_589 and r["average_wage"] == 150_000_000
    dv = r["derivation"]
    assert len(dv["months_counted"]) == 24 and dv["months_counted"][-1] == "1404-06"
    names = {p["name"] for p in dv["parameters"]}
    assert {"pension.accrual.divisor", "pension.average.months", "wage.minimum_daily"} <= names
    assert all(p["source"] and p["in_force_from"] for p in dv["parameters"])
    assert any("Art. 77" in s for s in dv["steps"])


def test_retirement_explained_refusal_has_reasons() -> None:
    h = history("1404-06", 5 * 12)
    r = P.retirement_explained(
        P.PersonCase(True, parse_jalali_date("1370/01/01"), parse_jalali_date("1404/07/01"), h)
    )
    assert not r["eligible"] and r["pension"] == 0 and r["case"] is None
    assert {x["case"] for x in r["reasons"]} == {name for name, _, _ in P.ROUTES.values()}
    assert all(
        "سابقه" in x["message"] or "سن" in x["message"] or "بانوان" in x["message"] for x in r["reasons"]
    )


def test_age_months_on_the_jalali_calendar() -> None:
    assert P.age_months(parse_jalali_date("1345/05/10"), parse_jalali_date("1405/05/10")) == 720
    assert P.age_months(parse_jalali_date("1345/05/10"), parse_jalali_date("1405/05/09")) == 719
    # Born on Shahrivar 31: the birthday in Esfand (29 days) is reached on its last day.
    assert P.age_months(parse_jalali_date("1345/06/31"), parse_jalali_date("1404/12/29")) == 59 * 12 + 6


# --- disability (Arts. 70–75) ---------------------------------------------------------------------------


def disability(
    percent: int, work: bool, dependants: bool, on: str, d10: int = 3650, d1: int = 365
) -> P.Disability:
    one = lambda x: np.array([x])  # noqa: E731
    return P.disability_pension(
        one(100_000_000), one(10 * Y), one(percent), one(work), one(dependants), one(d10), one(d1), day(on)
    )


def test_total_disability_art_72_and_111() -> None:
    # 100M × 3,650 / 10,950 = 33,333,333 → raised to 50 % = 50,000,000;
    # with dependants × 1.1 = 55,000,000 ≤ 60 %.
    r = disability(70, True, True, "1391/06/01")
    assert (r.degree.tolist(), r.art72.tolist(), r.pension.tolist()) == (
        [P.DISABILITY_TOTAL],
        [55_000_000],
        [55_000_000],
    )
    assert disability(70, True, False, "1391/06/01").pension.tolist() == [50_000_000]
    assert disability(70, True, True, "1404/07/01").pension.tolist() == [103_909_680]  # Art. 111


def test_partial_and_lump_sum() -> None:
    # Art. 73: 55,000,000 × 40 % = 22,000,000 (pro rata, no minimum).
    assert disability(40, True, True, "1404/07/01").pension.tolist() == [22_000_000]
    # Art. 74: 36 × 55,000,000 × 20 % = 396,000,000 once.
    r = disability(20, True, True, "1404/07/01")
    assert (r.pension.tolist(), r.lump_sum.tolist()) == ([0], [396_000_000])
    assert disability(9, True, True, "1404/07/01").degree.tolist() == [P.DISABILITY_NONE]
    assert disability(40, False, True, "1404/07/01").degree.tolist() == [
        P.DISABILITY_NONE
    ]  # partial: work only


def test_art_75_non_work_needs_recent_record() -> None:
    assert disability(70, False, False, "1404/07/01", d10=365, d1=90).eligible.tolist() == [True]
    assert disability(70, False, False, "1404/07/01", d10=364, d1=90).eligible.tolist() == [False]
    assert disability(70, False, False, "1404/07/01", d10=3650, d1=89).eligible.tolist() == [False]
    assert disability(70, True, False, "1404/07/01", d10=0, d1=0).eligible.tolist() == [True]


def test_disability_explained_windows() -> None:
    h = history("1404-05", 13, wage=100_000_000)  # 13 months before the event month
    case = P.PersonCase(True, parse_jalali_date("1370/01/01"), parse_jalali_date("1404/07/01"), h)
    r = P.disability_explained(
        case, event_date=parse_jalali_date("1404/06/15"), percent=80, work_related=False, dependants=False
    )
    assert r["eligible"] and r["case"] == "total" and r["pension"] == 103_909_680
    r = P.disability_explained(
        case, event_date=parse_jalali_date("1404/06/15"), percent=20, work_related=True, dependants=False
    )
    # Art. 72 on 13 months: 100M × 396 days / 10,950 = 3,616,438 → 50 % floor 50,000,000;
    # × 36 × 20 % = 360,000,000
    assert r["lump_sum"] == 360_000_000 and r["pension"] == 0


# --- survivors (Arts. 80–83) ----------------------------------------------------------------------------


def shares(base: int, spouses: int, children: int, parents: int, on: str = "1391/06/01") -> P.Survivors:
    one = lambda x: np.array([x])  # noqa: E731
    return P.survivor_pensions(one(base), one(True), one(spouses), one(children), one(parents), day(on))


def test_art_83_shares() -> None:
    # 50 % + 2 × 25 % = 100 %: 50,000,000 + 25,000,000 × 2.
    r = shares(100_000_000, 1, 2, 0)
    assert (r.spouse_each.tolist(), r.child_each.tolist(), r.total.tolist()) == (
        [50_000_000],
        [25_000_000],
        [100_000_000],
    )
    # 50 + 3 × 25 = 125 % → cut × 100/125: spouse 40,000,000, each child 20,000,000.
    r = shares(100_000_000, 1, 3, 0)
    assert (r.spouse_each.tolist(), r.child_each.tolist(), r.total.tolist()) == (
        [40_000_000],
        [20_000_000],
        [100_000_000],
    )
    # Two wives split the 50 %: 25,000,000 each; a parent 20 % = 20,000,000.
    r = shares(100_000_000, 2, 0, 1)
    assert (r.spouse_each.tolist(), r.parent_each.tolist(), r.total.tolist()) == (
        [25_000_000],
        [20_000_000],
        [70_000_000],
    )


def test_survivors_topped_up_to_the_minimum() -> None:
    # 10M × 100 % < 103,909,680 → shares of the minimum: 50 % = 51,954,840, 25 % = 25,977,420 × 2.
    r = shares(10_000_000, 1, 2, 0, "1404/07/01")
    assert (r.spouse_each.tolist(), r.child_each.tolist(), r.total.tolist()) == (
        [51_954_840],
        [25_977_420],
        [103_909_680],
    )
    r = shares(10_000_000, 0, 3, 0, "1404/07/01")  # 75 %: each child ⌈103,909,680 × 25 / 75⌉ = 34,636,560
    assert r.total.tolist() == [103_909_680]


def test_art_80_eligibility() -> None:
    one = lambda x: np.array([x])  # noqa: E731

    def ok(pens: bool, work: bool, d10: int, d1: int, cred: int) -> bool:
        args = (one(pens), one(work), one(d10), one(d1), one(cred), day("1404/07/01"))
        return bool(P.survivors_eligible(*args)[0])

    assert ok(True, False, 0, 0, 0) and ok(False, True, 0, 0, 0)
    assert ok(False, False, 365, 90, 365) and not ok(False, False, 365, 89, 365)
    assert ok(False, False, 0, 0, 20 * Y) and not ok(False, False, 0, 0, 20 * Y - 1)


def test_survivors_explained() -> None:
    h = history("1404-04", 20 * 12, wage=200_000_000)
    case = P.PersonCase(True, parse_jalali_date("1350/01/01"), parse_jalali_date("1404/07/01"), h)
    people = [
        P.Survivor("spouse"),
        P.Survivor("child", parse_jalali_date("1390/01/01")),
        P.Survivor("child", parse_jalali_date("1380/01/01")),
        P.Survivor("child", parse_jalali_date("1380/01/01"), studying=True),
        P.Survivor("father", parse_jalali_date("1330/01/01")),
        P.Survivor("mother", parse_jalali_date("1360/01/01")),
    ]
    r = P.survivors_explained(
        case,
        death_date=parse_jalali_date("1404/05/20"),
        work_related=False,
        deceased_pension=None,
        survivors=people,
    )
    q = [m["qualifies"] for m in r["survivors"]]
    assert q == [True, True, False, True, True, False]
    # base = 200M × 7,305 / 10,950 = 133,424,658; shares 50 + 25 × 2 + 20 = 120 % → × 100/120.
    base = r["derivation"]["base_pension"]
    assert base == 133_424_658
    assert (
        r["survivors"][0]["pension"] == 55_593_608
    )  # 133,424,658 × 50 × 100 / (100 × 120) = 55,593,607.5 → up
    assert r["survivors"][1]["pension"] == 27_796_804  # × 25 / 120 = 27,796,803.75
    assert r["survivors"][4]["pension"] == 22_237_443  # × 20 / 120 = 22,237,443
    assert r["pension"] == 55_593_608 + 2 * 27_796_804 + 22_237_443


def test_survivors_of_a_woman_need_a_dependent_husband() -> None:
    d = P.Derivation(P.default_parameters())
    on = dt.date(2025, 9, 23)
    assert not P.survivor_qualifies(P.Survivor("spouse", parse_jalali_date("1360/01/01")), False, on, d)[0]
    assert P.survivor_qualifies(P.Survivor("spouse", parse_jalali_date("1340/01/01")), False, on, d)[0]
    assert P.survivor_qualifies(P.Survivor("spouse", disabled=True), False, on, d)[0]
    assert not P.survivor_qualifies(P.Survivor("spouse", remarried=True), True, on, d)[0]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**60), st.integers(1, 2**40))
def test_batch_rounding_equals_the_money_rounding(n: int, d: int) -> None:
    from tamin.core.money import round_half_up_div

    assert P.half_up(np.array([n]), d).tolist() == [round_half_up_div(n, d)]
