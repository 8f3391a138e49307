"""A person's pension case from the registry and the insurance history, for the rules engine.

The engine (`tamin.rules.pensions`) works on columns; here the stored history becomes those columns. A
person may work in two workshops in one month: the month's days are summed and capped at the month's
length (a month cannot count more than itself), its wages summed, and it is hard work when any part is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from django.db.models import Sum

from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth
from tamin.records.models import HistoryMonth
from tamin.registry.models import Person, Sex
from tamin.rules.pensions import Histories, PersonCase


def histories(person_ids: Sequence[int]) -> Histories:
    """The histories of `person_ids` as one Histories; person k of the result is person_ids[k]."""
    position = {pk: k for k, pk in enumerate(person_ids)}
    rows = list(
        HistoryMonth.objects.filter(person_id__in=list(position))
        .values("person_id", "year", "month")
        .annotate(days=Sum("days"), wage=Sum("wage_subject"))
        .order_by()
    )
    hard_months = set(
        HistoryMonth.objects.filter(person_id__in=list(position), hard_job=True)
        .values_list("person_id", "year", "month")
        .distinct()
    )
    person = np.array([position[r["person_id"]] for r in rows], dtype=np.int64)
    months = [JalaliMonth(r["year"], r["month"]) for r in rows]
    days = np.array([min(int(r["days"]), m.days) for r, m in zip(rows, months, strict=True)], dtype=np.int64)
    return Histories.build(
        person,
        np.array([m.index for m in months], dtype=np.int64),
        days,
        np.array([int(r["wage"]) for r in rows], dtype=np.int64),
        np.array([(r["person_id"], r["year"], r["month"]) in hard_months for r in rows], dtype=bool),
        n=len(person_ids),
    )


def person_case(person: Person, on: dt.date, *, until: dt.date | None = None) -> PersonCase:
    """The facts the engine needs to decide `person`'s case on `on`, from the months recorded up to
    `on`'s month (or `until`'s, when a later date is asked about)."""
    if person.birth_date is None or person.sex not in (Sex.MALE, Sex.FEMALE):
        raise DomainError("case.person_incomplete", "تاریخ تولد یا جنسیت بیمه‌شده ثبت نشده است.", "person")
    h = histories([person.pk])
    last = JalaliMonth.of(until or on).index
    keep = h.month <= last
    h = Histories.build(h.person[keep], h.month[keep], h.days[keep], h.wage[keep], h.hard[keep], n=1)
    return PersonCase(person.sex == Sex.MALE, person.birth_date, on, h)
