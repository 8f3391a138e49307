"""Long-term benefits as code: retirement (SSL Arts. 76, 77, 111, the 10-year law, the 7th Plan),
disability (Arts. 70–75) and survivors (Arts. 80–83). rules.md §4, §5.1–5.2.

Two layers, one arithmetic:
- vectorised formulas over numpy arrays (`service`, `average_wage`, `retirement_eligibility`,
  `retirement_pension`, `disability_pension`, `survivor_pensions`): one person is an array of length 1,
  the payroll passes millions;
- `*_explained` functions for one case, which call the same formulas and return the derivation: the
  article and case applied, every parameter with its date and source, the months counted, the arithmetic.

Insurance histories are flat columns (`Histories`): one row per person-month, sorted by person then month.
Money is int64 Rials, rounded half up only where a result is shown or paid (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import jdatetime
import numpy as np

from tamin.core.errors import DomainError, ProblemList
from tamin.core.jalali import InvalidJalaliDate, JalaliMonth, format_jalali
from tamin.core.money import round_half_up_div
from tamin.rules.params import ParameterSet, default_parameters

# Route codes, in the order a case is tried: the first full-pension route that applies is the case.
NONE, FULL_SERVICE, LONG_SERVICE, AGE, HARD_JOB, WOMEN_EARLY, TEN_YEAR = range(7)
ROUTES = {
    FULL_SERVICE: (
        "full_service",
        "SSL Art. 76 as amended — 35 years of record, any age",
        "۳۵ سال سابقه، بدون شرط سن",
    ),
    LONG_SERVICE: (
        "long_service",
        "SSL Art. 76 as amended — 30 years of record and age 50 (men) / 45 (women)",
        "۳۰ سال سابقه و سن ۵۰ (مردان) / ۴۵ (زنان)",
    ),
    AGE: (
        "age",
        "SSL Art. 76 — age 60 (men) / 55 (women) and 20 years of record",
        "سن ۶۰ (مردان) / ۵۵ (زنان) و ۲۰ سال سابقه",
    ),
    HARD_JOB: (
        "hard_job",
        "SSL Art. 76 Tabsareh — hard and harmful work, 20 continuous / 25 non-continuous years",
        "مشاغل سخت و زیان‌آور: ۲۰ سال متوالی یا ۲۵ سال متناوب",
    ),
    WOMEN_EARLY: (
        "women_early",
        "Women workers — age 42 and 20 years of record",
        "بانوان: سن ۴۲ و ۲۰ سال سابقه",
    ),
    TEN_YEAR: (
        "ten_year",
        "10-year law (1391) — retirement age with at least 10 years, pension pro rata",
        "قانون ده سال: سن بازنشستگی با دست‌کم ۱۰ سال سابقه، مستمری به نسبت سابقه",
    ),
}
ROUTE_CODES = {name: code for code, (name, _, _) in ROUTES.items()}
PRO_RATA_ROUTES = (TEN_YEAR,)

# Disability degrees (Arts. 70, 73, 74).
DISABILITY_NONE, DISABILITY_LUMP_SUM, DISABILITY_PARTIAL, DISABILITY_TOTAL = range(4)
DISABILITY_KINDS = {
    DISABILITY_NONE: "none",
    DISABILITY_LUMP_SUM: "lump_sum",
    DISABILITY_PARTIAL: "partial",
    DISABILITY_TOTAL: "total",
}


class PensionError(DomainError):
    """A case the pension rules cannot compute, with the field at fault."""


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def _days(dates: np.ndarray | Sequence[dt.date] | dt.date) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(dates))
    return arr.astype("datetime64[D]")


def _broadcast(arr: np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(arr, (n,)) if arr.shape != (n,) else arr


def half_up(n: np.ndarray, d: np.ndarray | int) -> np.ndarray:
    """n / d rounded half up, for non-negative int64 n and positive d: the batch path's one division.

    Equal to core.money.round_half_up_div on that domain (tested), without its sign handling, which
    would double the cost of the payroll's hot loop.
    """
    return (2 * n + d) // (2 * d)


def _month_index(dates: np.ndarray) -> np.ndarray:
    """JalaliMonth.index of each date (a per-date jdatetime call: for case-sized arrays only)."""
    return np.array([JalaliMonth.of(d).index for d in _days(dates).tolist()], dtype=np.int64)


# --- the insurance history as columns ----------------------------------------------------------------


@dataclass(frozen=True)
class Histories:
    """Person-months as columns, sorted by (person, month). `month` is JalaliMonth.index."""

    person: np.ndarray  # int64, 0..n-1
    month: np.ndarray  # int64
    days: np.ndarray  # int64, paid days in the month
    wage: np.ndarray  # int64 Rials, the insured wage of the month
    hard: np.ndarray  # bool, hard and harmful work
    n: int

    @classmethod
    def build(
        cls,
        person: np.ndarray,
        month: np.ndarray,
        days: np.ndarray,
        wage: np.ndarray,
        hard: np.ndarray | None = None,
        n: int | None = None,
    ) -> Histories:
        person = np.asarray(person, dtype=np.int64)
        month = np.asarray(month, dtype=np.int64)
        order = np.lexsort((month, person))
        hard_arr = np.zeros(len(person), bool) if hard is None else np.asarray(hard, dtype=bool)
        count = int(person.max()) + 1 if n is None and len(person) else (n or 0)
        return cls(
            person[order],
            month[order],
            np.asarray(days, dtype=np.int64)[order],
            np.asarray(wage, dtype=np.int64)[order],
            hard_arr[order],
            count,
        )

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]], field: str = "history") -> Histories:
        """One person's history from [{"month": "1403-12", "days": 30, "wage": 123, "hard_job": false}, …].

        Every problem names its field, e.g. `history.3.month` (0-based, as the API's error locations).
        """
        problems = ProblemList()
        months: list[int] = []
        days: list[int] = []
        wages: list[int] = []
        hard: list[bool] = []
        if not isinstance(records, list):
            raise PensionError("case.type", "سابقه باید فهرستی از ماه‌ها باشد.", field)
        seen: dict[int, int] = {}
        for i, rec in enumerate(records):
            where = f"{field}.{i}"
            if not isinstance(rec, Mapping):
                problems.add("case.type", "هر ردیف سابقه باید یک شیء باشد.", where)
                continue
            try:
                m = JalaliMonth.parse(rec.get("month"), field=f"{where}.month")  # type: ignore[arg-type]
            except InvalidJalaliDate as exc:
                problems.extend(exc)
                continue
            d = rec.get("days")
            if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= m.days:
                problems.add(
                    "case.days", f"روزهای کارکرد باید عددی صحیح از ۰ تا {m.days} باشد.", f"{where}.days"
                )
                continue
            w = rec.get("wage")
            if isinstance(w, bool) or not isinstance(w, int) or w < 0:
                problems.add("case.wage", "دستمزد باید عدد صحیح نامنفی به ریال باشد.", f"{where}.wage")
                continue
            h = rec.get("hard_job", False)
            if not isinstance(h, bool):
                problems.add("case.type", "hard_job باید true یا false باشد.", f"{where}.hard_job")
                continue
            if m.index in seen:
                problems.add(
                    "case.duplicate_month",
                    f"ماه {m} دوبار آمده است (ردیف {seen[m.index]}).",
                    f"{where}.month",
                )
                continue
            seen[m.index] = i
            months.append(m.index)
            days.append(d)
            wages.append(w)
            hard.append(h)
        problems.raise_if_any(PensionError)
        return cls.build(
            np.zeros(len(months), np.int64),
            np.array(months, np.int64),
            np.array(days),
            np.array(wages),
            np.array(hard, bool),
            n=1,
        )

    def before(self, cutoff: np.ndarray) -> np.ndarray:
        """Row mask: months up to and including each person's cutoff month index."""
        return self.month <= cutoff[self.person]

    def _sum(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        w = values if mask is None else np.where(mask, values, 0)
        return np.bincount(self.person, weights=w, minlength=self.n).astype(np.int64)


# --- service (سابقه) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """Per-person days of record. Credited days count each hard-and-harmful day `credit` times."""

    paid_days: np.ndarray
    hard_days: np.ndarray
    hard_continuous_days: np.ndarray  # the longest run of consecutive hard-job months
    credited_days: np.ndarray
    credited_days_at_reference: np.ndarray  # before the 7th Plan reference month


def _credited(paid: np.ndarray, hard: np.ndarray, num: np.ndarray, den: int) -> np.ndarray:
    # Whole days only: a fraction of a credited day is dropped (never rounded up into a longer record).
    return paid - hard + (hard * num) // den


def service(h: Histories, on: np.ndarray, *, params: ParameterSet | None = None) -> Service:
    """Days of record up to each person's date `on` (datetime64 per person), vectorised over persons."""
    p = _params(params)
    on_days = _broadcast(_days(on), h.n)
    cutoff = _month_index(on_days) if h.n <= 1 else _month_index_fast(on_days)
    mask = h.before(cutoff)
    hard_mask = mask & h.hard & (h.days > 0)
    paid = h._sum(h.days, mask)
    hard = h._sum(h.days, hard_mask)
    num, den = p.vector_scaled("pension.hard_job.credit", on_days)
    credited = _credited(paid, hard, num, den)
    ref_month = _plan7_reference_month(on_days, p)
    at_ref_mask = mask & (h.month < ref_month[h.person])
    paid_ref = h._sum(h.days, at_ref_mask)
    hard_ref = h._sum(h.days, at_ref_mask & hard_mask)
    credited_ref = _credited(paid_ref, hard_ref, num, den)
    return Service(paid, hard, _longest_hard_run(h, hard_mask), credited, credited_ref)


def _month_index_fast(days: np.ndarray) -> np.ndarray:
    # Millions of dates but few distinct ones (a payroll date, application dates by day): convert each once.
    uniq, inverse = np.unique(days, return_inverse=True)
    return _month_index(uniq)[inverse]


def _longest_hard_run(h: Histories, hard_mask: np.ndarray) -> np.ndarray:
    """Days in each person's longest run of consecutive hard-job months (a gap or a normal month"
    " breaks it)."""
    out = np.zeros(h.n, np.int64)
    if not hard_mask.any():
        return out
    rows = np.flatnonzero(hard_mask)
    person, month = h.person[rows], h.month[rows]
    starts = np.ones(len(rows), bool)
    starts[1:] = (person[1:] != person[:-1]) | (month[1:] != month[:-1] + 1)
    run = np.cumsum(starts) - 1
    run_days = np.bincount(run, weights=h.days[rows]).astype(np.int64)
    np.maximum.at(out, person[starts], run_days)
    return out


def _plan7_reference_month(on_days: np.ndarray, p: ParameterSet) -> np.ndarray:
    """The month of the 7th Plan reference date (the start of the plan's entries) in force on each date."""
    param = p.parameter("pension.plan7.no_change_years")
    idx = param.indexes(on_days)
    starts = np.array([JalaliMonth.of(e.start).index for e in param.entries], dtype=np.int64)
    return starts[idx]


# --- average wage (Art. 77 Tabsareh) -----------------------------------------------------------------


@dataclass(frozen=True)
class Average:
    average: np.ndarray  # int64 Rials, rounded half up
    wage_sum: np.ndarray
    months_counted: np.ndarray  # how many months entered the sum
    divisor: np.ndarray  # the N of the law, or fewer months for a short record
    rows: np.ndarray  # row mask of Histories: which months were counted


def average_wage(
    h: Histories,
    on: np.ndarray,
    *,
    months_param: str = "pension.average.months",
    params: ParameterSet | None = None,
) -> Average:
    """Sum of the insured wages of the last N months with contributions up to `on`, divided by N.

    A record shorter than N months is divided by its own number of months (our reading for short
    records, e.g. a work accident in the first year; the law text only speaks of the last 2 years).
    """
    p = _params(params)
    on_days = _broadcast(_days(on), h.n)
    cutoff = _month_index(on_days) if h.n <= 1 else _month_index_fast(on_days)
    n_months = p.vector(months_param, on_days)
    valid = h.before(cutoff) & (h.days > 0)
    rows = np.flatnonzero(valid)
    person = h.person[rows]
    count = np.bincount(person, minlength=h.n)
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    pos = np.arange(len(rows)) - first[person]
    from_end = count[person] - 1 - pos
    take = from_end < n_months[person]
    counted_rows = np.zeros(len(h.person), bool)
    counted_rows[rows[take]] = True
    wage_sum = h._sum(h.wage, counted_rows)
    months = np.bincount(h.person[counted_rows], minlength=h.n).astype(np.int64)
    divisor = np.maximum(np.minimum(n_months, months), 1)
    return Average(round_half_up_div(wage_sum, divisor), wage_sum, months, divisor, counted_rows)


# --- retirement eligibility (Art. 76, 10-year law, 7th Plan) -----------------------------------------


@dataclass(frozen=True)
class Eligibility:
    route: np.ndarray  # int8 route code, NONE when no route applies
    by_route: dict[int, np.ndarray]  # bool per route
    required_days: dict[int, np.ndarray]  # record required per route, after the 7th Plan
    required_age_months: dict[int, np.ndarray]  # age required per route (0 = any age)
    plan7_extra_days: np.ndarray  # extra record from the 7th Plan on a 20-year requirement (for display)


def _plan7_extra_x12(
    required_days: np.ndarray, at_ref: np.ndarray, dpy: np.ndarray, on: np.ndarray, p: ParameterSet
) -> np.ndarray:
    """12 × the extra days of record the 7th Plan adds to a requirement, by the record on the reference date.

    Per year still missing on the reference date, `months_per_year` months (pro rata for part years):
    extra_days = k × missing_days / 12. Under the low band: a flat `extra_months.under_15` months.
    Kept ×12 so everything stays in exact integers.
    """
    k = _plan7_band_months(at_ref, dpy, on, p)
    missing = np.maximum(required_days - at_ref, 0)
    flat = p.vector("pension.plan7.extra_months.under_15", on) * dpy
    under = at_ref < p.vector("pension.plan7.band_from_years.low", on) * dpy
    active = p.vector("pension.plan7.no_change_years", on) > 0
    extra = np.where(under, flat, k * missing)
    return np.where(active, extra, 0)


def _plan7_band_months(at_ref: np.ndarray, dpy: np.ndarray, on: np.ndarray, p: ParameterSet) -> np.ndarray:
    v = p.vector
    no_change = at_ref > v("pension.plan7.no_change_years", on) * dpy
    high = at_ref >= v("pension.plan7.band_from_years.high", on) * dpy
    middle = at_ref >= v("pension.plan7.band_from_years.middle", on) * dpy
    low = at_ref >= v("pension.plan7.band_from_years.low", on) * dpy
    return np.select(
        [no_change, high, middle, low],
        [
            0,
            v("pension.plan7.months_per_year.high", on),
            v("pension.plan7.months_per_year.middle", on),
            v("pension.plan7.months_per_year.low", on),
        ],
        default=0,
    )


def retirement_eligibility(
    male: np.ndarray,
    age_months: np.ndarray,
    age_months_at_reference: np.ndarray,
    s: Service,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> Eligibility:
    """Which Art. 76 route (if any) each person meets on `on`; arrays of equal length."""
    p = _params(params)
    n = len(s.credited_days)
    on = _broadcast(_days(on), n)
    male = np.asarray(male, bool)
    v = p.vector
    dpy = v("pension.service.days_per_year", on)
    credited_x12 = s.credited_days * 12
    cap_x12 = v("pension.plan7.max_years", on) * dpy * 12
    at_ref = s.credited_days_at_reference

    def record_needed(years_param: str, plan7: bool = True) -> np.ndarray:
        base = v(years_param, on) * dpy
        extra = _plan7_extra_x12(base, at_ref, dpy, on, p) if plan7 else 0
        return np.maximum(np.minimum(base * 12 + extra, cap_x12), base * 12)

    by_sex = lambda m, f: np.where(male, v(m, on), v(f, on))  # noqa: E731
    # Age route: the 7th Plan raises the age in the same bands, up to max_age (62 men / 55 women).
    age_base = by_sex("pension.age_route.min_age.male", "pension.age_route.min_age.female") * 12
    age_cap = by_sex("pension.plan7.max_age.male", "pension.plan7.max_age.female") * 12
    k = _plan7_band_months(at_ref, dpy, on, p)
    under = at_ref < v("pension.plan7.band_from_years.low", on) * dpy
    missing_age = np.maximum(age_base - age_months_at_reference, 0)
    age_x12 = np.where(under, age_cap * 12, age_base * 12 + k * missing_age)
    age_needed_x12 = np.clip(age_x12, age_base * 12, np.maximum(age_cap, age_base) * 12)
    age_ok = age_months * 12 >= age_needed_x12

    req: dict[int, np.ndarray] = {}
    req_age: dict[int, np.ndarray] = {}
    ok: dict[int, np.ndarray] = {}
    zero = np.zeros(n, np.int64)

    req[FULL_SERVICE] = record_needed("pension.full_service.min_years")
    req_age[FULL_SERVICE] = zero
    ok[FULL_SERVICE] = credited_x12 >= req[FULL_SERVICE]

    req[LONG_SERVICE] = record_needed("pension.long_service.min_years")
    req_age[LONG_SERVICE] = (
        by_sex("pension.long_service.min_age.male", "pension.long_service.min_age.female") * 12
    )
    ok[LONG_SERVICE] = (credited_x12 >= req[LONG_SERVICE]) & (age_months >= req_age[LONG_SERVICE])

    req[AGE] = record_needed("pension.age_route.min_years")
    req_age[AGE] = -(-age_needed_x12 // 12)
    ok[AGE] = (credited_x12 >= req[AGE]) & age_ok

    # Hard and harmful work keeps its own rules under the 7th Plan (exempt categories).
    hard_cont = v("pension.hard_job.continuous_years", on) * dpy
    hard_any = v("pension.hard_job.noncontinuous_years", on) * dpy
    req[HARD_JOB] = np.minimum(hard_cont, hard_any) * 12
    req_age[HARD_JOB] = v("pension.hard_job.min_age", on) * 12
    ok[HARD_JOB] = ((s.hard_continuous_days >= hard_cont) | (s.hard_days >= hard_any)) & (
        age_months >= req_age[HARD_JOB]
    )

    req[WOMEN_EARLY] = record_needed("pension.women_early.min_years")
    req_age[WOMEN_EARLY] = v("pension.women_early.min_age", on) * 12
    ok[WOMEN_EARLY] = ~male & (credited_x12 >= req[WOMEN_EARLY]) & (age_months >= req_age[WOMEN_EARLY])

    req[TEN_YEAR] = record_needed("pension.ten_year.min_years")
    req_age[TEN_YEAR] = req_age[AGE]
    ok[TEN_YEAR] = (credited_x12 >= req[TEN_YEAR]) & age_ok

    route = np.full(n, NONE, np.int8)
    for code in sorted(ROUTES, reverse=True):  # the lowest code that applies wins
        route = np.where(ok[code], np.int8(code), route)
    required_days = {c: -(-r // 12) for c, r in req.items()}
    base20 = v("pension.age_route.min_years", on) * dpy
    return Eligibility(
        route,
        ok,
        required_days,
        req_age,
        -(-(record_needed("pension.age_route.min_years") - base20 * 12) // 12),
    )


# --- the pension (Art. 77, Art. 111) -----------------------------------------------------------------


def minimum_pension(on: np.ndarray, *, params: ParameterSet | None = None) -> np.ndarray:
    """Art. 111: the SLC minimum daily wage × 30 on each date."""
    p = _params(params)
    on = _days(on)
    return p.vector("wage.minimum_daily", on) * p.vector("pension.minimum.wage_days", on)


def counted_days(
    credited_days: np.ndarray, on: np.ndarray, *, params: ParameterSet | None = None
) -> np.ndarray:
    """Days of record that enter the pension: capped at Art. 77's 35 years."""
    p = _params(params)
    on = _days(on)  # one date for all, or one per person: numpy broadcasts either
    return np.minimum(
        credited_days,
        p.vector("pension.accrual.max_years", on) * p.vector("pension.service.days_per_year", on),
    )


def retirement_pension(
    average: np.ndarray,
    credited_days: np.ndarray,
    route: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Art. 77: average × counted years / 30, at least the Art. 111 minimum (pro rata for the 10-year law).

    0 where route is NONE. Exact integer arithmetic, rounded half up once.
    """
    p = _params(params)
    on = _days(on)
    days = counted_days(credited_days, on, params=p)
    denominator = p.vector("pension.accrual.divisor", on) * p.vector("pension.service.days_per_year", on)
    formula = half_up(average * days, denominator)
    minimum = minimum_pension(on, params=p)
    pro_rata = route == TEN_YEAR  # PRO_RATA_ROUTES
    floor = np.where(pro_rata, half_up(minimum * days, denominator), minimum)
    return np.where(route != NONE, np.maximum(formula, floor), 0)


# --- disability (Arts. 70–75) ------------------------------------------------------------------------


def disability_degree(
    percent: np.ndarray, work_related: np.ndarray, on: np.ndarray, *, params: ParameterSet | None = None
) -> np.ndarray:
    """Arts. 70, 73, 74: total from 66 %, partial 33–66 % and lump sum 10–33 % (work-related only)."""
    p = _params(params)
    on = _broadcast(_days(on), len(percent))
    v = p.vector
    total = percent >= v("disability.total.min_percent", on)
    partial = work_related & (percent >= v("disability.partial.min_percent", on))
    lump = work_related & (percent >= v("disability.lump_sum.min_percent", on))
    return np.select(
        [total, partial, lump], [DISABILITY_TOTAL, DISABILITY_PARTIAL, DISABILITY_LUMP_SUM], DISABILITY_NONE
    ).astype(np.int8)


def window_days(h: Histories, event: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Paid days in the `months` months before each person's event month (the event month excluded)."""
    event_month = _month_index(_broadcast(_days(event), h.n)) if h.n <= 1 else _month_index_fast(_days(event))
    em = event_month[h.person]
    span = np.broadcast_to(np.asarray(months, np.int64), (h.n,))[h.person]
    mask = (h.month < em) & (h.month >= em - span)
    return h._sum(h.days, mask)


@dataclass(frozen=True)
class Disability:
    degree: np.ndarray
    eligible: np.ndarray
    art72: np.ndarray  # the total-disability pension of Art. 72 before the Art. 111 minimum
    pension: np.ndarray  # monthly pension paid (total: ≥ minimum; partial: pro rata; else 0)
    lump_sum: np.ndarray  # Art. 74 one-off amount


def disability_pension(
    average: np.ndarray,
    credited_days: np.ndarray,
    percent: np.ndarray,
    work_related: np.ndarray,
    dependants: np.ndarray,
    days_10y: np.ndarray,
    days_last_year: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> Disability:
    p = _params(params)
    n = len(average)
    on = _broadcast(_days(on), n)
    v = p.vector
    work_related = np.asarray(work_related, bool)
    degree = disability_degree(percent, work_related, on, params=p)
    insured_enough = (days_10y >= v("disability.non_work.min_days_10y", on)) & (
        days_last_year >= v("disability.non_work.min_days_last_year", on)
    )
    eligible = (degree != DISABILITY_NONE) & (work_related | insured_enough)
    days = counted_days(credited_days, on, params=p)
    denominator = v("pension.accrual.divisor", on) * v("pension.service.days_per_year", on)
    formula = round_half_up_div(average * days, denominator)
    low = round_half_up_div(average * v("disability.total.floor_percent", on), 100)
    high = round_half_up_div(average * v("disability.total.ceiling_percent", on), 100)
    base = np.minimum(np.maximum(formula, low), high)
    cap = round_half_up_div(average * v("disability.dependants.cap_percent", on), 100)
    supplemented = np.minimum(
        round_half_up_div(base * (100 + v("disability.dependants.supplement_percent", on)), 100), cap
    )
    art72 = np.where(np.asarray(dependants, bool) & (base < cap), np.maximum(supplemented, base), base)
    minimum = minimum_pension(on, params=p)
    pension = np.select(
        [eligible & (degree == DISABILITY_TOTAL), eligible & (degree == DISABILITY_PARTIAL)],
        [np.maximum(art72, minimum), round_half_up_div(art72 * percent, 100)],
        0,
    )
    lump = np.where(
        eligible & (degree == DISABILITY_LUMP_SUM),
        round_half_up_div(art72 * v("disability.lump_sum.months", on) * percent, 100),
        0,
    )
    return Disability(degree, eligible, art72, pension, lump)


# --- survivors (Arts. 80–83) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Survivors:
    eligible: np.ndarray  # the deceased's record gives survivors a pension
    total_percent: np.ndarray  # Fraction-free: shares in percent × 1 (before the 100 % cap)
    scale_num: np.ndarray  # the pro-rata cut / top-up applied to every share: num/den
    scale_den: np.ndarray
    spouse_each: np.ndarray
    child_each: np.ndarray
    parent_each: np.ndarray
    total: np.ndarray


def survivors_eligible(
    deceased_pensioner: np.ndarray,
    work_related: np.ndarray,
    days_10y: np.ndarray,
    days_last_year: np.ndarray,
    credited_days: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Art. 80: a pensioner's death, a work accident, the recent-record condition, or 20 years of record."""
    p = _params(params)
    on = _broadcast(_days(on), len(days_10y))
    v = p.vector
    recent = (days_10y >= v("survivors.min_days_10y", on)) & (
        days_last_year >= v("survivors.min_days_last_year", on)
    )
    long_record = credited_days >= v("survivors.full_record_years", on) * v(
        "pension.service.days_per_year", on
    )
    return np.asarray(deceased_pensioner, bool) | np.asarray(work_related, bool) | recent | long_record


def survivor_pensions(
    base: np.ndarray,
    eligible: np.ndarray,
    spouses: np.ndarray,
    children: np.ndarray,
    parents: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> Survivors:
    """Art. 83 shares of the deceased's pension `base`; cut pro rata to 100 %, the total topped up to the
    Art. 111 minimum (pro rata to the shares). Several wives split the spouse's share equally.

    Amounts are rounded half up per person; a top-up to the minimum is rounded up so the total is never
    below it.
    """
    p = _params(params)
    n = len(base)
    on = _broadcast(_days(on), n)
    v = p.vector
    spouses, children, parents = (np.asarray(a, np.int64) for a in (spouses, children, parents))
    sp = np.where(spouses > 0, v("survivors.share.spouse", on), 0)
    ch = v("survivors.share.child", on)
    pa = v("survivors.share.parent", on)
    total_pct = sp + ch * children + pa * parents
    cap = v("survivors.share.total_max", on)
    # scale = min(1, cap / total_pct) as num/den: every share is base × pct × num / (100 × den).
    over = total_pct > cap
    num = np.where(over, cap, 1)
    den = np.where(over, np.maximum(total_pct, 1), 1)
    paid_pct_total = np.where(over, cap, total_pct)
    raw_total = round_half_up_div(base * paid_pct_total, 100)
    minimum = minimum_pension(on, params=p)
    top_up = eligible & (total_pct > 0) & (raw_total < minimum)

    # Top-up: each share = minimum × pct / total_pct, rounded up (ceil) so the sum never falls below it.
    def share(pct: np.ndarray, count: np.ndarray) -> np.ndarray:
        normal = round_half_up_div(base * pct * num, 100 * den)
        safe_total = np.maximum(total_pct, 1)
        lifted = -(-(minimum * pct) // safe_total)
        return np.where(eligible & (count > 0), np.where(top_up, lifted, normal), 0)

    spouse_all = share(sp, spouses)
    wives = np.maximum(spouses, 1)
    spouse_each = np.where(top_up, -(-spouse_all // wives), round_half_up_div(spouse_all, wives))
    child_each = share(ch, children)
    parent_each = share(pa, parents)
    total = spouse_each * spouses + child_each * children + parent_each * parents
    return Survivors(eligible, total_pct, num, den, spouse_each, child_each, parent_each, total)


# --- ages --------------------------------------------------------------------------------------------


def age_months(birth: dt.date, on: dt.date) -> int:
    """Full months of age on `on`, counted on the Jalali calendar (a birthday on the 31st is reached
    on the last day of a shorter month)."""
    b = jdatetime.date.fromgregorian(date=birth)
    o = jdatetime.date.fromgregorian(date=on)
    months = (o.year * 12 + o.month) - (b.year * 12 + b.month)
    last_day = JalaliMonth(o.year, o.month).days
    if o.day < min(b.day, last_day):
        months -= 1
    return months


def age_months_vector(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """age_months for arrays of dates (one jdatetime conversion per distinct pair: not for a hot path)."""
    b, o = np.broadcast_arrays(_days(birth), _days(on))
    return np.array([age_months(x, y) for x, y in zip(b.tolist(), o.tolist(), strict=True)], dtype=np.int64)


# --- explained, one case at a time -------------------------------------------------------------------


class Derivation:
    """Collects what a decision rests on: parameters cited with dates and sources, and the arithmetic."""

    def __init__(self, params: ParameterSet) -> None:
        self.params = params
        self.parameters: list[dict[str, Any]] = []
        self.steps: list[str] = []
        self._cited: set[tuple[str, dt.date]] = set()

    def value(self, name: str, on: dt.date) -> Any:
        e = self.params.entry(name, on)
        if (name, e.start) not in self._cited:
            self._cited.add((name, e.start))
            item: dict[str, Any] = {
                "name": name,
                "value": _jsonable(e.value),
                "on": format_jalali(on),
                "in_force_from": e.start_jalali,
                "in_force_until": e.end_jalali or None,
                "source": e.source,
                "confidence": e.confidence,
            }
            if e.note:
                item["note"] = e.note
            self.parameters.append(item)
        return e.value

    def step(self, text: str) -> None:
        self.steps.append(text)


def _jsonable(x: Any) -> Any:
    if isinstance(x, Fraction):
        return str(x)
    if hasattr(x, "as_tuple"):  # Decimal
        return str(x)
    return x


def _money(x: int) -> str:
    return f"{int(x):,}"


def _years(days: int, dpy: int) -> str:
    y, d = divmod(int(days), dpy)
    # Read by the person as well as staff (in the reasons a case was refused): say it in Persian.
    return f"{y} سال و {d} روز"


def _one(x: Any) -> np.ndarray:
    return np.array([x])


@dataclass(frozen=True)
class PersonCase:
    """Facts shared by every long-term case."""

    male: bool
    birth_date: dt.date
    application_date: dt.date
    history: Histories  # one person (n == 1)


def _history_block(h: Histories, on: dt.date, p: ParameterSet, d: Derivation) -> tuple[Service, Average, int]:
    on64 = _one(np.datetime64(on, "D"))
    s = service(h, on64, params=p)
    avg = average_wage(h, on64, params=p)
    dpy = int(d.value("pension.service.days_per_year", on))
    credit = d.value("pension.hard_job.credit", on)
    d.value("pension.average.months", on)
    hard = int(s.hard_days[0])
    d.step(
        f"paid days = {int(s.paid_days[0])}; hard-job days = {hard} × credit {credit}"
        f" → credited days = {int(s.paid_days[0]) - hard} +"
        f" {int(s.credited_days[0]) - int(s.paid_days[0]) + hard}"
        f" = {int(s.credited_days[0])} ({_years(int(s.credited_days[0]), dpy)}, {dpy} days a year)"
    )
    d.step(
        f"average wage = {_money(int(avg.wage_sum[0]))} (wages of the last"
        f" {int(avg.months_counted[0])} months with"
        f" contributions) / {int(avg.divisor[0])} = {_money(int(avg.average[0]))} (rounded half up)"
    )
    return s, avg, dpy


def _months_counted(h: Histories, rows: np.ndarray) -> list[str]:
    return [str(JalaliMonth.from_index(int(m))) for m in h.month[rows]]


def retirement_explained(case: PersonCase, *, params: ParameterSet | None = None) -> dict[str, Any]:
    """The retirement decision for one person with its derivation (see module docstring)."""
    p = _params(params)
    on = case.application_date
    d = Derivation(p)
    h = case.history
    s, avg, dpy = _history_block(h, on, p, d)
    plan_entry = p.entry("pension.plan7.no_change_years", on)
    reference = plan_entry.start
    age = age_months(case.birth_date, on)
    age_ref = age_months(case.birth_date, reference) if reference <= on else age
    el = retirement_eligibility(
        _one(case.male), _one(age), _one(age_ref), s, _one(np.datetime64(on, "D")), params=p
    )
    for name in _eligibility_parameters(case.male):
        d.value(name, on)
    plan7 = int(plan_entry.value) > 0
    if plan7:
        d.step(
            f"7th Plan: record on the reference month {JalaliMonth.of(reference)} (reference date"
            f" {format_jalali(reference)}) = {int(s.credited_days_at_reference[0])} days"
            f" ({_years(int(s.credited_days_at_reference[0]), dpy)}); extra record on the 20-year"
            " requirement ="
            f" {int(el.plan7_extra_days[0])} days"
        )
    routes = []
    reasons = []
    for code, (name, article, label_fa) in ROUTES.items():
        ok = bool(el.by_route[code][0])
        need_days = int(el.required_days[code][0])
        need_age = int(el.required_age_months[code][0])
        have = int(s.hard_days[0]) if code == HARD_JOB else int(s.credited_days[0])
        item = {
            "case": name,
            "article": article,
            "label_fa": label_fa,
            "eligible": ok,
            "record_required_days": need_days,
            "record_days": have,
            "age_required_months": need_age,
            "age_months": age,
        }
        if code == HARD_JOB:
            item["hard_continuous_days"] = int(s.hard_continuous_days[0])
        if code == WOMEN_EARLY and case.male:
            item["eligible"] = False
            item["reason"] = "only for women"
        routes.append(item)
        if not ok:
            why = []
            if code == WOMEN_EARLY and case.male:
                why.append("ویژه بانوان است")
            if have < need_days:
                why.append(f"سابقه {_years(have, dpy)} کمتر از {_years(need_days, dpy)} لازم است")
            if age < need_age:
                why.append(
                    f"سن {age // 12} سال و {age % 12} ماه کمتر از {need_age // 12} سال و"
                    f" {need_age % 12} ماه است"
                )
            reasons.append(
                {"case": name, "message": f"{label_fa}: " + "؛ ".join(why or ["شرایط فراهم نیست"])}
            )
    route = int(el.route[0])
    pension = int(
        retirement_pension(avg.average, s.credited_days, el.route, _one(np.datetime64(on, "D")), params=p)[0]
    )
    minimum = int(minimum_pension(_one(np.datetime64(on, "D")), params=p)[0])
    wage_days = d.value("pension.minimum.wage_days", on)
    min_daily = d.value("wage.minimum_daily", on)
    divisor = int(d.value("pension.accrual.divisor", on))
    max_years = int(d.value("pension.accrual.max_years", on))
    counted = int(counted_days(s.credited_days, _one(np.datetime64(on, "D")), params=p)[0])
    result: dict[str, Any] = {
        "kind": "retirement",
        "eligible": route != NONE,
        "case": ROUTES[route][0] if route else None,
        "reasons": [] if route else reasons,
        "credited_days": int(s.credited_days[0]),
        "credited_years": round(int(s.credited_days[0]) / dpy, 4),
        "average_wage": int(avg.average[0]),
        "pension": pension,
    }
    if route:
        formula = round_half_up_div(int(avg.average[0]) * counted, divisor * dpy)
        d.step(f"counted days = min({int(s.credited_days[0])}, {max_years} × {dpy}) = {counted}")
        d.step(
            f"Art. 77: {_money(int(avg.average[0]))} × {counted} / ({divisor} × {dpy}) = {_money(formula)}"
        )
        if route in PRO_RATA_ROUTES:
            floor = round_half_up_div(minimum * counted, divisor * dpy)
            d.step(
                f"minimum pro rata (10-year law): {_money(min_daily)} × {wage_days} × {counted} /"
                f" ({divisor} × {dpy})"
                f" = {_money(floor)}"
            )
        else:
            floor = minimum
            d.step(f"Art. 111 minimum: {_money(min_daily)} × {wage_days} = {_money(minimum)}")
        d.step(f"pension = max({_money(formula)}, {_money(floor)}) = {_money(pension)}")
    result["derivation"] = {
        "article": ROUTES[route][1] if route else "SSL Art. 76 — no route met",
        "case": ROUTES[route][0] if route else None,
        "on": format_jalali(on),
        "age_months": age,
        "seventh_plan": plan7,
        "routes": routes,
        "months_counted": _months_counted(h, avg.rows),
        "parameters": d.parameters,
        "steps": d.steps,
    }
    return result


def _eligibility_parameters(male: bool) -> list[str]:
    sex = "male" if male else "female"
    names = [
        "pension.full_service.min_years",
        "pension.long_service.min_years",
        f"pension.long_service.min_age.{sex}",
        "pension.age_route.min_years",
        f"pension.age_route.min_age.{sex}",
        "pension.hard_job.continuous_years",
        "pension.hard_job.noncontinuous_years",
        "pension.hard_job.min_age",
        "pension.ten_year.min_years",
        "pension.plan7.no_change_years",
        "pension.plan7.band_from_years.high",
        "pension.plan7.band_from_years.middle",
        "pension.plan7.band_from_years.low",
        "pension.plan7.months_per_year.high",
        "pension.plan7.months_per_year.middle",
        "pension.plan7.months_per_year.low",
        "pension.plan7.extra_months.under_15",
        "pension.plan7.max_years",
        f"pension.plan7.max_age.{sex}",
    ]
    if not male:
        names += ["pension.women_early.min_age", "pension.women_early.min_years"]
    return names


def disability_explained(
    case: PersonCase,
    *,
    event_date: dt.date,
    percent: int,
    work_related: bool,
    dependants: bool,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    p = _params(params)
    on = case.application_date
    d = Derivation(p)
    h = case.history
    s, avg, dpy = _history_block(h, event_date, p, d)
    ev = _one(np.datetime64(event_date, "D"))
    d10 = window_days(h, ev, 120)
    d1 = window_days(h, ev, 12)
    onv = _one(np.datetime64(on, "D"))
    r = disability_pension(
        avg.average,
        s.credited_days,
        _one(percent),
        _one(work_related),
        _one(dependants),
        d10,
        d1,
        onv,
        params=p,
    )
    for name in (
        "disability.total.min_percent",
        "disability.partial.min_percent",
        "disability.lump_sum.min_percent",
        "disability.total.floor_percent",
        "disability.total.ceiling_percent",
        "disability.dependants.supplement_percent",
        "disability.dependants.cap_percent",
        "disability.lump_sum.months",
        "disability.non_work.min_days_10y",
        "disability.non_work.min_days_last_year",
        "pension.accrual.divisor",
        "pension.accrual.max_years",
        "pension.minimum.wage_days",
        "wage.minimum_daily",
    ):
        d.value(name, on)
    degree = int(r.degree[0])
    kind = DISABILITY_KINDS[degree]
    eligible = bool(r.eligible[0])
    reasons = []
    if degree == DISABILITY_NONE:
        reasons.append(
            {"case": "none", "message": f"درصد ازکارافتادگی {percent} کمتر از حد ماده ۷۰ تا ۷۴ است."}
        )
    elif not eligible:
        reasons.append(
            {
                "case": kind,
                "message": (
                    f"ازکارافتادگی غیرناشی از کار: در ۱۰ سال پیش از حادثه {int(d10[0])} روز و در"
                    f" سال آخر {int(d1[0])} روز"
                    " سابقه هست؛ ماده ۷۵ دست‌کم ۳۶۵ روز و ۹۰ روز در سال آخر می‌خواهد."
                ),
            }
        )
    d.step(f"Art. 70–74: {percent} % loss, {'work-related' if work_related else 'not work-related'} → {kind}")
    if not work_related:
        d.step(
            f"Art. 75: paid days in the 10 years before the event = {int(d10[0])}, in the last year"
            f" = {int(d1[0])}"
        )
    counted = int(counted_days(s.credited_days, onv, params=p)[0])
    d.step(
        f"Art. 72: {_money(int(avg.average[0]))} × {counted} / (30 × {dpy}), kept within 50–100 %"
        " of the average"
        f"{', +10 % with dependants up to 60 %' if dependants else ''} = {_money(int(r.art72[0]))}"
    )
    if degree == DISABILITY_TOTAL and eligible:
        d.step(
            f"total: max(Art. 72 {_money(int(r.art72[0]))}, Art. 111 minimum) = {_money(int(r.pension[0]))}"
        )
    elif degree == DISABILITY_PARTIAL and eligible:
        d.step(f"Art. 73 partial: {_money(int(r.art72[0]))} × {percent} % = {_money(int(r.pension[0]))}")
    elif degree == DISABILITY_LUMP_SUM and eligible:
        d.step(
            f"Art. 74 lump sum: 36 × {_money(int(r.art72[0]))} × {percent} % = {_money(int(r.lump_sum[0]))}"
        )
    return {
        "kind": "disability",
        "eligible": eligible,
        "case": kind if eligible else None,
        "reasons": reasons,
        "credited_days": int(s.credited_days[0]),
        "credited_years": round(int(s.credited_days[0]) / dpy, 4),
        "average_wage": int(avg.average[0]),
        "pension": int(r.pension[0]),
        "lump_sum": int(r.lump_sum[0]),
        "derivation": {
            "article": {
                "total": "SSL Arts. 70, 72, 75, 111",
                "partial": "SSL Art. 73",
                "lump_sum": "SSL Art. 74",
                "none": "SSL Art. 70",
            }[kind],
            "case": kind,
            "on": format_jalali(on),
            "event_date": format_jalali(event_date),
            "months_counted": _months_counted(h, avg.rows),
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }


@dataclass(frozen=True)
class Survivor:
    relation: str  # spouse | child | father | mother
    birth_date: dt.date | None = None
    studying: bool = False
    disabled: bool = False
    dependent: bool = True  # husbands and parents must have depended on the deceased
    remarried: bool = False
    receives_sso_pension: bool = False


def survivor_qualifies(s: Survivor, deceased_male: bool, on: dt.date, d: Derivation) -> tuple[bool, str]:
    """Art. 81/82 for one survivor: (qualifies, Persian reason when not)."""

    def age_years() -> int | None:
        return None if s.birth_date is None else age_months(s.birth_date, on) // 12

    if s.relation == "spouse":
        if s.remarried:
            return False, "همسر ازدواج مجدد کرده است."
        if not deceased_male and not (s.dependent and (s.disabled or (age_years() or 0) >= 60)):
            # Art. 82: a husband only if he depended on her and is old or disabled (text partly seen).
            return False, "شوهر تنها در صورت تکفل و سن ۶۰ یا ازکارافتادگی مستمری‌بگیر است (ماده ۸۲)."
        return True, ""
    if s.relation == "child":
        limit = int(d.value("survivors.child.max_age", on))
        a = age_years()
        if a is None:
            return False, "تاریخ تولد فرزند لازم است."
        if a < limit or s.studying or s.disabled:
            return True, ""
        return False, f"فرزند {a} ساله است و نه محصل است نه ازکارافتاده."
    if s.relation in ("father", "mother"):
        limit = int(d.value(f"survivors.{s.relation}.min_age", on))
        a = age_years()
        if s.receives_sso_pension:
            return False, "خود مستمری تأمین اجتماعی می‌گیرد."
        if not s.dependent:
            return False, "تحت تکفل متوفی نبوده است."
        if (a is not None and a >= limit) or s.disabled:
            return True, ""
        return False, f"سن کمتر از {limit} سال است و ازکارافتاده نیست."
    return False, f"نسبت «{s.relation}» شناخته نیست."


def survivors_explained(
    case: PersonCase,
    *,
    death_date: dt.date,
    work_related: bool,
    deceased_pension: int | None,
    survivors: Iterable[Survivor],
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    """Survivors' pensions on the death of an insured person or a pensioner (deceased_pension given)."""
    p = _params(params)
    on = case.application_date
    d = Derivation(p)
    h = case.history
    s, avg, dpy = _history_block(h, death_date, p, d)
    ev = _one(np.datetime64(death_date, "D"))
    d10 = window_days(h, ev, 120)
    d1 = window_days(h, ev, 12)
    onv = _one(np.datetime64(on, "D"))
    for name in (
        "survivors.min_days_10y",
        "survivors.min_days_last_year",
        "survivors.full_record_years",
        "survivors.share.spouse",
        "survivors.share.child",
        "survivors.share.parent",
        "survivors.share.total_max",
        "pension.accrual.divisor",
        "pension.accrual.max_years",
        "pension.minimum.wage_days",
        "wage.minimum_daily",
    ):
        d.value(name, on)
    pensioner = deceased_pension is not None
    ok = survivors_eligible(_one(pensioner), _one(work_related), d10, d1, s.credited_days, onv, params=p)
    eligible = bool(ok[0])
    if pensioner:
        base = int(deceased_pension or 0)
        d.step(f"Art. 80(1–2): the deceased was a pensioner; base = the pension paid, {_money(base)}")
    else:
        counted = int(counted_days(s.credited_days, onv, params=p)[0])
        base = int(round_half_up_div(int(avg.average[0]) * counted, 30 * dpy))
        d.step(
            f"Art. 80/77: base = {_money(int(avg.average[0]))} × {counted} / (30 × {dpy}) = {_money(base)}"
        )
        d.step(
            f"Art. 80(3): paid days in the 10 years before death = {int(d10[0])}, in the last year"
            f" = {int(d1[0])}"
        )
    people = list(survivors)
    qualified: list[tuple[int, Survivor]] = []
    members = []
    for i, sv in enumerate(people):
        q, why = survivor_qualifies(sv, case.male, on, d)
        members.append(
            {"index": i, "relation": sv.relation, "qualifies": q, **({"reason": why} if why else {})}
        )
        if q:
            qualified.append((i, sv))
    spouses = sum(1 for _, sv in qualified if sv.relation == "spouse")
    children = sum(1 for _, sv in qualified if sv.relation == "child")
    parents = sum(1 for _, sv in qualified if sv.relation in ("father", "mother"))
    r = survivor_pensions(
        _one(base), _one(eligible), _one(spouses), _one(children), _one(parents), onv, params=p
    )
    amounts = {
        "spouse": int(r.spouse_each[0]),
        "child": int(r.child_each[0]),
        "father": int(r.parent_each[0]),
        "mother": int(r.parent_each[0]),
    }
    for m in members:
        m["pension"] = amounts[m["relation"]] if m["qualifies"] and eligible else 0
    d.step(
        f"Art. 83 shares: spouse {int(d.value('survivors.share.spouse', on)) if spouses else 0} %"
        f" + {children} child × {d.value('survivors.share.child', on)} % + {parents} parent ×"
        f" {d.value('survivors.share.parent', on)} % = {int(r.total_percent[0])} %"
        f" (cut to {d.value('survivors.share.total_max', on)} % if above)"
    )
    d.step(f"total = {_money(int(r.total[0]))} (never below the Art. 111 minimum when anyone qualifies)")
    reasons = []
    if not eligible:
        reasons.append(
            {
                "case": "survivors",
                "message": (
                    "متوفی نه مستمری‌بگیر بود، نه فوت ناشی از کار است، نه ۳۶۵ روز سابقه در ۱۰ سال"
                    " آخر با ۹۰ روز در سال آخر"
                    " دارد و نه ۲۰ سال سابقه (ماده ۸۰)."
                ),
            }
        )
    elif not qualified:
        reasons.append({"case": "survivors", "message": "هیچ‌یک از بازماندگان شرایط ماده ۸۱ را ندارد."})
    return {
        "kind": "survivors",
        "eligible": eligible and bool(qualified),
        "case": ("pensioner_death" if pensioner else "work_accident" if work_related else "insured_death")
        if eligible
        else None,
        "reasons": reasons,
        "credited_days": int(s.credited_days[0]),
        "credited_years": round(int(s.credited_days[0]) / dpy, 4),
        "average_wage": int(avg.average[0]),
        "pension": int(r.total[0]),
        "survivors": members,
        "derivation": {
            "article": "SSL Arts. 80–83, 111",
            "on": format_jalali(on),
            "death_date": format_jalali(death_date),
            "base_pension": base,
            "months_counted": _months_counted(h, avg.rows),
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }
