"""The monthly pension payroll: every active award's pension of one Jalali month, in one vectorised pass,
written set-based in one transaction. Running a month again changes nothing.

Pension of month M = the award's base raised by the yearly increase (rules.adjustments.yearly_increase)
of every year after its start year up to M's year; increases take effect on 1 Farvardin. A year whose
decision is not in the parameters yet is "undecided": the pension stays as it was, and when the decision
arrives (effective 1 Farvardin, decided months later) the next run pays the difference for every month
already paid as `arrears` — computed from what the earlier runs paid, so it is paid once.

Allowances and deductions (rules.pension_allowances, parameters pension_allowances.yaml): the family,
child and housing allowances of retirement and disability pensions, from the registry's family facts on
the month's first day (a spouse in force; children under the age limit, alive, in force); and the
deductions in force in the month (PensionDeduction: the supplementary-insurance premium × persons
covered, loan instalments, court orders capped at a quarter of the pension), each limited so the net is
never below zero. A component whose parameter has no value in the month is zero, and the run's notes say
so; an amount encoded `unverified` is paid and its note is on the slip of every line it is paid on.
Arrears are of the pension only.

Loading is set-based: the awards, the family facts (aggregated per person in SQL) and the deductions are
read with a raw cursor in chunks straight into numpy arrays — no model object per row — and the lines are
written with `bulk_insert` (COPY on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from tamin.accounts import permissions, scope
from tamin.audit.services import record as audit_record
from tamin.benefits.models import (
    AwardKind,
    AwardStatus,
    DeductionKind,
    PayrollLine,
    PayrollRun,
    PensionAward,
    PensionDeduction,
)
from tamin.contributions.posting import bulk_insert
from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth
from tamin.core.text import to_persian_digits
from tamin.registry.models import FamilyRelation, RelationKind, Sex
from tamin.rules import pension_allowances as pa
from tamin.rules.adjustments import year_start, yearly_increase
from tamin.rules.params import ParameterError, ParameterSet, default_parameters

CHUNK = 100_000  # rows fetched at a time: bounded memory for millions of awards
KIND_CODES = {AwardKind.RETIREMENT: 0, AwardKind.DISABILITY: 1, AwardKind.SURVIVORS: 2}
ENTITLED = np.array([True, True, False])  # by kind code: allowances go with retirement and disability only
DEDUCTION_CODES = {DeductionKind.SUPPLEMENTARY: 0, DeductionKind.LOAN: 1, DeductionKind.COURT_ORDER: 2}
ADJUSTMENT_PARAMETERS = ("adjustment.minimum.percent", "adjustment.other.percent", "adjustment.other.fixed")
NO_BAND = -1

LABELS = {
    "family_allowance": "کمک هزینهٔ عائله‌مندی",
    "child_allowance": "حق اولاد",
    "housing_allowance": "کمک هزینهٔ مسکن",
    "supplementary_insurance": "حق بیمهٔ تکمیلی",
}


def component_notes(rates: pa.MonthRates) -> tuple[dict[str, str], dict[str, str]]:
    """What slips must say about the month's allowances and premium: (missing from the parameters, so
    paid as zero; encoded from a source not confirmed)."""
    missing, unverified = {}, {}
    for component, label in LABELS.items():
        e = rates.entries[component]
        if e is None:
            missing[component] = f"{label} برای این ماه در پارامترها نیست؛ صفر منظور شد."
        elif e.confidence == "unverified":
            amount = to_persian_digits(f"{int(e.value):,}")
            why = e.note or e.source
            unverified[component] = f"{label} ({amount} ریال) از منبع رسمی تأیید نشده است: {why}"
    return missing, unverified


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def decided(year: int, params: ParameterSet | None = None) -> bool:
    """Whether the yearly increase of `year` is in the parameters (the Cabinet decision is known)."""
    p = _params(params)
    on = year_start(year)
    try:
        for name in ADJUSTMENT_PARAMETERS:
            p.entry(name, on)
    except ParameterError:
        return False
    return True


def pending(year: int, params: ParameterSet | None = None) -> ParameterSet:
    """The parameters as they stood before the Cabinet decided `year`'s increase: for replaying a late
    decision (the demo, tests) — months run with these are paid the old amount, and the first run with
    the full parameters pays the difference as arrears."""
    p = _params(params)
    cut = year_start(year)
    trimmed = {}
    for name in p.names():
        param = p.parameter(name)
        if name in ADJUSTMENT_PARAMETERS:
            param = dataclasses.replace(param, entries=tuple(e for e in param.entries if e.start < cut))
        trimmed[name] = param
    return ParameterSet(trimmed)


@dataclass
class MonthPensions:
    """The pension columns of one payroll month, aligned with the award columns passed in."""

    before: np.ndarray  # at the end of the previous year (before this year's increase)
    after: np.ndarray  # this month's pension
    band: np.ndarray  # band of the latest increase applied, NO_BAND if none
    by_year: dict[int, np.ndarray]  # pension in force during each year kept (for arrears)
    applied: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)


def month_pensions(
    base: np.ndarray,
    start_year: np.ndarray,
    pro_rata: np.ndarray,
    year: int,
    *,
    keep_from: int | None = None,
    params: ParameterSet | None = None,
) -> MonthPensions:
    """Every award's pension during Jalali `year`, vectorised: one `yearly_increase` per year over all
    awards, kept only where the award started before that year. `keep_from`: also keep the pension of
    every year from then on (the arrears need what each earlier month should have paid)."""
    p = _params(params)
    base = np.asarray(base, np.int64)
    start_year = np.asarray(start_year, np.int64)
    pro_rata = np.asarray(pro_rata, bool)
    pension = base.copy()
    band = np.full(len(base), NO_BAND, np.int8)
    before = base
    out = MonthPensions(before, pension, band, {})
    if len(base) == 0:
        return out
    first = int(start_year.min()) + 1
    lo = min(first, keep_from if keep_from is not None else year)
    last_band = None
    for y in range(lo, year + 1):
        if y == year:
            before = pension
        if y >= first:
            if decided(y, p):
                new, last_band = yearly_increase(pension, pro_rata, y, params=p)
                # every award started earlier: no mask needed
                pension = new if int(start_year.max()) < y else np.where(start_year < y, new, pension)
                out.applied.append(y)
            else:
                out.undecided.append(y)
        if keep_from is not None and y >= keep_from:
            out.by_year[y] = pension
    if last_band is not None:
        # The latest increase an award got is the last one decided after its start year, if any.
        band = np.where(start_year < out.applied[-1], last_band, np.int8(NO_BAND)).astype(np.int8)
    out.before, out.after, out.band = before, pension, band
    return out


def _fetch(qs: QuerySet, ncols: int) -> np.ndarray:
    """The integer columns of `qs` as one (rows × ncols) int64 array, read with a raw cursor in chunks."""
    sql, params = qs.query.sql_with_params()
    parts = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            parts.append(np.array(rows, np.int64).reshape(-1, ncols))
    return np.concatenate(parts) if parts else np.empty((0, ncols), np.int64)


def _started_by(month: JalaliMonth, prefix: str = "") -> Q:
    y, m = f"{prefix}start_year", f"{prefix}start_month"
    return Q(**{f"{y}__lt": month.year}) | Q(**{y: month.year, f"{m}__lte": month.month})


def _active_awards(month: JalaliMonth) -> QuerySet[PensionAward]:
    return PensionAward.objects.filter(_started_by(month), status=AwardStatus.ACTIVE)


def _code(field: str, codes: Mapping[str, int]) -> Case:
    return Case(*(When(**{field: k}, then=Value(v)) for k, v in codes.items()), output_field=IntegerField())


@dataclass(frozen=True)
class Awards:
    """The active awards of a month as columns, sorted by id. `kind`: KIND_CODES (default retirement)."""

    id: np.ndarray
    person_id: np.ndarray
    start_year: np.ndarray
    base: np.ndarray
    pro_rata: np.ndarray
    kind: np.ndarray | None = None
    female: np.ndarray | None = None
    # JalaliMonth.index of the start month and of the first month the payroll saw the award (equal but
    # for an award approved after months from its start had been run); None: no back pay to look for.
    start: np.ndarray | None = None
    first_payroll: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.id)
        if self.kind is None:
            object.__setattr__(self, "kind", np.zeros(n, np.int64))
        if self.female is None:
            object.__setattr__(self, "female", np.zeros(n, bool))

    @classmethod
    def active_in(cls, month: JalaliMonth) -> Awards:
        qs = (
            _active_awards(month)
            .annotate(
                kind_code=_code("kind", KIND_CODES),
                is_female=Case(When(person__sex=Sex.FEMALE, then=Value(1)), default=Value(0)),
                first_year=Coalesce("first_payroll_year", "start_year"),
                first_month=Coalesce("first_payroll_month", "start_month"),
            )
            .order_by("id")
            .values_list(
                "id", "person_id", "start_year", "base_amount", "pro_rata", "kind_code", "is_female",
                "start_month", "first_year", "first_month",
            )
        )  # fmt: skip
        a = _fetch(qs, 10)
        start = a[:, 2] * 12 + a[:, 7] - 1  # JalaliMonth.index
        first = a[:, 8] * 12 + a[:, 9] - 1
        flags = a[:, 4].astype(bool), a[:, 6].astype(bool)
        return cls(a[:, 0], a[:, 1], a[:, 2], a[:, 3], flags[0], a[:, 5], flags[1], start, first)


@dataclass(frozen=True)
class Family:
    """Per award (aligned with Awards): a spouse in force, and the children under the age limit."""

    married: np.ndarray
    children: np.ndarray

    @classmethod
    def none(cls, n: int) -> Family:
        return cls(np.zeros(n, bool), np.zeros(n, np.int64))


def _child_cutoff(month: JalaliMonth, max_age: int) -> dt.date:
    # Born after this day: not yet `max_age` on the month's first day (Jalali years, no calendar maths here).
    return JalaliMonth(month.year - max_age, month.month).first_day()


def family_of(awards: Awards, month: JalaliMonth, rates: pa.MonthRates) -> Family:
    """The family facts of every award's pensioner, aggregated per person in one query."""
    day, cutoff = month.first_day(), _child_cutoff(month, rates.child_max_age)
    qs = (
        FamilyRelation.objects.filter(
            person_id__in=Subquery(_active_awards(month).values("person_id")),
            kind__in=(RelationKind.SPOUSE, RelationKind.CHILD),
            valid_from__lte=day,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .filter(Q(relative__death_date__isnull=True) | Q(relative__death_date__gt=day))
        .filter(
            Q(kind=RelationKind.SPOUSE) | Q(relative__birth_date__gt=cutoff, relative__birth_date__lte=day)
        )
        .values("person_id")
        .annotate(
            spouses=Count("relative_id", filter=Q(kind=RelationKind.SPOUSE), distinct=True),
            children=Count("relative_id", filter=Q(kind=RelationKind.CHILD), distinct=True),
        )
        .order_by("person_id")
        .values_list("person_id", "spouses", "children")
    )
    f = _fetch(qs, 3)
    out = Family.none(len(awards.id))
    if len(f) == 0 or len(awards.id) == 0:
        return out
    pos = np.minimum(np.searchsorted(f[:, 0], awards.person_id), len(f) - 1)
    found = f[pos, 0] == awards.person_id
    return Family(found & (f[pos, 1] > 0), np.where(found, f[pos, 2], 0))


@dataclass(frozen=True)
class Due:
    """Per award (aligned with Awards): what each kind of deduction asks for this month, before limits."""

    supplementary: np.ndarray
    loan: np.ndarray
    court: np.ndarray

    @classmethod
    def none(cls, n: int) -> Due:
        return cls(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))


