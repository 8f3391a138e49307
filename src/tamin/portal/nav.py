"""Who the signed-in user is, in words, and which portal pages their role opens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from tamin.accounts.permissions import allowed
from tamin.accounts.roles import STAFF_ROLES, Role

# Person search serves the roles whose scope holds other people's files.
SEARCH_ROLES = STAFF_ROLES


@dataclass(frozen=True)
class Link:
    url: str
    label: str


def role_label(user: Any) -> str:
    try:
        return str(Role(user.role).label)
    except ValueError:
        return "نقش ناشناخته"


def display_name(user: Any) -> str:
    """The name people know the account by: the person, the employer, the centre, else the user's own."""
    if user.role in (Role.INSURED, Role.PENSIONER) and user.person_id:
        return user.person.full_name
    if user.role == Role.EMPLOYER and user.employer_id:
        return user.employer.name
    if user.role == Role.PROVIDER and user.provider_name:
        return user.provider_name
    return user.get_full_name() or user.username


def menu(user: Any) -> list[Link]:
    links = [Link(reverse("portal:home"), "خانه")]
    if user.role in SEARCH_ROLES:
        links.append(Link(reverse("portal:person_search"), "جست‌وجوی شخص"))
    if allowed(user, "person.register"):
        links.append(Link(reverse("portal:person_register"), "ثبت شخص"))
    if allowed(user, "eligibility.check"):
        links.append(Link(reverse("portal:eligibility"), "استعلام پوشش درمانی"))
    if user.role in (Role.INSURED, Role.PENSIONER):
        links.append(Link(reverse("portal:history"), "سابقهٔ بیمه"))
    if user.role == Role.INSURED:
        links.append(Link(reverse("portal:estimate"), "برآورد مستمری"))
    if user.role in (Role.PENSIONER, Role.BRANCH_STAFF):
        links.append(Link(reverse("portal:slips"), "فیش مستمری"))
    if user.role == Role.INSURED:
        links.append(Link(reverse("portal:pension_conditions"), "شرایط بازنشستگی من"))
    if allowed(user, "claim.read"):
        links.append(Link(reverse("portal:claims"), "درخواست‌های مستمری"))
    if allowed(user, "debt.read"):
        links.append(Link(reverse("portal:statements"), "بدهی کارگاه‌ها"))
    if allowed(user, "objection.resolve"):
        links.append(Link(reverse("portal:objection_queue"), "اعتراض‌های سابقه"))
    if allowed(user, "wagelist.read"):
        links.append(Link(reverse("portal:wagelist_list"), "لیست‌های بیمه"))
    if allowed(user, "audit.read"):
        links.append(Link(reverse("portal:audit"), "رویدادهای ممیزی"))
    if user.is_staff:
        links.append(Link(reverse("admin:index"), "مدیریت"))
    return links
