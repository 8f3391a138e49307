"""An insured person's own coverage, for their home page.

`registry.services.check_eligibility` is kept for providers and staff; the insured are not in its
permission row, and widening that row would let them query anybody. Their own answer comes from
the same decision rules, applied to the one person their scope holds.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from tamin.registry.models import FamilyRelation, Person
from tamin.registry.services.eligibility import Eligibility, _working


def own_coverage(person: Person, on: dt.date) -> Eligibility:
    # Mirrors registry.services.eligibility.check after its permission check; keep the two in step.
    code = person.national_code
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
        return Eligibility(code, True, "dependent", mains[min(covered_mains)], on, "تحت تکفل بیمه‌شدهٔ اصلی.")
    return Eligibility(code, False, "none", None, on, "پوشش درمانی جاری ندارد.")


BASIS_LABELS = {
    "main": "بیمه‌شدهٔ اصلی",
    "dependent": "افراد تحت تکفل",
    "none": "بدون پوشش",
    "unknown": "ناشناخته در سامانه",
}
