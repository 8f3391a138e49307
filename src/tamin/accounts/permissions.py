"""Who may change what. Reading is governed by `scope`; this table governs writing."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from tamin.accounts.roles import Role
from tamin.core.errors import Forbidden

WRITERS: dict[str, frozenset[str]] = {
    "person.register": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "person.update": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "family.change": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "employer.register": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "workshop.register": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "workshop.update": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "employment.change": frozenset({Role.EMPLOYER, Role.BRANCH_STAFF, Role.ADMIN}),
    "token.revoke": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
}

READERS: dict[str, frozenset[str]] = {
    "audit.read": frozenset({Role.AUDITOR, Role.ADMIN}),
    "eligibility.check": frozenset(
        {Role.PROVIDER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.ADMIN}
    ),
}


def allowed(user: Any, action: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = WRITERS.get(action) or READERS.get(action) or frozenset()
    return user.role in roles


def require(user: Any, action: str, obj: Model | None = None, scope: QuerySet | None = None) -> None:
    """Refuse unless the role may do `action` and, when given, `obj` lies inside `scope`."""
    if not allowed(user, action):
        raise Forbidden("auth.forbidden", "شما اجازهٔ انجام این کار را ندارید.")
    if obj is not None and scope is not None and not scope.filter(pk=obj.pk).exists():
        raise Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.")
