"""The demo's pensions: an award for every demo pensioner, then the monthly payroll up to the reference
month, with one yearly increase decided late so its arrears show on the slips.

Awards start between 1401/01 and 1404/12 (or the reference month, if earlier): the years whose minimum
wage and yearly increases are all in the parameters. Every base comes from the rules engine's vectorised
formulas on facts drawn here — modelled, since the demo's pensioners have no insurance history of those
years: the average wage is a log-normal multiple of the minimum monthly wage at the award's start, at
most the contribution ceiling, and the service is drawn per kind.

Kinds, in the proportions of the SSO's pension files at the end of Azar 1396 (sso_stats.csv: retirees
1,730,898, disability pensioners 136,704, pension files 2,665,302 of which the survivors' files are the
rest, 797,700 — "survivors of one deceased share one file"; http://poolpress.ir/?p=106708):
- retirement (`retirement_pension`: Art. 77, at least the Art. 111 minimum, pro rata for the 10-year
  route): service 20–35 years, 10–19 for the pro rata awards;
- disability (`disability_pension`): total (Arts. 72, 75, 111: a loss from `disability.total.min_percent`,
  not always work-related) or partial (Art. 73: work-related, a loss from `disability.partial.min_percent`,
  the percentage of the Art. 72 pension, established `pro_rata` — its own increase band, rules.md §6);
  dependants when the pensioner has a spouse in the registry;
- survivors (`survivor_pensions`, Arts. 80–83, 111): one award per family, as the SSO keeps one file per
  deceased, paid to the widow; its base is the family's Art. 83 total (the widow's share and her
  qualifying children's), topped up to the Art. 111 minimum as a whole — so the yearly increase, with its
  minimum, applies to the family's pension, as to one file. The deceased was a pensioner (base: that
  pension) or an insured person with a recent record. Qualifying children average the published
  survivors per file less the widow (1,542,202 / 797,700 − 1). Survivors' awards go to the pensioners
  without a spouse, women first (widows), the rest at random.
The demo pensioner's award starts before the first payroll month, so that person has a slip for every
month; it is a retirement award.

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
from typing import Any

import numpy as np
from django.db import transaction

from tamin.accounts.models import User
from tamin.benefits import payroll
from tamin.benefits.models import AwardKind, PayrollRun, PensionAward
from tamin.contributions.posting import SystemActor
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.demo import deductions
from tamin.demo.calibration import read_csv
from tamin.registry.models import FamilyRelation, Person, RelationKind, Sex
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import (
    AGE,
    DISABILITY_PARTIAL,
    DISABILITY_TOTAL,
    FULL_SERVICE,
    TEN_YEAR,
    counted_days,
    disability_pension,
    half_up,
    minimum_pension,
    retirement_pension,
    survivor_pensions,
    survivors_eligible,
)
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
# Kinds of award (the demo's own codes): disability is split into total and partial.
RETIREMENT, DISABILITY_TOTAL_KIND, DISABILITY_PARTIAL_KIND, SURVIVORS = range(4)
KIND_NAMES = {
    RETIREMENT: "retirement",
    DISABILITY_TOTAL_KIND: "disability_total",
    DISABILITY_PARTIAL_KIND: "disability_partial",
    SURVIVORS: "survivors",
}
STATS_YEAR = "1396"  # the one year sso_stats.csv has the three kinds and the files
PARTIAL_SHARE = 0.15  # of disability awards: modelled (no published split found)
WORK_RELATED_SHARE = 0.25  # of total disability: modelled
DISABILITY_YEARS = (5, 30)  # modelled
DECEASED_PENSIONER_SHARE = 0.6  # of survivors' files: modelled
DECEASED_INSURED_YEARS = (5, 29)  # modelled
MAX_CHILDREN = 4
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


def published_shares() -> dict[str, float]:
    """Shares of retirement, disability and survivors' pension files, and survivors per file, from the
    national figures of STATS_YEAR in sso_stats.csv."""
    rows = {
        r["indicator"]: int(r["value"])
        for r in read_csv("sso_stats.csv")
        if r["province"] == "کل کشور" and r["year"] == STATS_YEAR
    }
    files = rows["pension_files"]
    survivor_files = files - rows["retirees"] - rows["disability_pensioners"]
    return {
        "retirement": rows["retirees"] / files,
        "disability": rows["disability_pensioners"] / files,
        "survivors": survivor_files / files,
        "survivors_per_file": rows["survivor_pensioners"] / survivor_files,
    }


def _counts(n: int, shares: list[float]) -> list[int]:
    """n split by shares, largest remainders first: the counts add up to n."""
    exact = np.array(shares) * n
    out = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - out), kind="stable")[: n - int(out.sum())]:
        out[k] += 1
    return out.tolist()


def assign_kinds(
    rng: np.random.Generator, widow: np.ndarray, single: np.ndarray, focus: int | None
) -> np.ndarray:
    """A kind for each pensioner in the published proportions: survivors' files to the pensioners
    without a spouse, women first; disability at random among the rest; `focus` is a retiree."""
    n = len(widow)
    sh = published_shares()
    _, n_dis, n_sur = _counts(n, [sh["retirement"], sh["disability"], sh["survivors"]])
    # Half up; a small demo with any two disability awards shows one of each degree.
    n_partial = max(int(n_dis * PARTIAL_SHARE + 0.5), 1 if n_dis >= 2 else 0)
    kind = np.full(n, RETIREMENT, np.int64)
    order = rng.permutation(n)
    # Widows first, then other singles, then anyone: a stable sort of a random order by preference.
    rank = np.where(widow, 0, np.where(single, 1, 2))[order]
    if focus is not None:
        rank[order == focus] = 3
    by_pref = order[np.argsort(rank, kind="stable")]
    kind[by_pref[:n_sur]] = SURVIVORS
    rest = rng.permutation(np.flatnonzero(kind == RETIREMENT))
    if focus is not None:
        rest = rest[rest != focus]
    kind[rest[:n_dis]] = DISABILITY_TOTAL_KIND
    kind[rest[:n_partial]] = DISABILITY_PARTIAL_KIND
    return kind


def draw_awards(
    rng: np.random.Generator,
    n: int,
    *,
    latest_start: JalaliMonth,
    focus: int | None,
    focus_by: JalaliMonth,
    kind: np.ndarray | None = None,
    spouse: np.ndarray | None = None,
    params: ParameterSet | None = None,
) -> dict[str, np.ndarray]:
    """Award columns for n pensioners (vectorised): start month index, base, pro rata, average wage,
    credited days, route, start day, and each kind's facts. `kind` (default: all retirement) gives the
    kind of each; `spouse` whether the pensioner has one (dependants of a disability pension). Every
    column is drawn for everyone, whatever the kinds, so a kind changes no other person's draws.
    `focus` (a position) starts no later than `focus_by`."""
    p = default_parameters() if params is None else params
    kind = np.full(n, RETIREMENT, np.int64) if kind is None else np.asarray(kind, np.int64)
    spouse = np.zeros(n, bool) if spouse is None else np.asarray(spouse, bool)
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
    # Disability and survivors' facts, drawn for all.
    u_percent = rng.random(n)
    work_drawn = rng.random(n) < WORK_RELATED_SHARE
    dis_years = rng.integers(DISABILITY_YEARS[0], DISABILITY_YEARS[1] + 1, n)
    deceased_pensioner = rng.random(n) < DECEASED_PENSIONER_SHARE
    insured_years = rng.integers(DECEASED_INSURED_YEARS[0], DECEASED_INSURED_YEARS[1] + 1, n)
    children = np.minimum(rng.poisson(published_shares()["survivors_per_file"] - 1, n), MAX_CHILDREN)
    if focus is not None:
        top = max(min(focus_by.index, hi), lo)
        start[focus] = min(start[focus], top)
    on = _month_days(start)
    minimum = minimum_pension(on, params=p)  # the minimum monthly wage (Art. 111: daily × 30)
    ceiling = daily_ceiling_vector(on, params=p) * 30
    average = np.minimum(np.rint(minimum * multiple).astype(np.int64), ceiling)
    average = np.maximum(average, minimum)
    is_ret, is_sur = kind == RETIREMENT, kind == SURVIVORS
    is_total, is_partial = kind == DISABILITY_TOTAL_KIND, kind == DISABILITY_PARTIAL_KIND
    pro_rata &= is_ret | is_sur  # a deceased pensioner's own pension may have been pro rata
    years = np.where(is_total | is_partial, dis_years, years)
    years = np.where(is_sur & ~deceased_pensioner, insured_years, years)
    credited = years.astype(np.int64) * DAYS_PER_YEAR + extra_days
    route = np.where(pro_rata, TEN_YEAR, np.where(years >= 30, FULL_SERVICE, AGE))
    retirement = retirement_pension(average, credited, route, on, params=p)

    # Disability: a loss in the band of its kind; the record of the last 10 years and the last year.
    v = p.vector
    total_min, partial_min = v("disability.total.min_percent", on), v("disability.partial.min_percent", on)
    percent = np.where(
        is_partial,
        partial_min + (u_percent * (total_min - partial_min)).astype(np.int64),
        total_min + (u_percent * (101 - total_min)).astype(np.int64),
    )
    work_related = is_partial | work_drawn
    days_10y = np.minimum(credited, 10 * DAYS_PER_YEAR)
    days_last_year = np.minimum(credited, DAYS_PER_YEAR)
    dis = disability_pension(
        average, credited, percent, work_related, spouse, days_10y, days_last_year, on, params=p
    )

    # Survivors: the deceased's pension (a pensioner's as paid, else Art. 77 without the minimum), then
    # Art. 83 shares for the widow and her qualifying children.
    dpy = v("pension.service.days_per_year", on)
    art77 = half_up(average * counted_days(credited, on, params=p), v("pension.accrual.divisor", on) * dpy)
    deceased_base = np.where(deceased_pensioner, retirement, art77)
    eligible = survivors_eligible(
        deceased_pensioner, np.zeros(n, bool), days_10y, days_last_year, credited, on, params=p
    )
    one, none = np.ones(n, np.int64), np.zeros(n, np.int64)
    sur = survivor_pensions(deceased_base, eligible, one, children, none, on, params=p)

    expected_degree = np.where(is_partial, DISABILITY_PARTIAL, DISABILITY_TOTAL)
    dis_ok = ~(is_total | is_partial) | (dis.eligible & (dis.degree == expected_degree))
    if not (dis_ok.all() and (eligible | ~is_sur).all()):
        raise PensionsError("a drawn disability or survivors' case is not eligible under the rules")
    base = np.select([is_ret, is_total | is_partial], [retirement, dis.pension], sur.total)
    return {
        "start": start,
        "kind": kind,
        "base": base,
        "pro_rata": np.where(is_ret, pro_rata, is_partial),
        "average": average,
        "credited": credited,
        "route": route,
        "minimum": minimum,
        "on": on,
        "percent": percent,
        "work_related": work_related,
        "dependants": spouse,
        "days_10y": days_10y,
        "days_last_year": days_last_year,
        "deceased_pensioner": deceased_pensioner,
        "deceased_pro_rata": pro_rata,
        "deceased_base": deceased_base,
        "children": children,
        "spouse_share": sur.spouse_each,
        "child_share": sur.child_each,
    }


ROUTE_NAMES = {FULL_SERVICE: "full_service", AGE: "age", TEN_YEAR: "ten_year"}


AWARD_KINDS = {
    RETIREMENT: AwardKind.RETIREMENT,
    DISABILITY_TOTAL_KIND: AwardKind.DISABILITY,
    DISABILITY_PARTIAL_KIND: AwardKind.DISABILITY,
    SURVIVORS: AwardKind.SURVIVORS,
}


def _derivation(d: dict[str, np.ndarray], i: int, start: JalaliMonth) -> dict[str, Any]:
    """What the award rests on: the drawn facts and the engine's result, enough to compute it again."""
    k = int(d["kind"][i])
    common = {
        "on": format_jalali(start.first_day()),
        "case": KIND_NAMES[k],
        "average_wage": int(d["average"][i]),
        "credited_days": int(d["credited"][i]),
        "minimum_pension": int(d["minimum"][i]),
        "pension": int(d["base"][i]),
        "note": DERIVATION_NOTE,
    }
    if k == RETIREMENT:
        return {"article": "SSL Art. 77, Art. 111", "route": ROUTE_NAMES[int(d["route"][i])], **common}
    if k in (DISABILITY_TOTAL_KIND, DISABILITY_PARTIAL_KIND):
        return {
            "article": "SSL Arts. 70, 72, 75, 111" if k == DISABILITY_TOTAL_KIND else "SSL Arts. 72, 73",
            "percent": int(d["percent"][i]),
            "work_related": bool(d["work_related"][i]),
            "dependants": bool(d["dependants"][i]),
            "days_10y": int(d["days_10y"][i]),
            "days_last_year": int(d["days_last_year"][i]),
            **common,
        }
    return {
        "article": "SSL Arts. 80–83, 111",
        "deceased_pensioner": bool(d["deceased_pensioner"][i]),
        "deceased_route": ROUTE_NAMES[int(d["route"][i])],
        "base_pension": int(d["deceased_base"][i]),
        "days_10y": int(d["days_10y"][i]),
        "days_last_year": int(d["days_last_year"][i]),
        "survivors": {"spouse": 1, "children": int(d["children"][i]), "parents": 0},
        "shares": {"spouse": int(d["spouse_share"][i]), "child": int(d["child_share"][i])},
        "paid_to": "spouse",
        **common,
    }


