"""The demo's pension claims: insured near retirement with a legacy history, a claim submitted, one
prepared awaiting another member of staff, one rejected with the engine's reasons; deterministic."""

from __future__ import annotations

import datetime as dt

import pytest

from tamin.accounts.models import User
from tamin.audit import triggers
from tamin.benefits import claims
from tamin.benefits.models import ClaimStatus, PensionAward, PensionClaim
from tamin.core.errors import Forbidden
from tamin.demo.build import BuildOptions, build, clear_population
from tamin.demo.claims import CLAIMANTS
from tamin.records.models import HistoryMonth
from tamin.registry.models import Person

REFERENCE = dt.date(2025, 10, 1)  # 1404/07/09


def _build(seed: int = 7):
    return build(BuildOptions(scale=0.0005, seed=seed, province="18", today=REFERENCE, payroll_months=1))


@pytest.fixture
def demo(db):
    return _build()


def _snapshot():
    return (
        sorted(
            PensionClaim.objects.values_list(
                "person__national_code", "person__insurance_number", "status", "application_date", "result"
            )
        ),
        HistoryMonth.objects.filter(source_list__isnull=True).count(),
    )


def test_claimants_and_their_claims(demo):
    assert demo.counts["claimants"] == 4 and demo.counts["pension_claims"] == 3
    staff = User.objects.get(username="demo-branch_staff")
    admin = User.objects.get(username="demo-admin")
    people = {
        c.last: Person.objects.get(national_code__startswith="98765", first_name=c.first, last_name=c.last)
        for c in CLAIMANTS
    }
    assert len(people) == 4 and all(p.branch_id == staff.branch_id for p in people.values())
    # 35 years, 30, 31 and 27 of legacy months (no source list), ending 1404/06
    months = {
        name: HistoryMonth.objects.filter(person=p, source_list__isnull=True).count()
        for name, p in people.items()
    }
    assert months == {"کاظمی": 420, "رحیمی": 360, "مرادی": 372, "یزدانی": 324}
    last = HistoryMonth.objects.filter(person=people["کاظمی"]).order_by("-year", "-month").first()
    assert (last.year, last.month) == (1404, 6)

    by = {c.person.last_name: c for c in PensionClaim.objects.select_related("person")}
    assert {c.person_id for c in by.values()} <= {p.pk for p in people.values()}
    assert set(by) == {"کاظمی", "رحیمی", "یزدانی"}
    prepared = by["کاظمی"]
    assert prepared.status == ClaimStatus.PREPARED and prepared.prepared_by == staff
    assert prepared.result["eligible"] and prepared.result["case"] == "full_service"
    assert by["رحیمی"].status == ClaimStatus.SUBMITTED and by["رحیمی"].result["eligible"]
    rejected = by["یزدانی"]
    assert rejected.status == ClaimStatus.REJECTED and not rejected.result["eligible"]
    assert rejected.rejection_reason == "؛ ".join(r["message"] for r in rejected.result["reasons"])
    # Javad meets the conditions and has not applied
    assert claims.check_conditions(people["مرادی"], REFERENCE)["eligible"]
    assert all(p.registered_at.date() <= REFERENCE for p in people.values())

    # the demo's maker cannot approve; the admin can
    awards = PensionAward.objects.count()
    with pytest.raises(Forbidden):
        claims.approve(staff, prepared)
    approved = claims.approve(admin, prepared)
    assert approved.award.base_amount == prepared.result["pension"] > 0
    assert PensionAward.objects.count() == awards + 1


def test_deterministic(db):
    _build()
    first = _snapshot()
    with triggers.suspended():
        clear_population(audit=True)
    assert not PensionClaim.objects.exists()
    _build()
    assert _snapshot() == first
