"""Family relations (spouse, child, parent) of an insured person, each valid between two dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from tamin.accounts import scope
from tamin.accounts.permissions import require
from tamin.audit.services import record, snapshot
from tamin.core.errors import Conflict, ProblemList
from tamin.registry.models import FamilyRelation, Person, RelationKind
from tamin.registry.services import validation as v


def add_family_relation(
    actor: Any,
    person: Person,
    relative: Person,
    kind: str,
    valid_from: object,
    valid_to: object = None,
) -> FamilyRelation:
    require(actor, "family.change", person, scope.persons(actor))
    problems = ProblemList()
    if kind not in RelationKind.values:
        problems.add("relation.kind", "نسبت باید همسر، فرزند یا پدر/مادر باشد.", "kind")
    start = v.clean_date(valid_from, "valid_from", problems, not_future=False)
    end = v.clean_date(valid_to, "valid_to", problems, required=False, not_future=False)
    if person.pk == relative.pk:
        problems.add("relation.self", "شخص نمی‌تواند خویشاوند خودش باشد.", "relative")
    if start and end and end < start:
        problems.add("date.order", "پایان نسبت پیش از آغاز آن است.", "valid_to")
    if kind == RelationKind.CHILD and relative.birth_date <= person.birth_date:
        problems.add("relation.child_age", "فرزند باید پس از والد به دنیا آمده باشد.", "relative")
    if kind == RelationKind.PARENT and relative.birth_date >= person.birth_date:
        problems.add("relation.parent_age", "پدر یا مادر باید پیش از فرزند به دنیا آمده باشد.", "relative")
    if start and start < relative.birth_date:
        problems.add("relation.before_birth", "نسبت نمی‌تواند پیش از تولد خویشاوند آغاز شود.", "valid_from")
    problems.raise_if_any()
    assert start is not None
    with transaction.atomic():
        overlapping = FamilyRelation.objects.filter(person=person, relative=relative, kind=kind).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        )
        if end is not None:
            overlapping = overlapping.filter(valid_from__lte=end)
        if overlapping.exists():
            raise Conflict("relation.overlap", "این نسبت در همین بازه پیش‌تر ثبت شده است.", "valid_from")
        relation = FamilyRelation.objects.create(
            person=person, relative=relative, kind=kind, valid_from=start, valid_to=end
        )
        record(actor, "family.add", relation, after=snapshot(relation))
    return relation


def end_family_relation(actor: Any, relation: FamilyRelation, valid_to: object) -> FamilyRelation:
    require(actor, "family.change", relation.person, scope.persons(actor))
    problems = ProblemList()
    end = v.clean_date(valid_to, "valid_to", problems, not_future=False)
    if end and end < relation.valid_from:
        problems.add("date.order", "پایان نسبت پیش از آغاز آن است.", "valid_to")
    if relation.valid_to is not None:
        problems.add("relation.ended", "این نسبت پیش‌تر پایان یافته است.", "valid_to")
    problems.raise_if_any()
    assert isinstance(end, dt.date)
    with transaction.atomic():
        before = snapshot(relation, ["valid_to"])
        relation.valid_to = end
        relation.save(update_fields=["valid_to"])
        record(actor, "family.end", relation, before=before, after=snapshot(relation, ["valid_to"]))
    return relation
