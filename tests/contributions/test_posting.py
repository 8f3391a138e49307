"""Posting a priced list: new, unchanged, corrected (اصلاحی), supplementary (مکمل), all-or-nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.contributions import posting
from tamin.contributions.models import Bill, ContributionList, ListRow
from tamin.core.errors import Forbidden
from tamin.records.models import HistoryMonth, RecordedMonth
from tamin.registry.models import Person
from tests.contributions.db_factories import national_codes, priced, wage_list


def persons_for(codes: list[str]) -> np.ndarray:
    Person.objects.bulk_create(
        [
            Person(
                national_code=c,
                first_name="علی",
                last_name="کارگر",
                birth_date=dt.date(1986, 3, 21),
                sex="male",
            )
            for c in codes
            if not Person.objects.filter(national_code=c).exists()
        ]
    )
    ids = dict(Person.objects.filter(national_code__in=codes).values_list("national_code", "id"))
    return np.array([ids[c] for c in codes], dtype=np.int64)


def post(world, wl, actor=..., **kw):
    codes = wl.rows["PER_NATCOD"].tolist()
    return posting.post_list(
        world.users[Role.BRANCH_STAFF] if actor is ... else actor,
        wl,
        priced(wl),
        workshop=world.workshop_a,
        person_ids=persons_for(codes),
        **kw,
    )


def test_post_writes_rows_history_bill_and_one_audit_entry(world):
    wl = wage_list(world.workshop_a.code, n=4)
    price = priced(wl)
    audits = AuditEntry.objects.count()
    result = post(world, wl)
    assert result.status == "posted"
    cl = result.contribution_list
    assert cl.rows == 4 and ListRow.objects.filter(contribution_list=cl).count() == 4
    assert cl.total_days == int(wl.column("DSW_DD").sum()) > 0
    rows = list(ListRow.objects.filter(contribution_list=cl).order_by("row_no"))
    assert [r.row_no for r in rows] == [1, 2, 3, 4]
    assert [r.insured_share for r in rows] == price.rows["insured_share"].tolist()
    assert rows[0].first_name == "علی" and rows[0].national_code == wl.rows["PER_NATCOD"][0]
    history = HistoryMonth.objects.filter(source_list=cl).order_by("source_row")
    assert history.count() == 4
    assert [h.wage_subject for h in history] == price.rows["wage_subject"].tolist()
    assert {(h.year, h.month, h.days) for h in history} == {(1404, 2, 31)}
    bill = Bill.objects.get(contribution_list=cl)
    expected = sum(
        price.totals[k] for k in ("insured_share", "employer_share", "unemployment_share", "hard_job_share")
    )
    assert bill.amount == expected == price.totals["total_due"]
    assert bill.state_share == price.totals["state_share"] > 0  # recorded, not billed
    # The list's entry, and the employments its rows opened (tamin.contributions.employments).
    assert AuditEntry.objects.count() == audits + 2
    sync, entry = AuditEntry.objects.order_by("-seq")[:2][::-1]
    assert sync.action == "employment.from_lists"
    assert entry.action == "wagelist.posted" and entry.after["bill"]["amount"] == bill.amount
    assert verify().ok


def test_same_content_again_changes_nothing(world):
    wl = wage_list(world.workshop_a.code)
    first = post(world, wl)
    audits = AuditEntry.objects.count()
    again = post(world, wage_list(world.workshop_a.code))
    assert again.status == "unchanged"
    assert again.contribution_list.pk == first.contribution_list.pk
    assert ContributionList.objects.count() == 1 and ListRow.objects.count() == 3
    assert HistoryMonth.objects.count() == 3 and AuditEntry.objects.count() == audits


def test_corrected_list_replaces_rows_and_history_and_bill_shows_difference(world):
    first = post(world, wage_list(world.workshop_a.code, n=3))
    old_amount = first.bill.amount
    corrected = wage_list(world.workshop_a.code, n=5)  # two workers were missing
    result = post(world, corrected)
    assert result.status == "corrected"
    cl = result.contribution_list
    assert cl.pk == first.contribution_list.pk and cl.version == 2
    assert ListRow.objects.filter(contribution_list=cl).count() == 5
    assert HistoryMonth.objects.filter(source_list=cl).count() == 5
    bill = Bill.objects.get(pk=first.bill.pk)
    assert bill.previous_amount == old_amount and bill.amount == priced(corrected).totals["total_due"]
    assert bill.difference == bill.amount - old_amount > 0 and bill.version == 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "wagelist.corrected"
    assert entry.before["rows"] == 3 and entry.after["rows"] == 5
    assert entry.before["bill_amount"] == old_amount and entry.after["bill"]["difference"] == bill.difference


def test_other_list_number_is_supplementary(world):
    post(world, wage_list(world.workshop_a.code, n=2))
    extra = wage_list(world.workshop_a.code, list_no="02", codes=national_codes(710_456_000, 2))
    result = post(world, extra)
    assert result.status == "supplementary"
    assert ContributionList.objects.filter(workshop=world.workshop_a, year=1404, month=2).count() == 2
    assert HistoryMonth.objects.count() == 4 and Bill.objects.count() == 2


def test_failure_midway_leaves_no_trace(world, monkeypatch):
    audits = AuditEntry.objects.count()

    def boom(cl):
        assert ListRow.objects.filter(contribution_list=cl).count() == 3  # rows were written
        raise RuntimeError("crash after rows")

    monkeypatch.setattr(posting, "after_rows_hook", boom)
    with pytest.raises(RuntimeError):
        post(world, wage_list(world.workshop_a.code))
    assert ContributionList.objects.count() == 0 and ListRow.objects.count() == 0
    assert HistoryMonth.objects.count() == 0 and Bill.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_rows_are_written_set_based(world):
    """The number of queries does not grow with the number of rows."""
    counts = []
    for i, n in enumerate((5, 400)):
        wl = wage_list(world.workshop_a.code, month=3 + i, codes=national_codes(720_456_000 + 1000 * i, n))
        ids = persons_for(wl.rows["PER_NATCOD"].tolist())
        price = priced(wl)
        with CaptureQueriesContext(connection) as ctx:
            posting.post_list(
                world.users[Role.BRANCH_STAFF], wl, price, workshop=world.workshop_a, person_ids=ids
            )
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert ListRow.objects.count() == 405 and HistoryMonth.objects.count() == 405


def test_text_with_tabs_and_backslashes_survives(world):
    wl = wage_list(world.workshop_a.code, n=2)
    wl.rows["DSW_OCP"] = np.array(["تراش\tکار\\ارشد", "خط\nدوم"])
    post(world, wl)
    assert list(ListRow.objects.order_by("row_no").values_list("job_title", flat=True)) == [
        "تراش\tکار\\ارشد",
        "خط\nدوم",
    ]


def test_a_row_naming_no_person_is_refused(world):
    """No database foreign key on the rows' persons (see ListRow): post_list checks them itself."""
    wl = wage_list(world.workshop_a.code, n=2)
    ids = persons_for(wl.rows["PER_NATCOD"].tolist())
    ids[1] = ids.max() + 1000
    with pytest.raises(IntegrityError, match="1 of the rows' person ids name no registered person"):
        posting.post_list(
            world.users[Role.BRANCH_STAFF], wl, priced(wl), workshop=world.workshop_a, person_ids=ids
        )
    assert ContributionList.objects.count() == ListRow.objects.count() == HistoryMonth.objects.count() == 0


