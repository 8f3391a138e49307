"""Reading a person's insurance history, and objections to it (file, accept, reject).

History counts calendar days: however many workshops report a person in a month, no more than that
month's days count (parameter `history.days_per_year` for the year; rules/parameters/records.yaml).
Reading is scoped (tamin.accounts.scope): a person sees their own history, branch staff the people
of their branch, an employer only the months its own workshops reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.audit.services import record, snapshot
from tamin.core import jalali
from tamin.core.errors import Conflict, DomainError, Forbidden, NotFound, ProblemList
from tamin.core.jalali import JalaliMonth
from tamin.records.models import HistoryMonth, Objection, ObjectionKind, ObjectionStatus, RecordedMonth
from tamin.registry.models import Person, Workshop
from tamin.rules.params import value as parameter

DAYS_PER_YEAR = "history.days_per_year"
RESOLVERS = frozenset({Role.BRANCH_STAFF, Role.ADMIN})


@dataclass(frozen=True)
class YearTotal:
    year: int
    days: int  # credited: each month capped at its calendar days
    reported_days: int  # as the lists reported them, summed over workshops
    wage_subject: int
    months: int


@dataclass(frozen=True)
class PersonHistory:
    person_id: int
    months: tuple[dict[str, Any], ...]
    years: tuple[YearTotal, ...]
    total_days: int
    total_years: int
    remaining_days: int
    days_per_year: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person_id,
            "months": list(self.months),
            "years": [y.__dict__ for y in self.years],
            "total_days": self.total_days,
            "total_years": self.total_years,
            "remaining_days": self.remaining_days,
            "days_per_year": self.days_per_year,
        }


def _visible_months(actor: Any, person: Person):
    if not scope.persons(actor).filter(pk=person.pk).exists():
        raise Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.")
    months = HistoryMonth.objects.filter(person=person)
    if getattr(actor, "role", None) == Role.EMPLOYER:
        # An employer knows what it reported, not what other employers did.
        months = months.filter(workshop__in=scope.workshops(actor))
    return months


def history(actor: Any, person: Person) -> PersonHistory:
    """The person's months (oldest first), yearly totals, total days and whole years of history."""
    rows = list(
        _visible_months(actor, person)
        .order_by("year", "month", "workshop__code", "id")
        .values_list("year", "month", "workshop__code", "days", "daily_wage", "wage", "wage_subject",
                     "job_code", "hard_job", "source_list_id", "source_row")
    )  # fmt: skip
    keys = ("year", "month", "workshop", "days", "daily_wage", "wage", "wage_subject", "job_code",
            "hard_job", "source_list", "source_row")  # fmt: skip
    months = tuple(dict(zip(keys, r, strict=True)) for r in rows)
    per_year = _year_totals(rows)
    total_days = sum(y.days for y in per_year)
    per_year_days = int(parameter(DAYS_PER_YEAR, jalali.today()))
    return PersonHistory(
        person.pk,
        months,
        per_year,
        total_days,
        total_days // per_year_days,
        total_days % per_year_days,
        per_year_days,
    )


def _year_totals(rows: list[tuple]) -> tuple[YearTotal, ...]:
    if not rows:
        return ()
    year = np.array([r[0] for r in rows], dtype=np.int64)
    month = np.array([r[1] for r in rows], dtype=np.int64)
    days = np.array([r[3] for r in rows], dtype=np.int64)
    subject = np.array([r[6] for r in rows], dtype=np.int64)
    key = year * 12 + month - 1
    months, inverse = np.unique(key, return_inverse=True)
    reported = np.zeros(len(months), dtype=np.int64)
    np.add.at(reported, inverse, days)
    calendar = np.array([JalaliMonth.from_index(int(k)).days for k in months.tolist()], dtype=np.int64)
    credited = np.minimum(reported, calendar)
    month_year = months // 12
    out = []
    for y in np.unique(month_year).tolist():
        pick = month_year == y
        out.append(
            YearTotal(
                year=y,
                days=int(credited[pick].sum()),
                reported_days=int(reported[pick].sum()),
                wage_subject=int(subject[year == y].sum()),
                months=int(pick.sum()),
            )
        )
    return tuple(out)