def due_of(awards: Awards, month: JalaliMonth, rates: pa.MonthRates) -> Due:
    """The deductions in force in `month` summed per award and kind, set-based."""
    qs = (
        PensionDeduction.objects.filter(_started_by(month), award__status=AwardStatus.ACTIVE)
        .annotate(
            kind_code=_code("kind", DEDUCTION_CODES),
            amt=Coalesce("amount", Value(0)),
            n_months=Coalesce("months", Value(0)),
        )
        .order_by()
        .values_list(
            "award_id", "kind_code", "amt", "covered_persons", "start_year", "start_month", "n_months"
        )
    )
    d = _fetch(qs, 7)
    out = Due.none(len(awards.id))
    if len(d) == 0 or len(awards.id) == 0:
        return out
    start = d[:, 4] * 12 + d[:, 5] - 1
    in_force = (d[:, 6] == 0) | (month.index < start + d[:, 6])
    pos = np.minimum(np.searchsorted(awards.id, d[:, 0]), len(awards.id) - 1)
    keep = in_force & (awards.id[pos] == d[:, 0])
    premium = np.int64(rates.amount("supplementary_insurance"))
    amount = np.where(d[:, 1] == DEDUCTION_CODES[DeductionKind.SUPPLEMENTARY], d[:, 3] * premium, d[:, 2])
    cols = []
    for code in (0, 1, 2):
        rows = keep & (d[:, 1] == code)
        col = np.zeros(len(awards.id), np.int64)
        np.add.at(col, pos[rows], amount[rows])
        cols.append(col)
    return Due(*cols)