def test_bulk_insert_writes_null(world):
    """A masked value, or None in an object column, is NULL (on both databases)."""
    wl = wage_list(world.workshop_a.code, n=3)
    cl = post(world, wl).contribution_list
    person = ListRow.objects.filter(contribution_list=cl).order_by("row_no")[0].person_id
    with transaction.atomic():
        posting.bulk_insert(
            RecordedMonth._meta.db_table,
            {
                "person_id": np.full(3, person, dtype=np.int64),
                "workshop_id": np.full(3, world.workshop_a.pk, dtype=np.int64),
                "year": np.array([1404, 1404, 1404]),
                "month": np.array([1, 2, 3]),
                "days": np.array([31, 31, 31]),
                "daily_wage": np.array([10, 20, 30]),
                "wage": np.array([310, 620, 930]),
                "wage_subject": np.array([310, 620, 930]),
                "job_code": np.array(["۱\t۲", "", "x"], dtype=object),
                "hard_job": np.array([True, False, True]),
                "source_list_id": np.ma.masked_array([cl.pk, 0, cl.pk], mask=[False, True, False]),
                "source_row": np.array([1, None, None], dtype=object),
            },
        )
    got = list(
        RecordedMonth.objects.order_by("month").values_list("source_list_id", "source_row", "hard_job")
    )
    assert got == [(cl.pk, 1, True), (None, None, False), (cl.pk, None, True)]
    codes = list(RecordedMonth.objects.order_by("month").values_list("job_code", flat=True))
    assert codes == ["۱\t۲", "", "x"]


def test_scope_deny_by_default(world):
    wl = wage_list(world.workshop_a.code)
    with pytest.raises(Forbidden):
        post(world, wl, actor=world.staff_b)  # another branch
    with pytest.raises(Forbidden):
        post(world, wl, actor=world.users[Role.INSURED])
    with pytest.raises(Forbidden):
        post(world, wl, actor=None)
    assert post(world, wl, actor=world.users[Role.EMPLOYER]).status == "posted"  # its own workshop
    assert ContributionList.objects.get().posted_by == world.users[Role.EMPLOYER]


def test_content_hash_ignores_layout_but_not_content(world):
    a = wage_list(world.workshop_a.code)
    b = wage_list(world.workshop_a.code)
    assert posting.content_hash(a) == posting.content_hash(b)
    b.rows["DSW_DD"] = b.rows["DSW_DD"].copy()
    b.rows["DSW_DD"][1] = 30
    assert posting.content_hash(a) != posting.content_hash(b)