# --- objections --------------------------------------------------------------------------------------


def file_objection(
    actor: Any,
    person: Person,
    *,
    workshop: Workshop,
    year: int,
    month: int,
    kind: str,
    statement: str,
    claimed_days: int | None = None,
    claimed_wage: int | None = None,
) -> Objection:
    """A person (or branch staff on their behalf) objects to a missing or wrong month."""
    role = getattr(actor, "role", None)
    own = role in (Role.INSURED, Role.PENSIONER) and getattr(actor, "person_id", None) == person.pk
    staff = role in RESOLVERS and scope.persons(actor).filter(pk=person.pk).exists()
    if not getattr(actor, "is_authenticated", False) or not (own or staff):
        raise Forbidden("auth.forbidden", "فقط خود شخص یا کارمند شعبه می‌تواند اعتراض ثبت کند.")
    problems = ProblemList()
    try:
        JalaliMonth(year, month)
    except DomainError as err:
        problems.extend(err)
    if kind not in ObjectionKind.values:
        problems.add("objection.kind", "نوع اعتراض باید «missing» یا «wrong» باشد.", "kind")
    if not (statement or "").strip():
        problems.add("objection.statement", "شرح اعتراض را بنویسید.", "statement")
    if claimed_days is not None and not 0 < claimed_days <= 31:
        problems.add("objection.days", "روزهای ادعایی باید بین ۱ و ۳۱ باشد.", "claimed_days")
    if claimed_wage is not None and claimed_wage < 0:
        problems.add("objection.wage", "دستمزد ادعایی نمی‌تواند منفی باشد.", "claimed_wage")
    problems.raise_if_any()
    existing = HistoryMonth.objects.filter(person=person, workshop=workshop, year=year, month=month).first()
    if kind == ObjectionKind.WRONG and existing is None:
        raise NotFound(
            "objection.no_month", "چنین ماهی در سابقه نیست؛ اعتراض از نوع «ماه ثبت‌نشده» است.", "kind"
        )
    if kind == ObjectionKind.MISSING and existing is not None:
        raise Conflict(
            "objection.month_exists", "این ماه در سابقه ثبت شده است؛ اعتراض از نوع «نادرست» است.", "kind"
        )
    with transaction.atomic():
        obj = Objection.objects.create(
            person=person,
            workshop=workshop,
            year=year,
            month=month,
            kind=kind,
            # A list row has no RecordedMonth until an accepted objection corrects it.
            history_month_id=existing.recorded_id if existing is not None else None,
            claimed_days=claimed_days,
            claimed_wage=claimed_wage,
            statement=statement.strip(),
            filed_at=timezone.now(),
            filed_by_id=getattr(actor, "pk", None),
        )
        record(actor, "objection.file", obj, after=snapshot(obj))
    return obj


