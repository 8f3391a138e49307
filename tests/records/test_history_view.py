"""History as a view over the posted rows: a list row is a history month as posted, an accepted
objection overrides it (once), a corrected list replaces both."""

from __future__ import annotations

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.contributions import posting
from tamin.contributions.models import ListRow
from tamin.records import services
from tamin.records.models import HistoryMonth, Objection, RecordedMonth
from tests.contributions.db_factories import person_ids, priced, wage_list


def post(world, wl):
    return posting.post_list(
        world.users[Role.BRANCH_STAFF],
        wl,
        priced(wl),
        workshop=world.workshop_a,
        person_ids=person_ids(wl.rows["PER_NATCOD"].tolist()),
        hard_job=[True] + [False] * (wl.n - 1),
    )


def months(**kw):
    return list(
        HistoryMonth.objects.filter(**kw)
        .order_by("source_list_id", "source_row", "id")
        .values_list("person_id", "workshop_id", "year", "month", "days", "daily_wage", "wage",
                     "wage_subject", "job_code", "hard_job", "source_list_id", "source_row")
    )  # fmt: skip


def file_wrong(world, person, **kw):
    return services.file_objection(
        world.users[Role.BRANCH_STAFF], person, workshop=world.workshop_a, year=1404, month=2,
        kind="wrong", statement="روزهای کارکرد کمتر ثبت شده است", **kw,
    )  # fmt: skip


def test_each_posted_row_is_a_history_month_with_the_lists_workshop_and_month(world):
    wl = wage_list(world.workshop_a.code, n=4, days=20)
    cl = post(world, wl).contribution_list
    rows = ListRow.objects.filter(contribution_list=cl).order_by("row_no")
    expected = [
        (r.person_id, world.workshop_a.pk, 1404, 2, r.days, r.daily_wage, r.monthly_wage, r.wage_subject,
         r.job_code, r.hard_job, cl.pk, r.row_no)
        for r in rows
    ]  # fmt: skip
    assert months() == expected and len(expected) == 4
    assert [m[9] for m in expected] == [True, False, False, False]  # the hard-job flag as posted
    assert RecordedMonth.objects.count() == 0  # nothing copied
    one = HistoryMonth.objects.get(source_list=cl, source_row=2)
    assert one.id == rows[1].pk and one.recorded_id is None


def test_accepted_objection_overrides_the_list_row_once(world):
    wl = wage_list(world.workshop_a.code, n=3, days=20)
    cl = post(world, wl).contribution_list
    person = ListRow.objects.get(contribution_list=cl, row_no=2).person
    before = months(person=person)
    obj = file_wrong(world, person, claimed_days=31)
    assert obj.history_month is None  # a list row has no recorded month until corrected
    staff = world.users[Role.BRANCH_STAFF]
    services.resolve_objection(staff, obj, accept=True, reason="فیش حقوقی دیده شد", days=31,
                               wage_subject=400_000_000)  # fmt: skip
    now = months(person=person)
    assert len(now) == 1, "the override replaces the row in the history, not adds to it"
    assert now[0][4] == 31 and now[0][7] == 400_000_000
    assert now[0][10:] == (cl.pk, 2) and now[0][9] == before[0][9]  # source and hard-job flag kept
    override = RecordedMonth.objects.get()
    assert Objection.objects.get(pk=obj.pk).history_month_id == override.pk
    assert HistoryMonth.objects.get(person=person).recorded_id == override.pk
    entry = AuditEntry.objects.filter(action="history.correct").get()
    assert entry.before["days"] == 20 and entry.after["days"] == 31
    assert (entry.before["source_list"], entry.before["source_row"]) == (cl.pk, 2)
    # A second objection about the same month corrects the same override.
    again = file_wrong(world, person)
    assert again.history_month_id == override.pk
    services.resolve_objection(staff, again, accept=True, reason="اصلاح دوباره", days=30, wage_subject=1)
    assert RecordedMonth.objects.count() == 1 and months(person=person)[0][4] == 30
    # The other rows are untouched.
    assert len(months(source_list=cl)) == 3
    assert verify().ok


def test_corrected_list_replaces_the_rows_and_their_overrides(world):
    cl = post(world, wage_list(world.workshop_a.code, n=3, days=20)).contribution_list
    person = ListRow.objects.get(contribution_list=cl, row_no=1).person
    obj = file_wrong(world, person)
    services.resolve_objection(
        world.users[Role.BRANCH_STAFF], obj, accept=True, reason="پذیرفته", days=31, wage_subject=1
    )
    assert RecordedMonth.objects.count() == 1
    result = post(world, wage_list(world.workshop_a.code, n=5, days=25))
    assert result.status == "corrected"
    assert RecordedMonth.objects.count() == 0
    assert Objection.objects.get(pk=obj.pk).history_month_id is None  # the month it corrected is gone
    got = months(source_list=cl)
    assert len(got) == 5 and {m[4] for m in got} == {25}
    assert months(person=person)[0][4] == 25


def test_objection_about_a_list_row_gone_since_adds_the_month(world):
    """The list was corrected without the person between filing and resolving: accepting adds the
    month the staff found (as for a missing month) rather than failing."""
    cl = post(world, wage_list(world.workshop_a.code, n=3, days=20)).contribution_list
    person = ListRow.objects.get(contribution_list=cl, row_no=3).person
    post(world, wage_list(world.workshop_a.code, month=3, codes=[person.national_code]))  # stays in scope
    obj = file_wrong(world, person)
    post(world, wage_list(world.workshop_a.code, n=2, days=20))  # row 3's worker left the list
    assert [m[3] for m in months(person=person)] == [3]
    services.resolve_objection(
        world.users[Role.BRANCH_STAFF], obj, accept=True, reason="پذیرفته", days=31, wage_subject=9
    )
    recorded = RecordedMonth.objects.get()
    assert recorded.source_list_id is None and [m[3:5] for m in months(person=person, month=2)] == [(2, 31)]