def arrears_due(
    award_ids: np.ndarray,
    paid: Mapping[str, np.ndarray],
    by_year: Mapping[int, np.ndarray],
    missed: Mapping[int, np.ndarray] | None = None,
) -> np.ndarray:
    """What earlier runs underpaid each award: Σ over years ((months paid + months missed) × the pension
    now known for that year − what was paid) − arrears already paid; never negative. `paid` holds the
    earlier lines summed by award and year: award_id, year, months, pension, arrears. `missed`: per year,
    the months each award was owed by runs made before it was approved (missed_months), aligned with
    `award_ids`. `award_ids` is sorted."""
    due = np.zeros(len(award_ids), np.int64)
    for y, count in (missed or {}).items():
        due += count * by_year[y]
    ids = paid["award_id"]
    if len(ids) == 0 or len(award_ids) == 0:
        return np.maximum(due, 0)
    cols = {k: paid[k] for k in ("year", "months", "pension", "arrears")}
    if len(ids) == len(award_ids) and np.array_equal(ids, award_ids):
        pos = None  # the usual month: one row per award, in the same order — no gather needed
    else:
        pos = np.minimum(np.searchsorted(award_ids, ids), len(award_ids) - 1)
        known = award_ids[pos] == ids  # stopped awards are not in the run: nothing to pay
        if not known.all():
            pos = pos[known]
            cols = {k: v[known] for k, v in cols.items()}
    years = cols["year"]
    lo, hi = int(years.min()), int(years.max())
    if lo == hi:
        should = by_year[lo] if pos is None else by_year[lo][pos]
    else:
        should = np.zeros(len(years), np.int64)
        for y in range(lo, hi + 1):
            rows = years == y
            if rows.any():
                should[rows] = by_year[y][rows] if pos is None else by_year[y][pos[rows]]
    diff = should * cols["months"] - cols["pension"] - cols["arrears"]
    if pos is None:
        due += diff
    elif len(pos) < 2 or bool((pos[1:] > pos[:-1]).all()):
        due[pos] += diff  # at most one row per award
    else:
        np.add.at(due, pos, diff)
    return np.maximum(due, 0)