def _create_awards(
    rng: np.random.Generator, reference: dt.date, focus_person: int | None, focus_by: JalaliMonth
) -> int:
    have = set(PensionAward.objects.values_list("person_id", flat=True))
    rows = list(Person.objects.filter(is_pensioner=True).order_by("national_code").values_list("id", "sex"))
    n = len(rows)
    if n == 0:
        return 0
    persons = [pid for pid, _ in rows]
    married = set(
        FamilyRelation.objects.filter(kind=RelationKind.SPOUSE, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    ) | set(
        FamilyRelation.objects.filter(kind=RelationKind.SPOUSE, valid_to__isnull=True).values_list(
            "relative_id", flat=True
        )
    )
    spouse = np.array([pid in married for pid in persons], bool)
    female = np.array([sex == Sex.FEMALE for _, sex in rows], bool)
    focus = persons.index(focus_person) if focus_person in persons else None
    # Drawn for all, kept for those without an award: the same person gets the same award either way.
    kind = assign_kinds(rng, female & ~spouse, ~spouse, focus)
    d = draw_awards(
        rng,
        n,
        latest_start=JalaliMonth.of(reference),
        focus=focus,
        focus_by=focus_by,
        kind=kind,
        spouse=spouse,
    )
    awards = []
    for i, pid in enumerate(persons):
        if pid in have:
            continue
        s = JalaliMonth.from_index(int(d["start"][i]))
        awards.append(
            PensionAward(
                person_id=pid,
                kind=AWARD_KINDS[int(d["kind"][i])],
                start_year=s.year,
                start_month=s.month,
                base_amount=int(d["base"][i]),
                pro_rata=bool(d["pro_rata"][i]),
                derivation=_derivation(d, i, s),
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
        if sched.months:
            # Loans and supplementary insurance on some awards, so slips show deductions.
            deductions.add(sched.months[0], seed=seed)
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
        **{
            f"pension_awards_{k}": PensionAward.objects.filter(kind=k).count()
            for k in (AwardKind.RETIREMENT, AwardKind.DISABILITY, AwardKind.SURVIVORS)
        },
        "payroll_months": len(runs),
        "payroll_lines": sum(r.line_count for r in runs),
        "payroll_last_net": runs[-1].total_net if runs else 0,
        "payroll_arrears": sum(r.total_arrears for r in runs),
    }
    return PensionsResult(sched.months, sched.late_year, counts, timings, notes)
