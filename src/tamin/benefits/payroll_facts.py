"""What the payroll reads from the database for one month, as numpy columns: the active awards, their
pensioners' family facts, the deductions in force, what earlier runs paid and which months were run.

Everything is read set-based with a raw cursor in chunks straight into arrays (no model object per row),
so a month of 4.5 million awards is a handful of queries with bounded memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from tamin.benefits.models import (
    AwardKind,
    AwardStatus,
    DeductionKind,
    PayrollLine,
    PayrollRun,
    PensionAward,
    PensionDeduction,
)
from tamin.core.jalali import JalaliMonth
from tamin.registry.models import FamilyRelation, RelationKind, Sex
from tamin.rules import pension_allowances as pa

CHUNK = 100_000  # rows fetched at a time: bounded memory for millions of awards
KIND_CODES = {AwardKind.RETIREMENT: 0, AwardKind.DISABILITY: 1, AwardKind.SURVIVORS: 2}
DEDUCTION_CODES = {DeductionKind.SUPPLEMENTARY: 0, DeductionKind.LOAN: 1, DeductionKind.COURT_ORDER: 2}


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


def child_cutoff(month: JalaliMonth, max_age: int) -> dt.date:
    # Born after this day: not yet `max_age` on the month's first day (Jalali years, no calendar maths here).
    return JalaliMonth(month.year - max_age, month.month).first_day()


def family_of(awards: Awards, month: JalaliMonth, rates: pa.MonthRates) -> Family:
    """The family facts of every award's pensioner, aggregated per person in one query."""
    day, cutoff = month.first_day(), child_cutoff(month, rates.child_max_age)
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


def runs_before(month: JalaliMonth) -> np.ndarray:
    rows = PayrollRun.objects.filter(Q(year__lt=month.year) | Q(year=month.year, month__lt=month.month))
    return np.array([y * 12 + m - 1 for y, m in rows.values_list("year", "month")], np.int64)


def paid_before(month: JalaliMonth) -> dict[str, np.ndarray]:
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
