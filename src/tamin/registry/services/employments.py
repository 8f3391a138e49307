"""Who works where: an employment runs from its start date until it is ended."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from tamin.accounts import scope
from tamin.accounts.permissions import require
from tamin.audit.services import record, snapshot
from tamin.core.errors import Conflict, ProblemList
from tamin.registry.models import Employment, Person, Workshop, WorkshopStatus
from tamin.registry.services import validation as v


def start_employment(actor: Any, person: Person, workshop: Workshop, data: dict[str, Any]) -> Employment:
    require(actor, "employment.change", workshop, scope.workshops(actor))
    problems = ProblemList()
    start = v.clean_date(data.get("start_date"), "start_date", problems)
    job_code = v.clean_digits(data.get("job_code"), "job_code", problems, tuple(range(1, 7)))
    job_title = v.clean_text(data.get("job_title"), "job_title", problems, max_len=120, required=False)
    if workshop.status != WorkshopStatus.ACTIVE:
        problems.add("workshop.inactive", "کارگاه فعال نیست.", "workshop")
    if start and start < workshop.opened_on:
        problems.add("employment.before_workshop", "شروع کار پیش از آغاز کارگاه است.", "start_date")
    if start and start < person.birth_date:
        problems.add("employment.before_birth", "شروع کار پیش از تولد است.", "start_date")
    if person.death_date is not None:
        problems.add("person.deceased", "این شخص فوت کرده است.", "national_code")
    problems.raise_if_any()
    assert start is not None
    with transaction.atomic():
        clash = Employment.objects.filter(person=person, workshop=workshop).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start)
        )
        if clash.exists():
            raise Conflict("employment.overlap", "این شخص در این بازه در همین کارگاه شاغل است.", "start_date")
        employment = Employment.objects.create(
            person=person, workshop=workshop, start_date=start, job_code=job_code, job_title=job_title
        )
        record(actor, "employment.start", employment, after=snapshot(employment))
    return employment


def end_employment(actor: Any, employment: Employment, end_date: object) -> Employment:
    require(actor, "employment.change", employment.workshop, scope.workshops(actor))
    problems = ProblemList()
    end = v.clean_date(end_date, "end_date", problems)
    if employment.end_date is not None:
        problems.add("employment.ended", "این اشتغال پیش‌تر پایان یافته است.", "end_date")
    if end and end < employment.start_date:
        problems.add("date.order", "پایان کار پیش از شروع آن است.", "end_date")
    problems.raise_if_any()
    assert isinstance(end, dt.date)
    with transaction.atomic():
        before = snapshot(employment, ["end_date"])
        employment.end_date = end
        employment.save(update_fields=["end_date"])
        record(actor, "employment.end", employment, before=before, after=snapshot(employment, ["end_date"]))
    return employment
