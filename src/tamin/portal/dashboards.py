"""The home page of each role: a template and its context, every figure counted from the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from tamin.accounts import scope
from tamin.accounts.models import User
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core import jalali
from tamin.portal.audit_log import latest_entries
from tamin.portal.coverage import BASIS_LABELS, own_coverage
from tamin.portal.forms import NationalCodeForm
from tamin.portal.queries import count_by, current
from tamin.portal.records import person_file
from tamin.portal.views.history import history_summary
from tamin.portal.views.statements import debt_summary
from tamin.registry.models import WorkshopStatus

Dashboard = tuple[str, dict[str, Any]]
EMPTY: Dashboard = ("portal/home/unknown.html", {})


@dataclass(frozen=True)
class Tally:
    """One row of a management table."""

    label: str
    code: str
    workshops: int
    current_employments: int
    registered_persons: int
    note: str = ""


def insured(user: Any) -> Dashboard:
    person = scope.persons(user).first()
    if person is None:
        return EMPTY
    today = jalali.today()
    coverage = own_coverage(person, today)
    return "portal/home/insured.html", {
        **person_file(user, person, today),
        "history_summary": history_summary(user, person),
        "coverage": coverage,
        "coverage_basis": BASIS_LABELS.get(coverage.basis, coverage.basis),
    }


def pensioner(user: Any) -> Dashboard:
    person = scope.persons(user).first()
    if person is None:
        return EMPTY
    return "portal/home/pensioner.html", {
        **person_file(user, person, jalali.today()),
        "history_summary": history_summary(user, person),
    }


def employer(user: Any) -> Dashboard:
    identity = scope.employers(user).select_related("person").first()
    if identity is None:
        return EMPTY
    workshops = list(scope.workshops(user).select_related("branch").order_by("code"))
    workers = count_by(current(scope.employments(user), jalali.today()), "workshop")
    rows = [(w, workers.get(w.pk, 0)) for w in workshops]
    return "portal/home/employer.html", {
        "employer": identity,
        "workshop_rows": rows,
        "debt": debt_summary(user),
    }


def provider(user: Any) -> Dashboard:
    return "portal/home/provider.html", {"form": NationalCodeForm()}


def branch_staff(user: Any) -> Dashboard:
    # Every signed-in user may list branches, so the scope alone would hand a branchless clerk some
    # other branch: the clerk's own branch is the one on their account.
    branch = scope.branches(user).select_related("county__province").filter(pk=user.branch_id).first()
    if branch is None:
        return EMPTY
    persons = scope.persons(user).filter(branch=branch)
    by_status = count_by(scope.workshops(user), "status")
    return "portal/home/branch_staff.html", {
        "branch": branch,
        "registered_persons": persons.count(),
        "workshops_by_status": [(label, by_status.get(value, 0)) for value, label in WorkshopStatus.choices],
        "current_employments": current(scope.employments(user), jalali.today()).count(),
        "recent": list(persons.order_by("-registered_at")[:10]),
        "search_form": NationalCodeForm(),
    }


def _tallies(user: Any, rows: list[tuple[Any, str, str, str]], path: str) -> list[Tally]:
    """Counts per branch or province; `path` is how a workshop reaches the grouping row."""
    workshops = count_by(scope.workshops(user), path)
    jobs = count_by(current(scope.employments(user), jalali.today()), f"workshop__{path}")
    persons = count_by(scope.persons(user), path)
    return [
        Tally(label, code, workshops.get(key, 0), jobs.get(key, 0), persons.get(key, 0), note)
        for key, label, code, note in rows
    ]


def _totals(tallies: list[Tally]) -> Tally:
    return Tally(
        "جمع",
        "",
        sum(t.workshops for t in tallies),
        sum(t.current_employments for t in tallies),
        sum(t.registered_persons for t in tallies),
    )


def province_manager(user: Any) -> Dashboard:
    province = scope.provinces(user).filter(pk=user.province_id).first()
    if province is None:
        return EMPTY
    branches = scope.branches(user).order_by("code")
    tallies = _tallies(user, [(b.pk, b.name_fa, b.code, "") for b in branches], "branch")
    return "portal/home/province_manager.html", {
        "province": province,
        "tallies": tallies,
        "totals": _totals(tallies),
    }


def hq_manager(user: Any) -> Dashboard:
    provinces = scope.provinces(user).order_by("code")
    rows = [(p.pk, p.name_fa, p.code, str(p.sso_type) if p.sso_type else "") for p in provinces]
    tallies = _tallies(user, rows, "branch__county__province")
    return "portal/home/hq_manager.html", {"tallies": tallies, "totals": _totals(tallies)}


def auditor(user: Any) -> Dashboard:
    return "portal/home/auditor.html", {"entries": latest_entries(user)}


def admin(user: Any) -> Dashboard:
    counts = [
        ("اشخاص", scope.persons(user).count(), reverse("admin:registry_person_changelist")),
        ("کارفرمایان", scope.employers(user).count(), reverse("admin:registry_employer_changelist")),
        ("کارگاه‌ها", scope.workshops(user).count(), reverse("admin:registry_workshop_changelist")),
        (
            "اشتغال‌های جاری",
            current(scope.employments(user), jalali.today()).count(),
            reverse("admin:registry_employment_changelist"),
        ),
    ]
    if allowed(user, "user.manage"):
        counts.append(("کاربران", User.objects.count(), reverse("admin:accounts_user_changelist")))
    if allowed(user, "audit.read"):
        counts.append(
            ("رویدادهای ممیزی", AuditEntry.objects.count(), reverse("admin:audit_auditentry_changelist"))
        )
    return "portal/home/admin.html", {"counts": counts}


BUILDERS: dict[str, Callable[[Any], Dashboard]] = {
    Role.INSURED: insured,
    Role.PENSIONER: pensioner,
    Role.EMPLOYER: employer,
    Role.PROVIDER: provider,
    Role.BRANCH_STAFF: branch_staff,
    Role.PROVINCE_MANAGER: province_manager,
    Role.HQ_MANAGER: hq_manager,
    Role.AUDITOR: auditor,
    Role.ADMIN: admin,
}
