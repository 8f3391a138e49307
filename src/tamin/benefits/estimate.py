"""What if I work until …: the retirement rules run on the recorded history extended by projected months.

The projection: full months from the first month that can still come (the month after the last recorded
one, or, when the lists of the months in between were already due and did not come, the first month whose
list is not due yet: `penalty.deadline.months_after`) up to the chosen date; the month of that date counts
the days up to and including it, its wage pro rata (rounded half up). Every projected month earns the
wage given (by default the last recorded month's wage, raised by nothing), hard and harmful or not.

The earliest date of eligibility is searched with the vectorised engine: every candidate date is one
"person" of one `Histories` (the recorded months repeated, plus that candidate's projected months), so a
whole search is one pass of `service`, `average_wage` and `retirement_eligibility`. The first pass takes
today and the last day of each month for SEARCH_MONTHS months; the second the days of the month found.

An estimate in today's Rials under today's rules: the parameters in force on the chosen date when the file
already has them (the 7th Plan's steps, say), else the latest known ones. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from tamin.benefits.explain import ROUTE_LABELS_FA, retirement_fa
from tamin.core.errors import DomainError, ProblemList
from tamin.core.jalali import (
    InvalidJalaliDate,
    JalaliMonth,
    format_jalali,
    format_jalali_fa,
    jalali_parts,
    parse_jalali_date,
)
from tamin.core.money import parse_rial, round_half_up_div
from tamin.core.text import normalize, to_ascii_digits, to_persian_digits
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import (
    NONE,
    PRO_RATA_ROUTES,
    ROUTES,
    Histories,
    PersonCase,
    age_months,
    age_months_vector,
    average_wage,
    retirement_eligibility,
    retirement_explained,
    retirement_pension,
    service,
)
from tamin.rules.wages import monthly_ceiling

# How far ahead an estimate may look and the earliest date is searched: a working life, not a rule.
SEARCH_MONTHS = 40 * 12


class EstimateError(DomainError):
    """An estimate that cannot be made from this input, with the field at fault."""


@dataclass(frozen=True)
class Projection:
    """The months added to the record: `start` up to the chosen date, `wage` a month, hard or not."""

    start: JalaliMonth
    wage: int
    wage_source: str  # "given" | "last_recorded_month"
    hard: bool
    last_recorded: JalaliMonth
    skipped: tuple[JalaliMonth, JalaliMonth] | None  # due and not recorded: not assumed worked


# --- input -------------------------------------------------------------------------------------------


def parse_until(text: str | None, today: dt.date, field: str = "until") -> dt.date:
    """The chosen date from Jalali text ('1410/01/01', Persian or Latin digits): today or later, and no
    further than the search reaches."""
    raw = normalize(text or "") if isinstance(text, str) else ""
    if not raw:
        raise EstimateError(
            "estimate.until_required", "تاریخ پایان کار را وارد کنید (مانند ۱۴۱۰/۰۱/۰۱).", field
        )
    try:
        until = parse_jalali_date(raw, field=field)
    except InvalidJalaliDate as err:
        raise EstimateError.of(err.problems) from None
    if until < today:
        raise EstimateError(
            "estimate.until_past",
            f"تاریخ {format_jalali(until)} گذشته است؛"
            f" تاریخی از امروز ({format_jalali(today)}) به بعد وارد کنید.",
            field,
        )
    horizon = (JalaliMonth.of(today) + (SEARCH_MONTHS - 1)).last_day()
    if until > horizon:
        raise EstimateError(
            "estimate.until_far",
            f"برآورد تا {SEARCH_MONTHS // 12} سال آینده ({format_jalali(horizon)}) ممکن است.",
            field,
        )
    return until


def parse_wage(text: str | int | None, today: dt.date, *, params: ParameterSet | None = None) -> int | None:
    """The expected monthly wage in Rials (None: not given), above 0 and at most the insurable ceiling
    of the current month (a wage above it is not insured above it)."""
    if text is None or (isinstance(text, str) and not normalize(text)):
        return None
    if isinstance(text, bool):
        raise EstimateError("estimate.wage", "دستمزد ماهانه باید عدد صحیح به ریال باشد.", "wage")
    if isinstance(text, int):
        wage = text
    else:
        try:
            wage = parse_rial(to_ascii_digits(normalize(text)), field="wage")
        except DomainError as err:
            raise EstimateError.of(err.problems) from None
    if wage <= 0:
        raise EstimateError("estimate.wage_positive", "دستمزد ماهانه باید بیشتر از صفر باشد.", "wage")
    ceiling = monthly_ceiling(JalaliMonth.of(today), params=params)
    if wage > ceiling:
        raise EstimateError(
            "estimate.wage_ceiling",
            f"دستمزد ماهانه بیش از سقف دستمزد مشمول بیمه ({ceiling:,} ریال در این ماه) است.",
            "wage",
        )
    return wage


# --- projection --------------------------------------------------------------------------------------


def projection(
    case: PersonCase, today: dt.date, wage: int | None, hard: bool, *, params: ParameterSet | None = None
) -> Projection:
    p = default_parameters() if params is None else params
    h = case.history
    worked = h.days > 0
    if not worked.any():
        raise EstimateError(
            "estimate.no_history",
            "سابقهٔ بیمه‌ای ثبت‌شده‌ای نیست؛ برآورد از روی سابقهٔ ثبت‌شده ساخته می‌شود.",
            "history",
        )
    last = JalaliMonth.from_index(int(h.month[worked].max()))
    source = "given"
    if wage is None:
        wage = int(h.wage[h.month == last.index].sum())
        source = "last_recorded_month"
        if wage <= 0:
            raise EstimateError(
                "estimate.wage_required",
                f"در آخرین ماه ثبت‌شده ({last.label_fa}) دستمزدی نیست؛ دستمزد ماهانه را وارد کنید.",
                "wage",
            )
    not_due = JalaliMonth.of(today) - int(p.value("penalty.deadline.months_after", today))
    start = max(last.next(), not_due, key=lambda m: m.index)
    skipped = (last.next(), start.previous()) if start != last.next() else None
    return Projection(start, wage, source, hard, last, skipped)


def extended(case: PersonCase, proj: Projection, dates: list[dt.date]) -> Histories:
    """One Histories with a person per date: the recorded months, then the projected months up to that
    date (its own month counting the days up to and including it)."""
    rec = case.history
    n = len(dates)
    r = len(rec.month)
    month_of = np.array([JalaliMonth.of(d).index for d in dates], np.int64)
    day_of = np.array([jalali_parts(d)[2] for d in dates], np.int64)
    count = np.maximum(month_of - proj.start.index + 1, 0)
    total = int(count.sum())
    person = np.repeat(np.arange(n, dtype=np.int64), count)
    begin = np.cumsum(count) - count
    offset = np.arange(total, dtype=np.int64) - np.repeat(begin, count)
    month = proj.start.index + offset
    top = int(month_of.max()) if n else proj.start.index
    lengths = np.array(
        [JalaliMonth.from_index(i).days for i in range(proj.start.index, max(top, proj.start.index) + 1)],
        np.int64,
    )
    length = lengths[offset] if total else np.zeros(0, np.int64)
    last_row = offset == np.repeat(count - 1, count)
    days = np.where(last_row, np.repeat(day_of, count), length)
    wage = np.where(last_row, round_half_up_div(proj.wage * days, np.maximum(length, 1)), proj.wage)
    return Histories.build(
        np.concatenate([np.repeat(np.arange(n, dtype=np.int64), r), person]),
        np.concatenate([np.tile(rec.month, n), month]),
        np.concatenate([np.tile(rec.days, n), days]),
        np.concatenate([np.tile(rec.wage, n), wage]),
        np.concatenate([np.tile(rec.hard, n), np.full(total, proj.hard)]),
        n=n,
    )


def _one(h: Histories, k: int) -> Histories:
    rows = h.person == k
    return Histories.build(
        np.zeros(int(rows.sum()), np.int64), h.month[rows], h.days[rows], h.wage[rows], h.hard[rows], n=1
    )


def evaluate(
    case: PersonCase, proj: Projection, dates: list[dt.date], *, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """The engine on every date at once: route, pension, credited days and average wage per date."""
    p = default_parameters() if params is None else params
    h = extended(case, proj, dates)
    on = np.array(dates, dtype="datetime64[D]")
    s = service(h, on, params=p)
    avg = average_wage(h, on, params=p)
    age = age_months_vector(np.array([case.birth_date] * len(dates), dtype="datetime64[D]"), on)
    refs = [p.entry("pension.plan7.no_change_years", d).start for d in dates]
    age_ref = np.array(
        [
            age_months(case.birth_date, ref) if ref <= d else a
            for ref, d, a in zip(refs, dates, age.tolist(), strict=True)
        ],
        np.int64,
    )
    el = retirement_eligibility(np.full(len(dates), case.male), age, age_ref, s, on, params=p)
    pension = retirement_pension(avg.average, s.credited_days, el.route, on, params=p)
    return {
        "route": el.route,
        "pension": pension,
        "credited_days": s.credited_days,
        "average": avg.average,
    }


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def earliest(
    case: PersonCase,
    proj: Projection,
    today: dt.date,
    *,
    full: bool = False,
    params: ParameterSet | None = None,
    coarse: tuple[list[dt.date], dict[str, np.ndarray]] | None = None,
) -> dict[str, Any] | None:
    """The first day on which the person, working on as projected, meets a route (`full`: a route that
    is not pro rata), within SEARCH_MONTHS months; None if none."""
    dates, res = coarse or _coarse(case, proj, today, params)

    def ok(r: dict[str, np.ndarray]) -> np.ndarray:
        route = r["route"]
        good = route != NONE
        if full:
            good &= ~np.isin(route, PRO_RATA_ROUTES)
        return good

    k = _first(ok(res))
    if k is None:
        return None
    if k > 0:
        # The month found: which of its days is the first. Eligibility only grows while one works on.
        month = JalaliMonth.of(dates[k])
        first = max(month.first_day(), dates[k - 1] + dt.timedelta(days=1))
        days = [first + dt.timedelta(days=i) for i in range((dates[k] - first).days + 1)]
        fine = evaluate(case, proj, days, params=params)
        j = _first(ok(fine))
        assert j is not None  # the month's last day is eligible
        dates, res, k = days, fine, j
    code = int(res["route"][k])
    name = ROUTES[code][0]
    return {
        "date": format_jalali(dates[k]),
        "case": name,
        "case_fa": ROUTE_LABELS_FA[name],
        "pro_rata": code in PRO_RATA_ROUTES,
        "pension": int(res["pension"][k]),
        "credited_days": int(res["credited_days"][k]),
        "average_wage": int(res["average"][k]),
    }


def _coarse(
    case: PersonCase, proj: Projection, today: dt.date, params: ParameterSet | None
) -> tuple[list[dt.date], dict[str, np.ndarray]]:
    now = JalaliMonth.of(today)
    dates = [today] + [(now + i).last_day() for i in range(SEARCH_MONTHS)]
    dates = sorted(set(dates))
    return dates, evaluate(case, proj, dates, params=params)


def _fa(n: int) -> str:
    return to_persian_digits(f"{int(n):,}".replace(",", "\u066c"))


def explain_fa(
    result: dict[str, Any],
    proj: Projection,
    until: dt.date,
    recorded_days: int,
    projected_days: int,
    *,
    params: ParameterSet | None = None,
) -> list[str]:
    """The derivation in plain Persian: the record and its projection, then the decision (explain)."""
    when = format_jalali_fa(until)
    wage_why = (
        f"دستمزد آخرین ماه ثبت‌شده ({proj.last_recorded.label_fa})، بدون هیچ افزایشی"
        if proj.wage_source == "last_recorded_month"
        else "دستمزدی که وارد کردید"
    )
    lines = [f"سابقهٔ ثبت‌شده: {_fa(recorded_days)} روز."]
    if projected_days:
        lines.append(
            f"سابقهٔ پیش‌بینی‌شده از {proj.start.label_fa} تا {when}: {_fa(projected_days)} روز، هر ماه"
            f" کامل با دستمزد ماهانهٔ {_fa(proj.wage)} ریال ({wage_why})"
            + ("، در کار سخت و زیان‌آور." if proj.hard else ".")
        )
    if proj.skipped:
        lines.append(
            f"ماه‌های {proj.skipped[0].label_fa} تا {proj.skipped[1].label_fa} که مهلت فهرستشان"
            " گذشته و در سابقه نیامده‌اند، کارکرد فرض نشده‌اند."
        )
    lines += retirement_fa(result, until, what="مستمری برآوردی", params=params)
    return lines


def estimate(
    case: PersonCase,
    *,
    until: dt.date,
    today: dt.date,
    wage: int | None = None,
    hard: bool = False,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    """The retirement decision on `until` for `case` (its history as recorded, up to today) with the
    projected months, the earliest date of eligibility if working on, and what was assumed."""
    p = default_parameters() if params is None else params
    proj = projection(case, today, wage, hard, params=p)
    h = extended(case, proj, [until])
    result = retirement_explained(PersonCase(case.male, case.birth_date, until, h), params=p)
    coarse = _coarse(case, proj, today, p)
    first = earliest(case, proj, today, params=p, coarse=coarse)
    first_full = earliest(case, proj, today, full=True, params=p, coarse=coarse)
    rec = case.history
    recorded_days = int(rec.days.sum())
    projected_days = int(h.days.sum()) - recorded_days
    name = result["case"]
    dpy = int(p.value("pension.service.days_per_year", until))
    years, days = divmod(int(result["credited_days"]), dpy)
    return {
        "until": format_jalali(until),
        "today": format_jalali(today),
        "eligible": result["eligible"],
        "case": name,
        "case_fa": ROUTE_LABELS_FA.get(name) if name else None,
        "pro_rata": name == ROUTES[PRO_RATA_ROUTES[0]][0],
        "reasons": result["reasons"],
        "credited_days": result["credited_days"],
        "credited_years": result["credited_years"],
        "credited": {"years": years, "days": days, "days_per_year": dpy},
        "average_wage": result["average_wage"],
        "pension": result["pension"],
        "explanation_fa": explain_fa(result, proj, until, recorded_days, projected_days, params=p),
        "earliest": first,
        "earliest_full": first_full if first_full != first else None,
        "assumptions": {
            "wage": proj.wage,
            "wage_source": proj.wage_source,
            "hard_job": proj.hard,
            "last_recorded_month": str(proj.last_recorded),
            "projected_from": str(proj.start) if projected_days else None,
            "projected_months": int(len(h.month) - len(rec.month)),
            "projected_days": projected_days,
            "recorded_days": recorded_days,
            "not_assumed": [str(m) for m in proj.skipped] if proj.skipped else None,
            "today_rials": True,
        },
        "derivation": result["derivation"],
    }


def for_person(
    person: Any,
    *,
    until: str | None,
    wage: str | int | None = None,
    hard: bool = False,
    today: dt.date,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    """The estimate for a registered person from the text of a form or a query: every bad field is
    reported at once. The caller has checked that `person` is in the user's scope."""
    from tamin.benefits.cases import person_case  # the stored history: Django, kept out of the pure part

    p = default_parameters() if params is None else params
    problems = ProblemList()
    day = amount = None
    try:
        day = parse_until(until, today)
    except DomainError as err:
        problems.extend(err)
    try:
        amount = parse_wage(wage, today, params=p)
    except DomainError as err:
        problems.extend(err)
    problems.raise_if_any(EstimateError)
    assert day is not None
    case = person_case(person, today)
    out = estimate(case, until=day, today=today, wage=amount, hard=hard, params=p)
    return {"national_code": person.national_code, **out}
