"""What each user may see. Deny by default: a role or scope this module does not know gets nothing.

Every service and view that reads registry data starts from these querysets.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tamin.accounts.roles import NATIONWIDE_READ, Role
from tamin.registry.models import (
    Branch,
    County,
    Employer,
    Employment,
    FamilyRelation,
    Person,
    Province,
    Workshop,
)


def _role(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def provinces(user: Any) -> QuerySet[Province]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Province.objects.all()
    if role == Role.PROVINCE_MANAGER and user.province_id:
        return Province.objects.filter(pk=user.province_id)
    if role == Role.BRANCH_STAFF and user.branch_id:
        return Province.objects.filter(counties__branches=user.branch_id)
    # Provinces are public reference data, but only to signed-in users.
    if role is not None:
        return Province.objects.all()
    return Province.objects.none()


def counties(user: Any) -> QuerySet[County]:
    role = _role(user)
    if role is None:
        return County.objects.none()
    return County.objects.filter(province__in=provinces(user))


def branches(user: Any) -> QuerySet[Branch]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Branch.objects.all()
    if role == Role.PROVINCE_MANAGER and user.province_id:
        return Branch.objects.filter(county__province=user.province_id)
    if role == Role.BRANCH_STAFF and user.branch_id:
        return Branch.objects.filter(pk=user.branch_id)
    if role is not None:
        # Everyone may find a branch to visit; branch details beyond the name are not sensitive.
        return Branch.objects.all()
    return Branch.objects.none()


def workshops(user: Any) -> QuerySet[Workshop]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Workshop.objects.all()
    if role == Role.PROVINCE_MANAGER and user.province_id:
        return Workshop.objects.filter(branch__county__province=user.province_id)
    if role == Role.BRANCH_STAFF and user.branch_id:
        return Workshop.objects.filter(branch=user.branch_id)
    if role == Role.EMPLOYER and user.employer_id:
        return Workshop.objects.filter(employer=user.employer_id)
    if role in (Role.INSURED, Role.PENSIONER) and user.person_id:
        return Workshop.objects.filter(employments__person=user.person_id).distinct()
    return Workshop.objects.none()


def employers(user: Any) -> QuerySet[Employer]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Employer.objects.all()
    if role == Role.EMPLOYER and user.employer_id:
        return Employer.objects.filter(pk=user.employer_id)
    if role in (Role.PROVINCE_MANAGER, Role.BRANCH_STAFF):
        return Employer.objects.filter(workshops__in=workshops(user)).distinct()
    return Employer.objects.none()


def persons(user: Any) -> QuerySet[Person]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Person.objects.all()
    if role in (Role.INSURED, Role.PENSIONER) and user.person_id:
        return Person.objects.filter(pk=user.person_id)
    if role == Role.EMPLOYER and user.employer_id:
        # An employer sees the people who work or worked in its workshops, nobody else.
        return Person.objects.filter(employments__workshop__employer=user.employer_id).distinct()
    if role == Role.BRANCH_STAFF and user.branch_id:
        return _with_dependants(Q(branch=user.branch_id) | Q(employments__workshop__branch=user.branch_id))
    if role == Role.PROVINCE_MANAGER and user.province_id:
        return _with_dependants(
            Q(branch__county__province=user.province_id)
            | Q(employments__workshop__branch__county__province=user.province_id)
        )
    return Person.objects.none()


def _with_dependants(served: Q) -> QuerySet[Person]:
    """The people a branch serves and their family members, who are served through them."""
    base = Person.objects.filter(served).values("pk")
    return Person.objects.filter(Q(pk__in=base) | Q(relation_of__person__in=base)).distinct()


def employments(user: Any) -> QuerySet[Employment]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return Employment.objects.all()
    if role in (Role.INSURED, Role.PENSIONER) and user.person_id:
        return Employment.objects.filter(person=user.person_id)
    if role in (Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER):
        return Employment.objects.filter(workshop__in=workshops(user))
    return Employment.objects.none()


def family_relations(user: Any) -> QuerySet[FamilyRelation]:
    role = _role(user)
    if role in NATIONWIDE_READ:
        return FamilyRelation.objects.all()
    if role in (Role.INSURED, Role.PENSIONER) and user.person_id:
        return FamilyRelation.objects.filter(Q(person=user.person_id) | Q(relative=user.person_id))
    if role in (Role.BRANCH_STAFF, Role.PROVINCE_MANAGER):
        return FamilyRelation.objects.filter(person__in=persons(user))
    # Employers have no business with their workers' families.
    return FamilyRelation.objects.none()
