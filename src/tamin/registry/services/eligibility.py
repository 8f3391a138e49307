"""Is this person covered today, and through whom? The answer a treatment centre gets.

Coverage here is the registry's view: an insured person with a current employment, or a family
member of one. The health module refines it (booklet validity after work stops, pensioners).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from tamin.accounts.permissions import require
from tamin.core.idcodes import normalize_national_code
from tamin.registry.models import Employment, FamilyRelation, Person


@dataclass(frozen=True)
class Eligibility:
    national_code: str
    covered: bool
    basis: str  # "main" | "dependent" | "none" | "unknown"
    through: str | None  # the main insured's national code, for a dependent
    on: dt.date
    reason: str


def _working(person_ids: list[int], on: dt.date) -> set[int]:
    active = Employment.objects.filter(person__in=person_ids, start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    return set(active.values_list("person_id", flat=True))


def check(actor: Any, national_code: str, on: dt.date | None = None) -> Eligibility:
    require(actor, "eligibility.check")
    code = normalize_national_code(national_code)
    on = on or dt.date.today()
    person = Person.objects.filter(national_code=code).first()
    if person is None:
        return Eligibility(code, False, "unknown", None, on, "این کد ملی در سامانه ثبت نیست.")
    if person.death_date is not None and person.death_date <= on:
        return Eligibility(code, False, "none", None, on, "شخص فوت کرده است.")
    if person.insurance_number and _working([person.pk], on):
        return Eligibility(code, True, "main", None, on, "بیمه‌شدهٔ اصلی با اشتغال جاری.")
    relations = FamilyRelation.objects.filter(relative=person, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    mains = dict(relations.values_list("person_id", "person__national_code"))
    covered_mains = _working(list(mains), on)
    if covered_mains:
        through = mains[min(covered_mains)]
        return Eligibility(code, True, "dependent", through, on, "تحت تکفل بیمه‌شدهٔ اصلی.")
    return Eligibility(code, False, "none", None, on, "پوشش درمانی جاری ندارد.")