def resolve_objection(
    actor: Any,
    objection: Objection,
    *,
    accept: bool,
    reason: str,
    days: int | None = None,
    daily_wage: int | None = None,
    wage: int | None = None,
    wage_subject: int | None = None,
    job_code: str | None = None,
) -> Objection:
    """Branch staff accept (the history month is created or corrected) or reject (a reason is required).
    One audit entry for the objection, and one for the history month it changed, with before/after."""
    role = getattr(actor, "role", None)
    if not getattr(actor, "is_authenticated", False) or role not in RESOLVERS:
        raise Forbidden("auth.forbidden", "رسیدگی به اعتراض با کارمند شعبه است.")
    if not scope.persons(actor).filter(pk=objection.person_id).exists():
        raise Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.")
    problems = ProblemList()
    if not (reason or "").strip():
        problems.add("objection.reason", "دلیل یا شرح رسیدگی را بنویسید.", "reason")
    if accept:
        if days is None or not 0 < days <= JalaliMonth(objection.year, objection.month).days:
            problems.add("objection.days", "روزهای پذیرفته باید در بازهٔ روزهای آن ماه باشد.", "days")
        if wage_subject is None or wage_subject < 0:
            problems.add("objection.wage_subject", "دستمزد مشمول پذیرفته را وارد کنید.", "wage_subject")
    problems.raise_if_any()
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.OPEN:
            raise Conflict("objection.resolved", "به این اعتراض پیش‌تر رسیدگی شده است.", "status")
        before = snapshot(locked, ["status", "resolution", "history_month"])
        if accept:
            locked.history_month = _apply(actor, locked, days, daily_wage, wage, wage_subject, job_code)
        locked.status = ObjectionStatus.ACCEPTED if accept else ObjectionStatus.REJECTED
        locked.resolution = reason.strip()
        locked.resolved_at = timezone.now()
        locked.resolved_by_id = getattr(actor, "pk", None)
        locked.save()
        record(actor, f"objection.{locked.status}", locked, before=before,
               after=snapshot(locked, ["status", "resolution", "history_month"]))  # fmt: skip
    return locked


def _apply(
    actor: Any,
    obj: Objection,
    days: int | None,
    daily_wage: int | None,
    wage: int | None,
    wage_subject: int | None,
    job_code: str | None,
) -> RecordedMonth:
    assert days is not None and wage_subject is not None  # checked by the caller
    values = {
        "days": days,
        "daily_wage": daily_wage if daily_wage is not None else wage_subject // days,
        "wage": wage if wage is not None else wage_subject,
        "wage_subject": wage_subject,
    }
    if job_code is not None:
        values["job_code"] = job_code
    month = obj.history_month
    if month is None and obj.kind == ObjectionKind.WRONG:
        month = _override(obj)
    if month is None:
        month = RecordedMonth.objects.create(
            person_id=obj.person_id, workshop_id=obj.workshop_id, year=obj.year, month=obj.month, **values
        )
        record(actor, "history.add", month, after=snapshot(month) | {"objection": obj.pk})
        return month
    first = month.pk is None  # a list row's first correction: the override starts as the row says
    if not first:
        month = RecordedMonth.objects.select_for_update().get(pk=month.pk)
    before = snapshot(month, values)
    if first:
        before |= {"source_list": month.source_list_id, "source_row": month.source_row}
    for name, v in values.items():
        setattr(month, name, v)
    month.save(update_fields=None if first else list(values))
    record(
        actor, "history.correct", month, before=before, after=snapshot(month, values) | {"objection": obj.pk}
    )
    return month


def _override(obj: Objection) -> RecordedMonth | None:
    """The RecordedMonth overriding the list row the objection is about: one an earlier objection made,
    or an unsaved copy of the row as the history shows it; None if the row is gone (its list was
    corrected since)."""
    key = {"person_id": obj.person_id, "workshop_id": obj.workshop_id, "year": obj.year, "month": obj.month}
    made = RecordedMonth.objects.filter(**key, source_list__isnull=False).order_by("id").first()
    if made is not None:
        return made
    row = (
        HistoryMonth.objects.filter(**key, source_list__isnull=False, id__gt=0)
        .order_by("source_list_id", "source_row")
        .first()
    )  # fmt: skip
    if row is None:
        return None
    # Every column but the id: the view has the same ones.
    fields = [f.attname for f in RecordedMonth._meta.concrete_fields if not f.primary_key]
    return RecordedMonth(**{f: getattr(row, f) for f in fields})


def get_person_in_scope(actor: Any, national_code: str) -> Person:
    person = scope.persons(actor).filter(national_code=national_code).first()
    if person is None:
        raise NotFound("person.not_found", "شخصی با این کد ملی در حوزهٔ دسترسی شما نیست.", "national_code")
    return person
