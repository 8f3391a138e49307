"""Issuing and revoking API tokens, and creating users; each change is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tamin.accounts import scope
from tamin.accounts.models import ApiToken, User
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.audit.services import record
from tamin.core.errors import DomainError, Forbidden


def _token_view(token: ApiToken) -> dict[str, Any]:
    return {
        "user": token.user.username,
        "prefix": token.key_prefix,
        "name": token.name,
        "revoked_at": token.revoked_at,
    }


def issue_token(actor: Any, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    if not user.is_active:
        raise DomainError("user.inactive", "این کاربر غیرفعال است.", "username")
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name)
        record(actor, "token.issue", token, after=_token_view(token))
    return token, raw


def _may_revoke(actor: Any, token: ApiToken) -> bool:
    if token.user_id == getattr(actor, "pk", None) or getattr(actor, "role", None) == Role.ADMIN:
        return True
    if not allowed(actor, "token.revoke"):
        return False
    # Branch staff revoke the tokens of the employers and insured people they serve.
    owner = token.user
    if owner.role == Role.EMPLOYER and owner.employer_id:
        return scope.employers(actor).filter(pk=owner.employer_id).exists()
    if owner.role in (Role.INSURED, Role.PENSIONER) and owner.person_id:
        return scope.persons(actor).filter(pk=owner.person_id).exists()
    return False


def revoke_token(actor: Any, token: ApiToken) -> ApiToken:
    if actor is not None and not _may_revoke(actor, token):
        raise Forbidden("auth.forbidden", "شما اجازهٔ ابطال این توکن را ندارید.")
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        before = _token_view(token)
        token.revoked_at = timezone.now()
        token.revoked_by = actor if getattr(actor, "pk", None) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        record(actor, "token.revoke", token, before=before, after=_token_view(token))
    return token


def create_user(actor: Any, username: str, role: str, password: str, **scope_fields: Any) -> User:
    if role not in Role.values:
        raise DomainError("user.role", "نقش ناشناخته است.", "role")
    if User.objects.filter(username=username).exists():
        raise DomainError("user.duplicate", "این نام کاربری پیش‌تر ثبت شده است.", "username")
    with transaction.atomic():
        user = User(username=username, role=role, **scope_fields)
        user.set_password(password)
        user.save()
        record(
            actor,
            "user.create",
            user,
            after={
                "username": username,
                "role": role,
                **{k: getattr(v, "pk", v) for k, v in scope_fields.items()},
            },
        )
    return user
