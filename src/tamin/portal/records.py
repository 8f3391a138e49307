"""One person's file and one workshop's file, as the portal shows them, read through the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.portal.queries import current, visible_person_ids, visible_workshop_ids
from tamin.registry.models import Person, Workshop

# Scope gives employers no family rows: better to leave the section out than show an empty family.
FAMILY_HIDDEN_ROLES = frozenset({Role.EMPLOYER})


def person_file(user: Any, person: Person, today: dt.date) -> dict[str, Any]:
    employments = list(
        scope.employments(user)
        .filter(person=person)
        .select_related("workshop", "workshop__branch")
        .order_by("-start_date")
    )
    running = set(current(scope.employments(user).filter(person=person), today).values_list("pk", flat=True))
    family = list(scope.family_relations(user).filter(person=person).select_related("relative"))
    supported_by = list(scope.family_relations(user).filter(relative=person).select_related("person"))
    people = {r.relative_id for r in family} | {r.person_id for r in supported_by}
    now = [e for e in employments if e.pk in running]
    before = [e for e in employments if e.pk not in running]
    return {
        "person": person,
        "current_employments": now,
        "past_employments": before,
        "employment_groups": [("کارگاه‌های فعلی", now), ("کارگاه‌های پیشین", before)],
        "family_visible": user.role not in FAMILY_HIDDEN_ROLES,
        "family": family,
        "supported_by": supported_by,
        "linked_persons": visible_person_ids(user, people),
        "linked_workshops": visible_workshop_ids(user, {e.workshop_id for e in employments}),
    }


def workshop_file(user: Any, workshop: Workshop, today: dt.date) -> dict[str, Any]:
    workers = list(
        current(scope.employments(user).filter(workshop=workshop), today)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    return {
        "workshop": workshop,
        "workers": workers,
        "linked_persons": visible_person_ids(user, {e.person_id for e in workers}),
    }
