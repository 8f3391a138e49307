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

Loading is set-based (`payroll_facts`: awards, family facts, deductions, earlier runs straight into numpy
arrays), and the lines are written with `bulk_insert` (COPY on PostgreSQL). An award approved after
months from its start were run is paid those months as arrears by its first run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from tamin.accounts import permissions
from tamin.audit.services import record as audit_record
from tamin.benefits.models import (
    AwardKind,
    DeductionKind,
    PayrollLine,
    PayrollRun,
    PensionAward,
    PensionDeduction,
)
from tamin.benefits.payroll_facts import (
    Awards,
    Due,
    Family,
    child_cutoff,
    due_of,
    family_of,
    missed_months,
    paid_before,
    runs_before,
)
from tamin.contributions.posting import bulk_insert
from tamin.core.jalali import JalaliMonth
from tamin.core.money import format_rial
from tamin.registry.models import FamilyRelation, RelationKind, Sex
from tamin.rules import pension_allowances as pa
from tamin.rules.adjustments import year_start, yearly_increase
from tamin.rules.params import ParameterError, ParameterSet, default_parameters

ENTITLED = np.array(
    [True, True, False]
)  # by payroll_facts.KIND_CODES: allowances with retirement and disability
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
            # The pensioner reads the slip: say it plainly; the source and why are in the parameter file
            # (rules/parameters/pension_allowances.yaml) and in the run's parameters for staff.
            amount = format_rial(int(e.value))
            unverified[component] = (
                f"مبلغ {label} ({amount} ریال) از منابع غیررسمی است و هنوز با بخشنامهٔ رسمی تأیید نشده است."
            )
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
    day, cutoff = month.first_day(), child_cutoff(month, rates.child_max_age)
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
            paid_before(month),
            family=family_of(awards, month, rates),
            due=due_of(awards, month, rates),
            runs=runs_before(month),
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
