"""The audit trail in the staff admin: readable by auditors and the admin, writable by nobody."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tamin.accounts.permissions import allowed
from tamin.audit.models import AuditEntry
from tamin.portal.adminkit import NormalisedSearchMixin, jalali_column


@admin.register(AuditEntry)
class AuditEntryAdmin(NormalisedSearchMixin, admin.ModelAdmin):
    list_display = ("seq", "at_jalali", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "actor_name", "action")
    readonly_fields = (
        "seq",
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "prev_hash",
        "hash",
    )
    ordering = ("-seq",)
    show_full_result_count = False
    at_jalali = jalali_column("at", "زمان", with_time=True)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return allowed(request.user, "audit.read")

    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return allowed(request.user, "audit.read")

    # Append-only: the model refuses changes too, but the admin should not even offer them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
