"""API tokens: a user sees their own; staff revoke those of the people they serve."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from tamin.accounts import scope, services
from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.core.jalali import format_jalali
from tamin.registry.services.lookups import out_of_scope

router = Router(tags=["accounts"])


class TokenOut(Schema):
    id: int
    user: str
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @staticmethod
    def resolve_user(obj: ApiToken) -> str:
        return obj.user.username

    @staticmethod
    def resolve_prefix(obj: ApiToken) -> str:
        return obj.key_prefix

    @staticmethod
    def resolve_created_at(obj: ApiToken) -> str:
        return format_jalali(timezone.localdate(obj.created_at))

    @staticmethod
    def resolve_last_used_at(obj: ApiToken) -> str | None:
        return format_jalali(timezone.localdate(obj.last_used_at)) if obj.last_used_at else None

    @staticmethod
    def resolve_revoked_at(obj: ApiToken) -> str | None:
        return format_jalali(timezone.localdate(obj.revoked_at)) if obj.revoked_at else None


def _visible_tokens(user) -> object:
    qs = ApiToken.objects.select_related("user")
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.BRANCH_STAFF:
        return qs.filter(
            Q(user=user)
            | Q(user__role=Role.EMPLOYER, user__employer__in=scope.employers(user))
            | Q(user__role__in=[Role.INSURED, Role.PENSIONER], user__person__in=scope.persons(user))
        )
    return qs.filter(user=user)


@router.get("/tokens", response=list[TokenOut], summary="API tokens the caller may see")
def list_tokens(request: HttpRequest):
    return _visible_tokens(request.auth).order_by("-created_at")


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int):
    token = _visible_tokens(request.auth).filter(pk=token_id).first()
    if token is None:
        raise out_of_scope(request.auth, "token", "توکن", "id")
    return services.revoke_token(request.auth, token)
