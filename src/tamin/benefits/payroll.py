"""The monthly pension payroll: every active award's pension of one Jalali month, in one vectorised pass,
written set-based in one transaction. Running a month again changes nothing.

Pension of month M = the award's base raised by the yearly increase (rules.adjustments.yearly_increase)
of every year after its start year up to M's year; increases take effect on 1 Farvardin. A year whose
decision is not in the parameters yet is "undecided": the pension stays as it was, and when the decision
arrives (effective 1 Farvardin, decided months later) the next run pays the difference for every month
already paid as `arrears` — computed from what the earlier runs paid, so it is paid once.

Allowances (family, housing) and the supplementary-insurance deduction are columns of every line. Their
amounts for pensioners are not in the parameters (rules.md §2.2 gives the labour-law allowances paid by
employers, §5 one contract year of the supplementary premium, 1398/09–1399/08): they are zero and the
run's notes say why, so a slip never shows a guessed amount.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from tamin.accounts.roles import Role
from tamin.audit.services import record as audit_record
from tamin.benefits.models import AwardStatus, PayrollLine, PayrollRun, PensionAward
from tamin.contributions.posting import bulk_insert
from tamin.core.errors import Forbidden
from tamin.core.jalali import JalaliMonth
from tamin.rules.adjustments import year_start, yearly_increase
from tamin.rules.params import ParameterError, ParameterSet, default_parameters

RUNNERS = frozenset({Role.ADMIN, Role.HQ_MANAGER})
ADJUSTMENT_PARAMETERS = ("adjustment.minimum.percent", "adjustment.other.percent", "adjustment.other.fixed")
NO_BAND = -1

COMPONENT_NOTES = {
    "family_allowance": (
        "کمک هزینهٔ عائله‌مندی مستمری‌بگیران در پارامترها نیست (جدول rules.md §2.2 مزایای قانون کار است)؛"
        " صفر منظور شد."
    ),
    "housing_allowance": (
        "کمک هزینهٔ مسکن مستمری‌بگیران در پارامترها نیست (جدول rules.md §2.2 مزایای قانون کار است)؛"
        " صفر منظور شد."
    ),
    "supplementary_insurance": (
        "حق بیمهٔ تکمیلی بازنشستگان پس از قرارداد ۱۳۹۸/۰۹–۱۳۹۹/۰۸ یافت نشد و در پارامترها نیست؛"
        " کسری منظور نشد."
    ),
}


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


@dataclass(frozen=True)
class Awards:
    """The active awards of a month as columns, sorted by id."""

    id: np.ndarray
    person_id: np.ndarray
    start_year: np.ndarray
    base: np.ndarray
    pro_rata: np.ndarray

    @classmethod
    def active_in(cls, month: JalaliMonth) -> Awards:
        rows = list(
            PensionAward.objects.filter(
                Q(start_year__lt=month.year) | Q(start_year=month.year, start_month__lte=month.month),
                status=AwardStatus.ACTIVE,
            ).values_list("id", "person_id", "start_year", "base_amount", "pro_rata")
        )
        a = np.array(rows, np.int64).reshape(-1, 5)
        a = a[np.argsort(a[:, 0], kind="stable")]
        return cls(a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4].astype(bool))


def arrears_due(
    award_ids: np.ndarray, paid: Mapping[str, np.ndarray], by_year: Mapping[int, np.ndarray]
) -> np.ndarray:
    """What earlier runs underpaid each award: Σ over years (months paid × the pension now known for that
    year − what was paid) − arrears already paid; never negative. `paid` holds the earlier lines summed
    by award and year: award_id, year, months, pension, arrears. `award_ids` is sorted."""
    due = np.zeros(len(award_ids), np.int64)
    ids = paid["award_id"]
    if len(ids) == 0 or len(award_ids) == 0:
        return due
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
        due = diff
    elif len(pos) < 2 or bool((pos[1:] > pos[:-1]).all()):
        due[pos] = diff  # at most one row per award
    else:
        np.add.at(due, pos, diff)
    return np.maximum(due, 0)


def _paid_before(month: JalaliMonth) -> dict[str, np.ndarray]:
    rows = list(
        PayrollLine.objects.filter(run__year__lte=month.year)
        .exclude(run__year=month.year, run__month__gte=month.month)
        .values("award_id", "run__year")
        .order_by("award_id", "run__year")
        .annotate(months=Count("id"), pension=Sum("pension_after"), arr=Sum("arrears"))
        .values_list("award_id", "run__year", "months", "pension", "arr")
    )
    a = np.array(rows, np.int64).reshape(-1, 5)
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
    housing_allowance: np.ndarray
    supplementary_insurance: np.ndarray
    arrears: np.ndarray
    net: np.ndarray
    applied: list[int]
    undecided: list[int]

    def totals(self) -> dict[str, int]:
        return {
            "line_count": len(self.award_id),
            "total_pension": int(self.pension_after.sum()),
            "total_allowances": int(self.family_allowance.sum() + self.housing_allowance.sum()),
            "total_deductions": int(self.supplementary_insurance.sum()),
            "total_arrears": int(self.arrears.sum()),
            "total_net": int(self.net.sum()),
        }


def compute_lines(
    awards: Awards, month: JalaliMonth, paid: Mapping[str, np.ndarray], *, params: ParameterSet | None = None
) -> PayrollLines:
    keep_from = int(paid["year"].min()) if len(paid["year"]) else None
    mp = month_pensions(
        awards.base, awards.start_year, awards.pro_rata, month.year, keep_from=keep_from, params=params
    )
    arrears = arrears_due(awards.id, paid, mp.by_year) if keep_from is not None else np.zeros_like(mp.after)
    zero = np.zeros(len(awards.id), np.int64)
    family, housing, supplementary = zero, zero.copy(), zero.copy()
    net = mp.after + family + housing + arrears - supplementary
    return PayrollLines(
        awards.id,
        awards.person_id,
        mp.before,
        mp.after,
        mp.band,
        family,
        housing,
        supplementary,
        arrears,
        net,
        mp.applied,
        mp.undecided,
    )


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


def _require_runner(actor: Any) -> None:
    active = getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)
    if not active or getattr(actor, "role", None) not in RUNNERS:
        raise Forbidden("auth.forbidden", "شما اجازهٔ اجرای فهرست مستمری را ندارید.")


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
            "housing_allowance": lines.housing_allowance,
            "supplementary_insurance": lines.supplementary_insurance,
            "arrears": lines.arrears,
            "net": lines.net,
        },
    )


def run_payroll(actor: Any, month: JalaliMonth, *, params: ParameterSet | None = None) -> PayrollResult:
    """Compute and write the payroll of `month`, or report that it was already written."""
    _require_runner(actor)
    existing = PayrollRun.objects.filter(year=month.year, month=month.month).first()
    if existing is not None:
        return _result(existing, created=False)
    with transaction.atomic():
        _lock(month)
        existing = PayrollRun.objects.filter(year=month.year, month=month.month).first()
        if existing is not None:
            return _result(existing, created=False)
        lines = compute_lines(Awards.active_in(month), month, _paid_before(month), params=params)
        notes: dict[str, Any] = {
            "increases_applied": lines.applied,
            "increases_undecided": lines.undecided,
            "components": COMPONENT_NOTES,
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
