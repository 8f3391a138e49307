"""Insurance history month by month: yearly totals, calendar-day cap, scope, objections."""

from __future__ import annotations

import pytest

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.errors import Conflict, DomainError, Forbidden, NotFound
from tamin.records import services
from tamin.records.models import HistoryMonth, Objection, RecordedMonth
from tamin.registry.models import Workshop


def month(person, workshop, year, m, days, subject=100_000_000):
    return RecordedMonth.objects.create(
        person=person,
        workshop=workshop,
        year=year,
        month=m,
        days=days,
        daily_wage=subject // days,
        wage=subject,
        wage_subject=subject,
        job_code="722301",
    )


@pytest.fixture
def second_workshop(world):
    return Workshop.objects.create(
        code=f"{world.branch_a.code}3630002",
        name="دوم",
        address="تهران",
        branch=world.branch_a,
        activity_code="363",
        activity="تراشکاری",
        employer=world.employer_b,
        opened_on=world.workshop_a.opened_on,
    )


def test_history_totals_cap_each_month_at_its_calendar_days(world, second_workshop):
    w = world.worker_a
    for m in range(1, 13):
        month(w, world.workshop_a, 1402, m, 31 if m <= 6 else 30 if m < 12 else 29)
    month(w, second_workshop, 1402, 1, 31)  # a second employer the same month adds money, not days
    month(w, world.workshop_a, 1403, 1, 10)
    h = services.history(world.users[Role.BRANCH_STAFF], w)
    y1402, y1403 = h.years
    assert (y1402.year, y1402.days, y1402.reported_days, y1402.months) == (1402, 365, 396, 12)
    assert y1402.wage_subject == 13 * 100_000_000
    assert (y1403.days, h.total_days, h.total_years, h.remaining_days) == (10, 375, 1, 10)
    assert len(h.months) == 14 and h.as_dict()["days_per_year"] == 365


def test_history_is_scoped(world, second_workshop):
    month(world.worker_a, world.workshop_a, 1403, 1, 31)
    month(world.worker_a, second_workshop, 1403, 2, 31)  # reported by employer B's workshop
    assert len(services.history(world.users[Role.INSURED], world.worker_a).months) == 2
    employer_view = services.history(world.users[Role.EMPLOYER], world.worker_a)
    assert [m["workshop"] for m in employer_view.months] == [world.workshop_a.code]
    for actor in (world.insured_b, world.staff_b, world.users[Role.PROVIDER], None):
        with pytest.raises(Forbidden):
            services.history(actor, world.worker_a)


def test_objection_missing_month_accepted_adds_history_and_is_audited(world):
    obj = services.file_objection(
        world.users[Role.INSURED],
        world.worker_a,
        workshop=world.workshop_a,
        year=1403,
        month=5,
        kind="missing",
        statement="در این ماه کار کرده‌ام",
        claimed_days=31,
        claimed_wage=120_000_000,
    )
    assert obj.status == "open"
    staff = world.users[Role.BRANCH_STAFF]
    with pytest.raises(Forbidden):
        services.resolve_objection(world.staff_b, obj, accept=True, reason="x", days=31, wage_subject=1)
    with pytest.raises(Forbidden):
        services.resolve_objection(
            world.users[Role.INSURED], obj, accept=True, reason="x", days=31, wage_subject=1
        )
    with pytest.raises(DomainError):
        services.resolve_objection(staff, obj, accept=True, reason="بررسی شد", days=32, wage_subject=1)
    audits = AuditEntry.objects.count()
    done = services.resolve_objection(
        staff, obj, accept=True, reason="فیش حقوقی دیده شد", days=31, wage_subject=120_000_000
    )
    assert done.status == "accepted" and done.history_month.days == 31
    assert HistoryMonth.objects.filter(person=world.worker_a, year=1403, month=5).count() == 1
    actions = list(AuditEntry.objects.filter(seq__gt=audits).values_list("action", flat=True))
    assert actions == ["history.add", "objection.accepted"]
    with pytest.raises(Conflict):
        services.resolve_objection(staff, obj, accept=False, reason="دوباره")


def test_objection_wrong_month_corrected_with_before_after(world):
    hm = month(world.worker_a, world.workshop_a, 1403, 3, 10, subject=50_000_000)
    obj = services.file_objection(
        world.users[Role.BRANCH_STAFF],
        world.worker_a,
        workshop=world.workshop_a,
        year=1403,
        month=3,
        kind="wrong",
        statement="۳۱ روز کار کرده‌ام",
    )
    assert obj.history_month == hm
    services.resolve_objection(
        world.users[Role.BRANCH_STAFF], obj, accept=True, reason="اصلاح شد", days=31, wage_subject=150_000_000
    )
    hm.refresh_from_db()
    assert (hm.days, hm.wage_subject) == (31, 150_000_000)
    entry = AuditEntry.objects.get(action="history.correct")
    assert entry.before["days"] == 10 and entry.after["days"] == 31


def test_objection_rejected_needs_a_reason_and_filing_is_checked(world):
    with pytest.raises(NotFound):  # nothing to call wrong
        services.file_objection(
            world.users[Role.INSURED],
            world.worker_a,
            workshop=world.workshop_a,
            year=1403,
            month=1,
            kind="wrong",
            statement="x",
        )
    with pytest.raises(Forbidden):  # someone else's history
        services.file_objection(
            world.insured_b,
            world.worker_a,
            workshop=world.workshop_a,
            year=1403,
            month=1,
            kind="missing",
            statement="x",
        )
    obj = services.file_objection(
        world.users[Role.INSURED],
        world.worker_a,
        workshop=world.workshop_a,
        year=1403,
        month=1,
        kind="missing",
        statement="x",
    )
    with pytest.raises(DomainError):
        services.resolve_objection(world.users[Role.BRANCH_STAFF], obj, accept=False, reason=" ")
    done = services.resolve_objection(
        world.users[Role.BRANCH_STAFF], obj, accept=False, reason="سابقه‌ای در کارگاه نیست"
    )
    assert done.status == "rejected" and not HistoryMonth.objects.exists()
    assert Objection.objects.get().resolution == "سابقه‌ای در کارگاه نیست"
