"""Read helpers for the portal. Each takes a queryset that already starts from `accounts.scope`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from tamin.accounts import scope
from tamin.registry.models import Employment


def current(employments: QuerySet[Employment], on: dt.date) -> QuerySet[Employment]:
    """Employments running on `on` (started, not yet ended)."""
    return employments.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


def count_by(rows: QuerySet[Any], field: str) -> dict[Any, int]:
    """Row counts grouped by `field`. Scoped querysets may be DISTINCT over joins, which would count
    a row once per join; going through the primary keys counts each row once."""
    base = rows.model._default_manager.filter(pk__in=rows.values("pk")).order_by()
    return {row[field]: row["n"] for row in base.values(field).annotate(n=Count("pk"))}


def visible_person_ids(user: Any, ids: Iterable[int]) -> set[int]:
    """Which of these people the user may open a page for, so only those get a link."""
    return set(scope.persons(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def visible_workshop_ids(user: Any, ids: Iterable[int]) -> set[int]:
    return set(scope.workshops(user).filter(pk__in=list(ids)).values_list("pk", flat=True))