def missed_months(awards: Awards, runs: np.ndarray) -> dict[int, np.ndarray]:
    """Per Jalali year, how many months each award should have been paid by runs made before the payroll
    saw it (an award approved late): the runs `runs` (JalaliMonth.index, the months already run) with
    start ≤ month < first payroll. Only years with such months are keys."""
    out: dict[int, np.ndarray] = {}
    if awards.start is None or awards.first_payroll is None or len(runs) == 0:
        return out
    late = awards.first_payroll > awards.start
    if not late.any():
        return out
    runs = np.sort(np.asarray(runs, np.int64))
    for y in np.unique(runs // 12).tolist():
        in_year = runs[runs // 12 == y]
        lo = np.maximum(awards.start, y * 12)
        hi = np.minimum(awards.first_payroll, y * 12 + 12)
        count = np.searchsorted(in_year, hi) - np.searchsorted(in_year, lo)
        count = np.where(late & (hi > lo), count, 0)
        if count.any():
            out[int(y)] = count.astype(np.int64)
    return out


def _runs_before(month: JalaliMonth) -> np.ndarray:
    rows = PayrollRun.objects.filter(Q(year__lt=month.year) | Q(year=month.year, month__lt=month.month))
    return np.array([y * 12 + m - 1 for y, m in rows.values_list("year", "month")], np.int64)


def _paid_before(month: JalaliMonth) -> dict[str, np.ndarray]:
    qs = (
        PayrollLine.objects.filter(run__year__lte=month.year)
        .exclude(run__year=month.year, run__month__gte=month.month)
        .values("award_id", "run__year")
        .order_by("award_id", "run__year")
        .annotate(months=Count("id"), pension=Sum("pension_after"), arr=Sum("arrears"))
        .values_list("award_id", "run__year", "months", "pension", "arr")
    )
    a = _fetch(qs, 5)
    return dict(zip(("award_id", "year", "months", "pension", "arrears"), a.T, strict=True))


@dataclass(frozen=True)
class PayrollLines:
    """One payroll month computed, not yet written."""

    award_id: np.ndarray
    person_id: np.ndarray
    pension_before: np.ndarray
    pension_after: np.ndarray
    adjustment_band: np.ndarray
    family_allowance: np.ndarray
    child_allowance: np.ndarray
    housing_allowance: np.ndarray
    supplementary_insurance: np.ndarray
    loan_installment: np.ndarray
    court_order: np.ndarray
    arrears: np.ndarray
    net: np.ndarray
    applied: list[int]
    undecided: list[int]
    rates: pa.MonthRates

    def totals(self) -> dict[str, int]:
        allowances = self.family_allowance.sum() + self.child_allowance.sum() + self.housing_allowance.sum()
        deductions = self.supplementary_insurance.sum() + self.loan_installment.sum() + self.court_order.sum()
        return {
            "line_count": len(self.award_id),
            "total_pension": int(self.pension_after.sum()),
            "total_allowances": int(allowances),
            "total_deductions": int(deductions),
            "total_arrears": int(self.arrears.sum()),
            "total_net": int(self.net.sum()),
        }


def compute_lines(
    awards: Awards,
    month: JalaliMonth,
    paid: Mapping[str, np.ndarray],
    *,
    family: Family | None = None,
    due: Due | None = None,
    runs: np.ndarray | None = None,
    params: ParameterSet | None = None,
) -> PayrollLines:
    """One month's lines. `family`, `due`: the facts loaded for `awards` (none if not given); `runs`: the
    months already run (JalaliMonth.index), for the back pay of awards approved late."""
    n = len(awards.id)
    rates = pa.month_rates(month.first_day(), _params(params))
    family = Family.none(n) if family is None else family
    due = Due.none(n) if due is None else due
    missed = missed_months(awards, runs if runs is not None else np.zeros(0, np.int64))
    years = [int(paid["year"].min())] if len(paid["year"]) else []
    keep_from = min([*years, *missed]) if years or missed else None
    mp = month_pensions(
        awards.base, awards.start_year, awards.pro_rata, month.year, keep_from=keep_from, params=params
    )
    if keep_from is None:
        arrears = np.zeros_like(mp.after)
    else:
        arrears = arrears_due(awards.id, paid, mp.by_year, missed)
    al = pa.allowances(ENTITLED[awards.kind], family.married, family.children, awards.female, rates)
    gross = mp.after + arrears  # in place from here: no temporary per term over millions of lines
    gross += al.family
    gross += al.child
    gross += al.housing
    taken = pa.take_deductions(gross, mp.after, due.supplementary, due.loan, due.court, rates.court_share)
    net = gross
    for d in (taken.supplementary, taken.loan, taken.court):
        if d.any():
            net -= d
    return PayrollLines(
        awards.id,
        awards.person_id,
        mp.before,
        mp.after,
        mp.band,
        al.family,
        al.child,
        al.housing,
        taken.supplementary,
        taken.loan,
        taken.court,
        arrears,
        net,
        mp.applied,
        mp.undecided,
        rates,
    )


def person_line(
    award: PensionAward, month: JalaliMonth, pension: int, arrears: int, *, params: ParameterSet | None = None
) -> dict[str, int]:
    """The per-person calculator of the allowances and deductions of one award's line, given its pension
    and arrears: the family facts and deductions read through the ORM one pensioner at a time (a separate
    path from the set-based loader), the same rule functions over arrays of one."""
    rates = pa.month_rates(month.first_day(), _params(params))
    day, cutoff = month.first_day(), _child_cutoff(month, rates.child_max_age)
    spouses, children = set(), set()
    for r in FamilyRelation.objects.filter(person_id=award.person_id).select_related("relative"):
        if r.valid_from > day or (r.valid_to is not None and r.valid_to < day):
            continue
        if r.relative.death_date is not None and r.relative.death_date <= day:
            continue
        if r.kind == RelationKind.SPOUSE:
            spouses.add(r.relative_id)
        elif r.kind == RelationKind.CHILD and cutoff < r.relative.birth_date <= day:
            children.add(r.relative_id)
    al = pa.allowances(
        np.array([award.kind != AwardKind.SURVIVORS]),
        np.array([bool(spouses)]),
        np.array([len(children)]),
        np.array([award.person.sex == Sex.FEMALE]),
        rates,
    )
    due = {k: 0 for k in DeductionKind}
    for d in PensionDeduction.objects.filter(award=award):
        if d.start.index <= month.index and (d.end is None or month.index <= d.end.index):
            premium = d.covered_persons * rates.amount("supplementary_insurance")
            due[d.kind] += premium if d.amount is None else d.amount
    gross = pension + int(al.family[0] + al.child[0] + al.housing[0]) + arrears
    t = pa.take_deductions(
        np.array([gross]),
        np.array([pension]),
        np.array([due[DeductionKind.SUPPLEMENTARY]]),
        np.array([due[DeductionKind.LOAN]]),
        np.array([due[DeductionKind.COURT_ORDER]]),
        rates.court_share,
    )
    out = {
        "family_allowance": int(al.family[0]),
        "child_allowance": int(al.child[0]),
        "housing_allowance": int(al.housing[0]),
        "supplementary_insurance": int(t.supplementary[0]),
        "loan_installment": int(t.loan[0]),
        "court_order": int(t.court[0]),
    }
    out["net"] = gross - out["supplementary_insurance"] - out["loan_installment"] - out["court_order"]
    return out


@dataclass(frozen=True)
class PayrollResult:
    month: JalaliMonth
    created: bool
    run_id: int
    line_count: int
    total_pension: int
    total_allowances: int
    total_deductions: int
    total_arrears: int
    total_net: int
    notes: dict[str, Any]

    @property
    def message(self) -> str:
        if self.created:
            return f"فهرست مستمری {self.month.label_fa} برای {self.line_count} مستمری‌بگیر ثبت شد."
        return f"فهرست مستمری {self.month.label_fa} پیش‌تر ثبت شده بود؛ چیزی تغییر نکرد."

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": str(self.month),
            "status": "created" if self.created else "unchanged",
            "message": self.message,
            "run_id": self.run_id,
            "lines": self.line_count,
            "total_pension": self.total_pension,
            "total_allowances": self.total_allowances,
            "total_deductions": self.total_deductions,
            "total_arrears": self.total_arrears,
            "total_net": self.total_net,
            "notes": self.notes,
        }


def _result(run: PayrollRun, created: bool) -> PayrollResult:
    return PayrollResult(
        run.period,
        created,
        run.pk,
        run.line_count,
        run.total_pension,
        run.total_allowances,
        run.total_deductions,
        run.total_arrears,
        run.total_net,
        run.notes,
    )


def add_deduction(
    actor: Any,
    award: PensionAward,
    kind: str,
    start: JalaliMonth,
    *,
    amount: int | None = None,
    months: int | None = None,
    covered_persons: int = 1,
    creditor: str = "",
    reference: str = "",
) -> PensionDeduction:
    """Record a monthly deduction from `award` (branch staff within their scope). A loan instalment or a
    court order is a fixed amount in Rials; the supplementary premium has none (the parameters give it
    per covered person). Open-ended when `months` is None."""
    permissions.require(actor, "payroll.deduction", award.person, scope.persons(actor))
    if kind not in DeductionKind.values:
        raise DomainError("deduction.kind", "نوع کسر معتبر نیست.", "kind")
    if kind == DeductionKind.SUPPLEMENTARY:
        if amount is not None:
            raise DomainError(
                "deduction.amount", "حق بیمهٔ تکمیلی از پارامترها محاسبه می‌شود؛ مبلغ ندهید.", "amount"
            )
        if not isinstance(covered_persons, int) or covered_persons < 1:
            raise DomainError(
                "deduction.covered_persons", "تعداد افراد تحت پوشش باید دست‌کم یک باشد.", "covered_persons"
            )
    elif not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError("deduction.amount", "مبلغ ماهانهٔ کسر باید عددی صحیح و مثبت (ریال) باشد.", "amount")
    if months is not None and (not isinstance(months, int) or months < 1):
        raise DomainError("deduction.months", "تعداد ماه‌ها باید دست‌کم یک باشد.", "months")
    with transaction.atomic():
        d = PensionDeduction.objects.create(
            award=award,
            kind=kind,
            amount=amount,
            covered_persons=covered_persons,
            start_year=start.year,
            start_month=start.month,
            months=months,
            creditor=creditor,
            reference=reference,
            created_by=getattr(actor, "username", "") or "",
        )
        audit_record(
            actor,
            "payroll.deduction.add",
            d,
            after={"award": award.pk, "kind": kind, "amount": amount, "start": str(start), "months": months},
        )
    return d


def _lock(month: JalaliMonth) -> None:
    # Two runs of the same month must not both decide "not run yet". SQLite writers are serialised.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7354002))", [f"payroll:{month}"])


def _write_lines(run: PayrollRun, lines: PayrollLines) -> int:
    n = len(lines.award_id)
    return bulk_insert(
        PayrollLine._meta.db_table,
        {
            "run_id": np.full(n, run.pk, np.int64),
            "award_id": lines.award_id,
            "person_id": lines.person_id,
            "pension_before": lines.pension_before,
            "pension_after": lines.pension_after,
            "adjustment_band": lines.adjustment_band.astype(np.int64),
            "family_allowance": lines.family_allowance,
            "child_allowance": lines.child_allowance,
            "housing_allowance": lines.housing_allowance,
            "supplementary_insurance": lines.supplementary_insurance,
            "loan_installment": lines.loan_installment,
            "court_order": lines.court_order,
            "arrears": lines.arrears,
            "net": lines.net,
        },
    )


def run_payroll(actor: Any, month: JalaliMonth, *, params: ParameterSet | None = None) -> PayrollResult:
    """Compute and write the payroll of `month`, or report that it was already written."""
    permissions.require(actor, "payroll.run")
    existing = PayrollRun.objects.filter(year=month.year, month=month.month).first()
    if existing is not None:
        return _result(existing, created=False)
    with transaction.atomic():
        _lock(month)
        existing = PayrollRun.objects.filter(year=month.year, month=month.month).first()
        if existing is not None:
            return _result(existing, created=False)
        p = _params(params)
        rates = pa.month_rates(month.first_day(), p)
        awards = Awards.active_in(month)
        lines = compute_lines(
            awards,
            month,
            _paid_before(month),
            family=family_of(awards, month, rates),
            due=due_of(awards, month, rates),
            runs=_runs_before(month),
            params=p,
        )
        missing, unverified = component_notes(rates)
        notes: dict[str, Any] = {
            "increases_applied": lines.applied,
            "increases_undecided": lines.undecided,
            "components": missing,
            "unverified": unverified,
        }
        run = PayrollRun.objects.create(
            year=month.year,
            month=month.month,
            notes=notes,
            created_by=getattr(actor, "username", "") or "",
            **lines.totals(),
        )
        _write_lines(run, lines)
        audit_record(actor, "payroll.run", run, after={"month": str(month), **lines.totals()})
    return _result(run, created=True)
