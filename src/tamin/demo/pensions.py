"""The demo's pensions: an award for every demo pensioner, then the monthly payroll up to the reference
month, with one yearly increase decided late so its arrears show on the slips.

Awards start between 1401/01 and 1404/12 (or the reference month, if earlier): the years whose minimum
wage and yearly increases are all in the parameters. The base is Article 77 as the rules compute it
(`rules.pensions.retirement_pension`: average wage × counted years / 30, at least the Art. 111 minimum,
pro rata for the 10-year route) from an average wage and a service drawn here — modelled, since the demo's
pensioners have no insurance history of those years: the average wage is a log-normal multiple of the
minimum monthly wage at the award's start, at most the contribution ceiling; the service 20–35 years
(10–19 for the pro rata awards). The demo pensioner's award starts before the first payroll month, so
that person has a slip for every month.

The payroll runs the production path (`benefits.payroll.run_payroll`) once per month, oldest first. The
window is the last N months ending at the reference month, extended back when needed so that it begins
two months before the Farvardin of the latest yearly increase in force: that year's first LATE_MONTHS
months are run with the parameters as they stood before the decision (`payroll.pending`), and the next
month pays the increase and the arrears of those months, as happens when the Cabinet decides late.

Draws come from their own stream of the seed (PCG64([seed, SEED_STREAM])), so the population and the
contribution cycle a seed makes are the same with or without pensions. Running it again adds nothing:
persons with an award keep it and months already in the payroll are left as they are.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from tamin.accounts.models import User
from tamin.benefits import payroll
from tamin.benefits.models import AwardKind, PayrollRun, PensionAward
from tamin.contributions.posting import SystemActor
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.registry.models import Person
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import AGE, FULL_SERVICE, TEN_YEAR, minimum_pension, retirement_pension
from tamin.rules.wages import daily_ceiling_vector

DEFAULT_PAYROLL_MONTHS = 6
MAX_PAYROLL_MONTHS = 24
# The window may be extended back to reach a Farvardin; past this many months it is not (no arrears).
MAX_WINDOW = 36
SEED_STREAM = 4  # contributions use 3
FIRST_START = JalaliMonth(1401, 1)  # the oldest award start the demo draws
LAST_START = JalaliMonth(1404, 12)
LATE_MONTHS = 2  # Farvardin and Ordibehesht are paid before the year's decision
LEAD_MONTHS = 2  # payroll months before the Farvardin, at the old amount
PRO_RATA_SHARE = 0.08  # modelled
AVERAGE_MEDIAN, AVERAGE_SIGMA = 1.6, 0.45  # average wage / minimum monthly wage: modelled
FULL_YEARS = (20, 35)
PRO_RATA_YEARS = (10, 19)
DAYS_PER_YEAR = 365
DERIVATION_NOTE = (
    "نمایشی: میانگین دستمزد و سابقه از توزیع مدل‌شده کشیده شده‌اند، نه از سوابق بیمه‌ای؛ فرمول و حداقل از قواعد."
)


class PensionsError(Exception):
    """The demo cannot hold pensions for these options (the build turns it into a DemoError)."""


@dataclass(frozen=True)
class Schedule:
    """The payroll months oldest first, and the yearly increase replayed as decided late (None: none)."""

    months: tuple[JalaliMonth, ...]
    late_year: int | None

    def params_for(self, month: JalaliMonth, params: ParameterSet) -> ParameterSet | None:
        """The parameters a month is run with: before the decision for the late year's first months."""
        if self.late_year is not None and month.year == self.late_year and month.month <= LATE_MONTHS:
            return payroll.pending(self.late_year, params)
        return None


@dataclass
class PensionsResult:
    months: tuple[JalaliMonth, ...]
    late_year: int | None
    counts: dict[str, int]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


def schedule(reference: dt.date, months: int, params: ParameterSet | None = None) -> Schedule:
    """The `months` months ending at the reference month, extended back to LEAD_MONTHS before the
    Farvardin of the latest decided increase whose year has a month after the late ones in the window."""
    if not 0 <= months <= MAX_PAYROLL_MONTHS:
        raise ValueError(f"payroll months must be 0–{MAX_PAYROLL_MONTHS}, got {months}")
    if months == 0:
        return Schedule((), None)
    p = default_parameters() if params is None else params
    last = JalaliMonth.of(reference)
    first = last - (months - 1)
    year = last.year if last.month > LATE_MONTHS else last.year - 1
    while year > FIRST_START.year and not payroll.decided(year, p):
        year -= 1
    late: int | None = year if year > FIRST_START.year else None
    if late is not None:
        lead = JalaliMonth(late, 1) - LEAD_MONTHS
        if last - lead + 1 > MAX_WINDOW:
            late = None
        else:
            first = min(first, lead, key=lambda m: m.index)
    return Schedule(tuple(first + k for k in range(last - first + 1)), late)


def _month_days(months: np.ndarray) -> np.ndarray:
    """First day (datetime64[D]) of each JalaliMonth index."""
    lo, hi = int(months.min()), int(months.max())
    table = np.array(
        [np.datetime64(JalaliMonth.from_index(i).first_day(), "D") for i in range(lo, hi + 1)],
        dtype="datetime64[D]",
    )
    return table[months - lo]


