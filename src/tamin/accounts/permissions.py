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
    # Sending a wage list (upload, manual entry, and checking one before sending): posting.IMPORTERS.
    "wagelist.submit": frozenset({Role.EMPLOYER, Role.BRANCH_STAFF, Role.ADMIN}),
    # debts and the insurance history (tamin.contributions.billing, tamin.records.services)
    "payment.record": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "objection.file": frozenset({Role.INSURED, Role.PENSIONER, Role.BRANCH_STAFF, Role.ADMIN}),
    "objection.resolve": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    # pension payroll (tamin.benefits.payroll): a month's run is headquarters' business; a deduction
    # (loan instalment, supplementary insurance, court order) is entered by the branch
    "payroll.run": frozenset({Role.ADMIN, Role.HQ_MANAGER}),
    "payroll.deduction": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    # pension claims (tamin.benefits.claims): the insured applies for themself, branch staff for anyone in
    # scope; a claim is prepared by one staff member (maker) and approved by another (checker).
    "claim.submit": frozenset({Role.INSURED, Role.BRANCH_STAFF, Role.ADMIN}),
    "claim.withdraw": frozenset({Role.INSURED, Role.BRANCH_STAFF, Role.ADMIN}),
    "claim.prepare": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "claim.approve": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "claim.reject": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    # relief: installments and forgiveness (tamin.relief). The employer (or branch staff for them) asks;
    # who decides depends on the debt's size (rules.installments.approval_level): the branch, the
    # province office or headquarters. A forgiveness campaign is national: nationwide roles apply it.
    "installment.request": frozenset({Role.EMPLOYER, Role.BRANCH_STAFF, Role.ADMIN}),
    "installment.decide": frozenset({Role.BRANCH_STAFF, Role.ADMIN}),
    "installment.decide.province": frozenset({Role.PROVINCE_MANAGER, Role.ADMIN}),
    "installment.decide.hq": frozenset({Role.HQ_MANAGER, Role.ADMIN}),
    "forgiveness.run": frozenset({Role.HQ_MANAGER, Role.ADMIN}),
    # end relief
}

READERS: dict[str, frozenset[str]] = {
    "audit.read": frozenset({Role.AUDITOR, Role.ADMIN}),
    # A list names every worker's wage: the employer's and the SSO's business, not the workers' peers'.
    "wagelist.read": frozenset(
        {Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN}
    ),
    "eligibility.check": frozenset(
        {Role.PROVIDER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.ADMIN}
    ),
    # a workshop's debt is the employer's business and the SSO's, not its workers'
    "debt.read": frozenset(
        {Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN}
    ),
    # pension claims: the person's own, and SSO staff within their scope; never the employer
    "claim.read": frozenset(
        {
            Role.INSURED,
            Role.PENSIONER,
            Role.BRANCH_STAFF,
            Role.PROVINCE_MANAGER,
            Role.HQ_MANAGER,
            Role.AUDITOR,
            Role.ADMIN,
        }
    ),
    # relief: installments and forgiveness — agreements and forgiven penalties are part of the debt
    "relief.read": frozenset(
        {Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN}
    ),
    # end relief
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
