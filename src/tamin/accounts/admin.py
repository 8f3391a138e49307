"""Users and API tokens in the staff admin. Only the admin role manages users; every change to a
user and every token revocation is written to the audit chain with the change itself."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from tamin.accounts.models import ApiToken, User
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.accounts.services import revoke_token
from tamin.audit.services import record, snapshot
from tamin.core.errors import DomainError
from tamin.core.text import to_persian_digits
from tamin.portal.adminkit import NormalisedSearchMixin, jalali_column, related_column

# What the audit chain keeps of a user: never the password hash.
AUDITED_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "person",
    "employer",
    "branch",
    "province",
    "provider_name",
    "is_active",
)
ROLE_AND_SCOPE = ("role", "person", "employer", "branch", "province", "provider_name")


# A user's role decides what they may do; Django's groups would be a second, unaudited way to grant rights.
with contextlib.suppress(NotRegistered):
    admin.site.unregister(Group)


def _may_manage_users(request: HttpRequest) -> bool:
    return allowed(request.user, "user.manage")


@admin.register(User)
class UserAdmin(NormalisedSearchMixin, DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "scope_display", "is_active", "last_login_jalali")
    list_select_related = ("person", "employer", "branch", "province")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "=person__national_code", "employer__name")
    ordering = ("username",)
    autocomplete_fields = ("person", "employer")
    # Groups and per-user permissions are not used: the role decides, and `save` derives is_staff from it.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("مشخصات", {"fields": ("first_name", "last_name", "email")}),
        ("نقش و حوزهٔ دسترسی", {"fields": ROLE_AND_SCOPE}),
        ("وضعیت", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("نقش و حوزهٔ دسترسی", {"classes": ("wide",), "fields": ROLE_AND_SCOPE}),
    )
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ()
    last_login_jalali = jalali_column("last_login", "آخرین ورود", with_time=True)

    @admin.display(description="نام")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name() or "—"

    @admin.display(description="حوزه")
    def scope_display(self, obj: User) -> str:
        scoped = obj.scope_object
        if scoped is not None:
            return str(scoped)
        return obj.provider_name or "—"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage_users(request)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return _may_manage_users(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_manage_users(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return _may_manage_users(request)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Audit entries point at users; a user who leaves is deactivated, never deleted.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The admin's change view runs inside a transaction, so the entry commits with the change.
        before = snapshot(User.objects.get(pk=obj.pk), AUDITED_USER_FIELDS) if change else None
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "user.update" if change else "user.create",
            obj,
            before=before,
            after=snapshot(obj, AUDITED_USER_FIELDS),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # A redirect after POST is Django's sign that the new password was saved.
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                record(request.user, "user.password", user, after={"username": user.username})
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(NormalisedSearchMixin, admin.ModelAdmin):
    list_display = (
        "key_prefix",
        "name",
        "user_column",
        "created_at_jalali",
        "last_used_at_jalali",
        "revoked_at_jalali",
        "revoked_by_column",
    )
    list_select_related = ("user", "revoked_by")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "user__role")
    search_fields = ("key_prefix", "user__username", "name")
    # The digest is left out: it is no secret, but nobody needs it on a screen.
    fields = ("key_prefix", "name", "user", "created_at", "last_used_at", "revoked_at", "revoked_by")
    readonly_fields = fields
    ordering = ("-created_at",)
    actions = ("revoke",)
    user_column = related_column("user", "کاربر")
    revoked_by_column = related_column("revoked_by", "باطل‌کننده")
    created_at_jalali = jalali_column("created_at", "صدور", with_time=True)
    last_used_at_jalali = jalali_column("last_used_at", "آخرین استفاده", with_time=True)
    revoked_at_jalali = jalali_column("revoked_at", "ابطال", with_time=True)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.role == Role.ADMIN

    def has_view_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return self.has_module_permission(request)

    # Tokens are issued by `tamin token` (the raw token is shown once there) and never edited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request) and allowed(request.user, "token.revoke")

    @admin.action(description="ابطال توکن", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.select_related("user").filter(revoked_at__isnull=True):
            try:
                revoke_token(request.user, token)
            except DomainError as err:
                self.message_user(request, f"{token.key_prefix}…: {err.message}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, f"{to_persian_digits(revoked)} توکن باطل شد.", messages.SUCCESS)