def draw_awards(
    rng: np.random.Generator,
    n: int,
    *,
    latest_start: JalaliMonth,
    focus: int | None,
    focus_by: JalaliMonth,
    params: ParameterSet | None = None,
) -> dict[str, np.ndarray]:
    """Award columns for n pensioners (vectorised): start month index, base, pro rata, average wage,
    credited days, route, start day. `focus` (a position) starts no later than `focus_by`."""
    p = default_parameters() if params is None else params
    lo = FIRST_START.index
    hi = max(min(LAST_START.index, latest_start.index), lo)
    start = rng.integers(lo, hi + 1, n)
    pro_rata = rng.random(n) < PRO_RATA_SHARE
    multiple = np.exp(rng.normal(np.log(AVERAGE_MEDIAN), AVERAGE_SIGMA, n))
    years = np.where(
        pro_rata,
        rng.integers(PRO_RATA_YEARS[0], PRO_RATA_YEARS[1] + 1, n),
        rng.integers(FULL_YEARS[0], FULL_YEARS[1] + 1, n),
    )
    extra_days = rng.integers(0, DAYS_PER_YEAR, n)
    if focus is not None:
        top = max(min(focus_by.index, hi), lo)
        start[focus] = min(start[focus], top)
    on = _month_days(start)
    minimum = minimum_pension(on, params=p)  # the minimum monthly wage (Art. 111: daily × 30)
    ceiling = daily_ceiling_vector(on, params=p) * 30
    average = np.minimum(np.rint(minimum * multiple).astype(np.int64), ceiling)
    average = np.maximum(average, minimum)
    credited = years.astype(np.int64) * DAYS_PER_YEAR + extra_days
    route = np.where(pro_rata, TEN_YEAR, np.where(years >= 30, FULL_SERVICE, AGE))
    base = retirement_pension(average, credited, route, on, params=p)
    return {
        "start": start,
        "base": base,
        "pro_rata": pro_rata,
        "average": average,
        "credited": credited,
        "route": route,
        "minimum": minimum,
        "on": on,
    }


ROUTE_NAMES = {FULL_SERVICE: "full_service", AGE: "age", TEN_YEAR: "ten_year"}


def _create_awards(
    rng: np.random.Generator, reference: dt.date, focus_person: int | None, focus_by: JalaliMonth
) -> int:
    have = set(PensionAward.objects.values_list("person_id", flat=True))
    persons = list(
        Person.objects.filter(is_pensioner=True).order_by("national_code").values_list("id", flat=True)
    )
    n = len(persons)
    if n == 0:
        return 0
    focus = persons.index(focus_person) if focus_person in persons else None
    # Drawn for all, kept for those without an award: the same person gets the same award either way.
    d = draw_awards(rng, n, latest_start=JalaliMonth.of(reference), focus=focus, focus_by=focus_by)
    awards = []
    for i, pid in enumerate(persons):
        if pid in have:
            continue
        s = JalaliMonth.from_index(int(d["start"][i]))
        awards.append(
            PensionAward(
                person_id=pid,
                kind=AwardKind.RETIREMENT,
                start_year=s.year,
                start_month=s.month,
                base_amount=int(d["base"][i]),
                pro_rata=bool(d["pro_rata"][i]),
                derivation={
                    "article": "SSL Art. 77, Art. 111",
                    "on": format_jalali(s.first_day()),
                    "route": ROUTE_NAMES[int(d["route"][i])],
                    "average_wage": int(d["average"][i]),
                    "credited_days": int(d["credited"][i]),
                    "minimum_pension": int(d["minimum"][i]),
                    "pension": int(d["base"][i]),
                    "note": DERIVATION_NOTE,
                },
            )
        )
    PensionAward.objects.bulk_create(awards, batch_size=2000)
    return len(awards)


def run(reference: dt.date, *, months: int, seed: int, pensioner: str | None = None) -> PensionsResult:
    """Awards and the payroll for the demo just built. `pensioner`: the demo pensioner's username."""
    sched = schedule(reference, months)
    if JalaliMonth.of(reference).index < FIRST_START.index:
        raise PensionsError(f"pensions need a reference date from {FIRST_START} on (the rules' years)")
    params = default_parameters()
    timings: dict[str, float] = {}
    notes: list[str] = []
    focus_person = None
    if pensioner is not None:
        focus_person = User.objects.filter(username=pensioner).values_list("person_id", flat=True).first()
    focus_by = sched.months[0] if sched.months else JalaliMonth.of(reference)
    rng = np.random.Generator(np.random.PCG64([seed, SEED_STREAM]))
    actor = SystemActor()
    with transaction.atomic():
        t0 = time.perf_counter()
        created = _create_awards(rng, reference, focus_person, focus_by)
        timings["awards"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for month in sched.months:
            payroll.run_payroll(actor, month, params=sched.params_for(month, params))
        timings["payroll"] = time.perf_counter() - t0
    if months and sched.late_year is None:
        notes.append("no yearly increase could be replayed as late within the payroll window: no arrears")
    elif sched.late_year is not None and len(sched.months) > months:
        notes.append(
            f"payroll window extended to {len(sched.months)} months ({sched.months[0]}–{sched.months[-1]}) "
            f"to include the {sched.late_year} yearly increase, decided late: its first {LATE_MONTHS} "
            "months are paid the old amount and the arrears come with the next month"
        )
    wanted = set(sched.months)
    runs = [r for r in PayrollRun.objects.order_by("year", "month") if r.period in wanted]
    counts = {
        "pension_awards": PensionAward.objects.count(),
        "pension_awards_created": created,
        "pension_awards_pro_rata": PensionAward.objects.filter(pro_rata=True).count(),
        "payroll_months": len(runs),
        "payroll_lines": sum(r.line_count for r in runs),
        "payroll_last_net": runs[-1].total_net if runs else 0,
        "payroll_arrears": sum(r.total_arrears for r in runs),
    }
    return PensionsResult(sched.months, sched.late_year, counts, timings, notes)
