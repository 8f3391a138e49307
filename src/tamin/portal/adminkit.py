"""Shared pieces of the staff admin: Jalali columns, and read-only model admins bounded by scope.

Registry records are read in the admin but never written there: every write goes through a
registry service (portal form, API or batch), which validates it and records it in the audit chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from tamin.accounts.roles import STAFF_ROLES
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.templatetags.jalali import jdate, jdatetime


def jalali_column(attr: str, label: str, with_time: bool = False) -> Callable[[Any, Model], str]:
    """A changelist column showing a date field as Jalali with Persian digits, still sortable."""

    def column(self: Any, obj: Model) -> str:
        value = getattr(obj, attr)
        shown = jdatetime(value) if with_time and isinstance(value, dt.datetime) else jdate(value)
        return shown or "—"

    column.__name__ = f"{attr}_jalali"
    return admin.display(description=label, ordering=attr)(column)


def related_column(attr: str, label: str) -> Callable[[Any, Model], str]:
    """A foreign-key column under a Persian heading (several registry keys have no verbose name)."""

    def column(self: Any, obj: Model) -> str:
        value = getattr(obj, attr)
        return "—" if value is None else str(value)

    column.__name__ = f"{attr}_column"
    return admin.display(description=label, ordering=attr)(column)


def titled_filter(title: str) -> type[admin.RelatedFieldListFilter]:
    """A related-object filter with a Persian title instead of the field's own name."""

    class TitledFilter(admin.RelatedFieldListFilter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


def is_staff_user(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.role in STAFF_ROLES)


class NormalisedSearchMixin:
    """Staff type codes with Persian digits and Arabic ی/ک; the database holds the normal form."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = to_ascii_digits(normalize(search_term)) if search_term else search_term
        return super().get_search_results(request, queryset, term)  # type: ignore[misc]


class ScopedReadOnlyAdmin(NormalisedSearchMixin, admin.ModelAdmin):
    """Staff see the rows their scope holds; nobody adds, changes or deletes here."""

    # One of the `accounts.scope` functions, wrapped in staticmethod by the subclass.
    scoped_rows: Callable[[Any], QuerySet] | None = None
    # Counting a national table on every page is slow; the paginator's estimate is enough.
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = self.scoped_rows(request.user) if self.scoped_rows else self.model._default_manager.none()
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff_user(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_staff_user(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
