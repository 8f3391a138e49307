"""Employments kept from posted wage lists (tamin.contributions.employments), worked cases.

Months used: Farvardin 1404 starts 2025-03-21, Ordibehesht 1404 (31 days) starts 2025-04-21, Khordad
1404 starts 2025-05-22, Tir 1404 starts 2025-06-22, Mordad 1404 starts 2025-07-23.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.contributions import batch, employments, posting
from tamin.contributions.employments import NONE, OPEN, _Jobs, _Rows
from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.registry.models import Employment, Person
from tamin.registry.services.employments import start_employment
from tests.contributions.db_factories import national_codes, person_ids, priced, wage_list

CODES = national_codes(730_100_000, 6)


def _list(workshop, month: int, codes: list[str], sdate=None, edate=None, list_no: str = "01"):
    """A list for `month` of 1404; sdate / edate map a national code to the DSW_SDATE / DSW_EDATE text."""
    wl = wage_list(workshop.code, 1404, month, codes=codes, list_no=list_no)
    wl.rows["DSW_SDATE"] = np.array([(sdate or {}).get(c, "") for c in codes])
    wl.rows["DSW_EDATE"] = np.array([(edate or {}).get(c, "") for c in codes])
    return wl


def _item(workshop, wl) -> batch.BatchItem:
    return batch.BatchItem(wl, priced(wl), workshop, person_ids(wl.rows["PER_NATCOD"].tolist()))


def _post(world, workshop, wl):
    it = _item(workshop, wl)
    return posting.post_list(
        world.users[Role.ADMIN], it.wl, it.price, workshop=workshop, person_ids=it.person_ids
    )


def _jobs(code: str, workshop) -> list[tuple[str, str | None]]:
    """(start, end) in Jalali of the person's employments at the workshop, oldest first."""
    return [
        (format_jalali(e.start_date), format_jalali(e.end_date) or None)
        for e in Employment.objects.filter(person__national_code=code, workshop=workshop).order_by(
            "start_date"
        )
    ]


def _sync_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=employments.AUDIT_ACTION).order_by("seq"))


def test_a_new_worker_gets_an_employment_from_the_first_day_of_the_month(world):
    w = world.workshop_a
    result = _post(world, w, _list(w, 2, CODES[:2]))
    assert _jobs(CODES[0], w) == [("1404/02/01", None)]
    assert _jobs(CODES[1], w) == [("1404/02/01", None)]
    e = Employment.objects.get(person__national_code=CODES[0], workshop=w)
    assert e.start_date == dt.date(2025, 4, 21) and e.end_date is None
    assert (e.job_code, e.job_title, e.hard_job) == ("722301", "کارگر ساده", False)
    [entry] = _sync_entries()
    assert entry.after["created"] == 2 and entry.after["closed"] == 0 and entry.after["removed"] == 0
    assert entry.after["rows"] == 2 and entry.after["list_ids"] == [[result.contribution_list.pk] * 2]
    created = sorted(
        Employment.objects.filter(workshop=w, person__national_code__in=CODES).values_list("id", flat=True)
    )
    assert entry.after["created_ids"] == [[created[0], created[1]]]
    # The sync's entry comes before the list's own entry, inside the same transaction; the chain holds.
    last_two = list(AuditEntry.objects.order_by("-seq")[:2])
    assert [e.action for e in last_two] == ["wagelist.posted", employments.AUDIT_ACTION]
    assert verify().ok


def test_start_date_counts_only_inside_the_month(world):
    w = world.workshop_a
    sdate = {
        CODES[0]: "14040210",  # hired on the 10th
        CODES[1]: "14030510",  # a date of another month: the month's first day
        CODES[2]: "1404021",  # malformed
        CODES[3]: "0",  # what some generators write for "no date"
        CODES[4]: "1404/02/31",  # separated form, last day of the month
    }
    _post(world, w, _list(w, 2, CODES[:5], sdate=sdate))
    assert _jobs(CODES[0], w) == [("1404/02/10", None)]
    assert _jobs(CODES[1], w) == [("1404/02/01", None)]
    assert _jobs(CODES[2], w) == [("1404/02/01", None)]
    assert _jobs(CODES[3], w) == [("1404/02/01", None)]
    assert _jobs(CODES[4], w) == [("1404/02/31", None)]
    assert Employment.objects.get(person__national_code=CODES[0], workshop=w).start_date == dt.date(
        2025, 4, 30
    )


def test_a_leaving_date_closes_the_open_employment(world):
    w = world.workshop_a
    _post(world, w, _list(w, 2, CODES[:3]))
    edate = {CODES[0]: "14040315", CODES[1]: "14040415", CODES[2]: "garbage"}  # only the first is in Khordad
    _post(world, w, _list(w, 3, CODES[:3], edate=edate))
    assert _jobs(CODES[0], w) == [("1404/02/01", "1404/03/15")]
    assert _jobs(CODES[1], w) == [("1404/02/01", None)]
    assert _jobs(CODES[2], w) == [("1404/02/01", None)]
    entry = _sync_entries()[-1]
    closed = Employment.objects.get(person__national_code=CODES[0], workshop=w)
    assert (
        entry.after["closed"] == 1
        and entry.after["closed_ids"] == [closed.pk]
        and entry.after["created"] == 0
    )


def test_hired_and_left_in_the_same_month(world):
    w = world.workshop_a
    both = {CODES[0]: "14040205"}
    _post(world, w, _list(w, 2, CODES[:2], sdate=both, edate={CODES[0]: "14040220", CODES[1]: "14040201"}))
    assert _jobs(CODES[0], w) == [("1404/02/05", "1404/02/20")]
    assert _jobs(CODES[1], w) == [("1404/02/01", "1404/02/01")]
    # A leaving date before the row's own start date is not a leaving date.
    _post(world, w, _list(w, 3, CODES[2:3], sdate={CODES[2]: "14040320"}, edate={CODES[2]: "14040310"}))
    assert _jobs(CODES[2], w) == [("1404/03/20", None)]


def test_a_return_after_a_gap_is_a_new_employment(world):
    w = world.workshop_a
    _post(world, w, _list(w, 2, CODES[:1], edate={CODES[0]: "14040220"}))
    _post(world, w, _list(w, 3, CODES[1:2]))  # not listed in Khordad
    _post(world, w, _list(w, 4, CODES[:1], sdate={CODES[0]: "14040405"}))
    assert _jobs(CODES[0], w) == [("1404/02/01", "1404/02/20"), ("1404/04/05", None)]
    # Listed again the month after leaving without a start date: new from the month's first day.
    _post(world, w, _list(w, 3, CODES[2:3], edate={CODES[2]: "14040310"}, list_no="02"))
    _post(world, w, _list(w, 4, CODES[2:3], list_no="02"))
    assert _jobs(CODES[2], w) == [("1404/03/01", "1404/03/10"), ("1404/04/01", None)]


def test_the_same_worker_at_two_workshops_has_two_employments(world):
    a, b = world.workshop_a, world.workshop_b
    _post(world, a, _list(a, 2, CODES[:1]))
    _post(world, b, _list(b, 2, CODES[:1], sdate={CODES[0]: "14040215"}))
    assert _jobs(CODES[0], a) == [("1404/02/01", None)]
    assert _jobs(CODES[0], b) == [("1404/02/15", None)]


def test_reposting_changes_nothing(world):
    w = world.workshop_a
    wl = _list(w, 2, CODES[:3], sdate={CODES[0]: "14040210"}, edate={CODES[1]: "14040225"})
    first = _post(world, w, wl)
    state = sorted(Employment.objects.values_list("id", "person_id", "workshop_id", "start_date", "end_date"))
    audits = AuditEntry.objects.count()
    again = _post(
        world, w, _list(w, 2, CODES[:3], sdate={CODES[0]: "14040210"}, edate={CODES[1]: "14040225"})
    )
    assert again.status == "unchanged"
    # Syncing the same list again directly: nothing to do, no audit entry.
    with transaction.atomic():
        changes = employments.sync_from_lists(world.users[Role.ADMIN], [first.contribution_list.pk])
    assert changes.as_dict() == {"rows": 3, "created": 0, "closed": 0, "removed": 0} and not changes.changed
    after = sorted(Employment.objects.values_list("id", "person_id", "workshop_id", "start_date", "end_date"))
    assert after == state and AuditEntry.objects.count() == audits


def test_staff_employment_is_only_closed_by_a_list(world):
    w = world.workshop_a
    staff = world.users[Role.BRANCH_STAFF]
    person_ids(CODES[:1])
    person = Person.objects.get(national_code=CODES[0])
    job = start_employment(staff, person, w, {"start_date": "1404/01/15", "job_code": "811101"})
    Employment.objects.filter(pk=job.pk).update(hard_job=True)  # certified by the commission
    # The list says hired on 1404/02/05 and gives another job code: the staff record stands.
    _post(world, w, _list(w, 2, CODES[:1], sdate={CODES[0]: "14040205"}))
    job.refresh_from_db()
    assert _jobs(CODES[0], w) == [("1404/01/15", None)]
    assert (job.job_code, job.hard_job) == ("811101", True)
    # A leaving date closes it, and nothing else of it changes.
    _post(world, w, _list(w, 3, CODES[:1], edate={CODES[0]: "14040310"}))
    job.refresh_from_db()
    assert _jobs(CODES[0], w) == [("1404/01/15", "1404/03/10")]
    assert (job.job_code, job.hard_job, job.start_date) == ("811101", True, dt.date(2025, 4, 4))
    # The fixture's employment of worker_a (since 2012) is covered: nothing created, nothing changed.
    _post(world, w, _list(w, 4, [world.worker_a.national_code]))
    assert list(
        Employment.objects.filter(person=world.worker_a, workshop=w).values_list("start_date", "end_date")
    ) == [(dt.date(2012, 4, 1), None)]


def test_a_correction_removes_only_what_the_dropped_rows_made(world):
    w = world.workshop_a
    staff = world.users[Role.BRANCH_STAFF]
    c0, c1, c2, c3 = CODES[:4]
    _post(world, w, _list(w, 1, [c0]))  # c0 employed since Farvardin
    person_ids([c3])
    # c3's hire on 1404/02/10 entered by staff; c3 is on no list at all.
    start_employment(staff, Person.objects.get(national_code=c3), w, {"start_date": "1404/02/10"})
    first = _post(world, w, _list(w, 2, [c0, c1, c2], sdate={c1: "14040205"}))
    _post(world, w, _list(w, 3, [c2]))  # c2 is also on Khordad's list
    assert _jobs(c1, w) == [("1404/02/05", None)]
    audits = AuditEntry.objects.count()
    corrected = _post(world, w, _list(w, 2, [c0]))  # the correction drops c1 and c2
    assert corrected.status == "corrected" and corrected.contribution_list.pk == first.contribution_list.pk
    assert _jobs(c0, w) == [("1404/01/01", None)]  # earlier months: as they are
    assert _jobs(c1, w) == []  # made by the withdrawn row only: removed
    assert _jobs(c2, w) == [("1404/02/01", None)]  # Khordad's row still supports it
    assert _jobs(c3, w) == [("1404/02/10", None)]  # entered by staff
    entry = _sync_entries()[-1]
    assert entry.after["removed"] == 1 and entry.after["created"] == 0
    assert [r["start_date"] for r in entry.before["removed"]] == ["2025-04-25"]
    assert AuditEntry.objects.count() == audits + 2  # the sync's entry and the list's
    # Posting the correction again: unchanged; the original back again: c1 gets an employment again.
    assert _post(world, w, _list(w, 2, [c0])).status == "unchanged"
    _post(world, w, _list(w, 2, [c0, c1, c2], sdate={c1: "14040205"}))
    assert _jobs(c1, w) == [("1404/02/05", None)]
    assert verify().ok


def test_a_late_list_for_an_earlier_month_ends_before_the_later_employment(world):
    w = world.workshop_a
    _post(world, w, _list(w, 4, CODES[:1], sdate={CODES[0]: "14040410"}))
    _post(world, w, _list(w, 2, CODES[:1]))  # Ordibehesht arrives late
    assert _jobs(CODES[0], w) == [("1404/02/01", "1404/04/09"), ("1404/04/10", None)]
    _post(world, w, _list(w, 3, CODES[:1]))  # Khordad is covered by the first
    assert len(_jobs(CODES[0], w)) == 2


# --- batch path ----------------------------------------------------------------------------------------


def _scenario(world) -> list[batch.BatchItem]:
    a, b = world.workshop_a, world.workshop_b
    c = CODES
    return [
        _item(a, _list(a, 2, c[:4], sdate={c[1]: "14040210"}, edate={c[2]: "14040215"})),
        _item(b, _list(b, 2, c[2:5])),
        _item(a, _list(a, 2, c[4:6], list_no="02", edate={c[4]: "14040220"})),  # supplementary
        _item(a, _list(a, 3, c[:3], edate={c[0]: "14040305"})),  # c[2] returns after leaving in Ordibehesht
        _item(a, _list(a, 5, c[:2], sdate={c[0]: "14040503"})),  # c[0] returns in Mordad
        _item(a, _list(a, 4, c[1:3], edate={c[2]: "14040420"})),  # a late list, out of order
        _item(
            b,
            _list(
                b, 3, [c[3], world.worker_b.national_code], edate={world.worker_b.national_code: "14040311"}
            ),
        ),
    ]


def _employments() -> list[tuple]:
    person = dict(Person.objects.values_list("id", "national_code"))
    return sorted(
        (person[p], w, s, e, code, title, hard)
        for p, w, s, e, code, title, hard in Employment.objects.values_list(
            "person_id", "workshop_id", "start_date", "end_date", "job_code", "job_title", "hard_job"
        )
    )


class _Undo(Exception):
    pass


def _run_and_undo(fn):
    captured = {}
    try:
        with transaction.atomic():
            fn()
            captured["state"] = _employments()
            captured["sync"] = sorted(e.after["created"] for e in _sync_entries())
            raise _Undo
    except _Undo:
        pass
    return captured


def test_batch_path_equals_one_by_one(world):
    actor = world.users[Role.ADMIN]
    items = _scenario(world)

    def one_by_one():
        for it in items:
            posting.post_list(actor, it.wl, it.price, workshop=it.workshop, person_ids=it.person_ids)

    def batched():
        batch.post_batch(actor, items)
        assert verify().ok

    single = _run_and_undo(one_by_one)
    together = _run_and_undo(batched)
    assert together["state"] == single["state"]
    a, b = world.workshop_a.pk, world.workshop_b.pk
    d = parse_jalali_date
    c = CODES
    title = "کارگر ساده"
    expected = {
        (c[0], a, d("1404/02/01"), d("1404/03/05")),
        (c[0], a, d("1404/05/03"), None),
        (c[1], a, d("1404/02/10"), None),
        (c[2], a, d("1404/02/01"), d("1404/02/15")),
        (c[2], a, d("1404/03/01"), d("1404/04/20")),
        (c[3], a, d("1404/02/01"), None),
        (c[4], a, d("1404/02/01"), d("1404/02/20")),
        (c[5], a, d("1404/02/01"), None),
        (c[2], b, d("1404/02/01"), None),
        (c[3], b, d("1404/02/01"), None),
        (c[4], b, d("1404/02/01"), None),
    }
    made = {t[:4] for t in together["state"] if t[0] in c}
    assert made == expected
    assert all(t[4:] == ("722301", title, False) for t in together["state"] if t[0] in c)
    # worker_b's employment from the fixture (2018, open) is closed by Khordad's leaving date.
    assert (world.worker_b.national_code, b, dt.date(2018, 4, 1), d("1404/03/11"), "811101", "", False) in (
        together["state"]
    )
    assert together["sync"] == [11]  # one entry for the batch's new lists
    assert sum(single["sync"]) == 11 and len(single["sync"]) == 7


def test_sync_is_set_based(world):
    """The number of queries does not grow with the number of rows or lists."""
    w = world.workshop_a
    counts = []
    for i, n in enumerate((3, 300)):
        wl = wage_list(w.code, 1404, 2 + i, codes=national_codes(740_000_000 + 1000 * i, n))
        pk = _post_without_sync(world, w, wl)
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            changes = employments.sync_from_lists(world.users[Role.ADMIN], [pk])
        assert changes.created == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _post_without_sync(world, workshop, wl) -> int:
    real = employments.sync_from_lists
    try:
        employments.sync_from_lists = lambda actor, ids: employments.EmploymentChanges()  # type: ignore[assignment]
        return _post(world, workshop, wl).contribution_list.pk
    finally:
        employments.sync_from_lists = real  # type: ignore[assignment]


# --- the two deciding paths agree ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_column_path_equals_row_walk(seed):
    """Pairs alone in a call are decided over columns; the row walk must decide them the same."""
    rng = np.random.default_rng(seed)
    n = 300
    base = dt.date(2025, 3, 21).toordinal()
    month = rng.integers(0, 6, n)
    first = base + month * 31
    last = first + 30
    sd = np.where(rng.random(n) < 0.3, first + rng.integers(0, 31, n), first)
    ed = np.where(rng.random(n) < 0.3, first + rng.integers(0, 31, n), NONE)
    ed = np.where(ed >= sd, ed, NONE)
    person = rng.permutation(n).astype(np.int64) + 1  # one row per pair
    workshop = rng.integers(1, 4, n).astype(np.int64)
    text = np.full(n, "x")
    rows = _Rows(person, workshop, first, last, sd, ed, text, text)
    # Existing employments: up to two per pair, not overlapping, some open.
    jp, jw, js, je = [], [], [], []
    for i in range(n):
        t = base - 100 + int(rng.integers(0, 150))
        for _ in range(int(rng.integers(0, 3))):
            end = t + int(rng.integers(0, 120))
            is_open = rng.random() < 0.4
            jp.append(person[i])
            jw.append(workshop[i])
            js.append(t)
            je.append(OPEN if is_open else end)
            if is_open:
                break
            t = end + 1 + int(rng.integers(0, 90))
    jobs = _Jobs(
        np.arange(1, len(jp) + 1, dtype=np.int64),
        np.array(jp, dtype=np.int64),
        np.array(jw, dtype=np.int64),
        np.array(js, dtype=np.int64),
        np.array(je, dtype=np.int64),
    )
    key = employments._keys(person, workshop)
    every = np.arange(n)
    col = employments._decide_single(rows, every, key, jobs)
    walk = employments._decide_walk(rows, every, key, jobs)

    def norm(d):
        return sorted(zip(d.row.tolist(), d.start.tolist(), d.end.tolist(), strict=True))

    assert norm(col) == norm(walk) and col.closes == walk.closes
    assert len(col.row) > 10 and len(col.closes) > 5  # the seeds exercise both outcomes


def test_audit_entry_is_json_of_counts(world):
    w = world.workshop_a
    _post(world, w, _list(w, 2, CODES[:2]))
    entry = _sync_entries()[-1]
    assert json.loads(json.dumps(entry.after))["lists"] == 1
    assert entry.actor_id == world.users[Role.ADMIN].pk


# --- rows taken from memory (post_batch) are the rows read back ----------------------------------------


def _tricky_items(world) -> list[batch.BatchItem]:
    a, b = world.workshop_a, world.workshop_b
    c = CODES
    first = _list(
        a, 2, c[:4], sdate={c[0]: "1404/02/10", c[1]: "0", c[2]: "1404021099999"}, edate={c[3]: "14040215"}
    )
    first.rows["DSW_OCP"] = np.array(["ک" * 150, "کارگر ساده", "", "  نگهبان  "])
    first.rows["DSW_JOB"] = np.array([" 722301 ", "7223019999", "", "811101"])
    wb = world.worker_b.national_code
    second = _list(b, 3, [c[3], wb], edate={wb: "14040311"})
    return [_item(a, first), _item(b, second), _item(a, _list(a, 2, c[4:6], list_no="02"))]


def _post_batch_without_sync(world, items) -> list[int]:
    real = employments.sync_from_lists
    try:
        employments.sync_from_lists = lambda actor, ids, items=None: employments.EmploymentChanges()  # type: ignore[assignment]
        return [r.list_id for r in batch.post_batch(world.users[Role.ADMIN], items)]
    finally:
        employments.sync_from_lists = real  # type: ignore[assignment]


def test_rows_from_items_are_the_rows_read_back(world):
    items = _tricky_items(world)
    ids = _post_batch_without_sync(world, items)
    back = employments._read_rows(ids, employments._read_lists(ids))
    mem = employments._rows_of_items(items)
    assert back.n == mem.n == 8
    for name in ("person", "workshop", "first", "last", "start", "end"):
        assert getattr(mem, name).tolist() == getattr(back, name).tolist(), name
    for name in ("job_code", "job_title"):
        assert [str(v) for v in getattr(mem, name)] == [str(v) for v in getattr(back, name)], name
    d = parse_jalali_date
    # "1404/02/10" counts; "0" and the over-wide "1404021099999" (stored cut to "1404021099") do not.
    assert mem.start[:3].tolist() == [d("1404/02/10").toordinal(), *[d("1404/02/01").toordinal()] * 2]
    assert mem.end[:4].tolist() == [NONE, NONE, NONE, d("1404/02/15").toordinal()]
    assert str(mem.job_title[0]) == "ک" * 100  # ListRow.job_title holds 100 characters
    wa, wb = world.workshop_a.pk, world.workshop_b.pk
    assert mem.workshop.tolist() == [wa, wa, wa, wa, wb, wb, wa, wa]


def test_sync_from_items_equals_sync_read_back(world):
    actor = world.users[Role.ADMIN]
    items = _tricky_items(world)
    ids = _post_batch_without_sync(world, items)
    seen = {}

    def sync(**kw):
        changes = employments.sync_from_lists(actor, ids, **kw)
        seen.setdefault("changes", []).append(changes)

    read_back = _run_and_undo(sync)
    from_memory = _run_and_undo(lambda: sync(items=items))
    assert from_memory["state"] == read_back["state"]
    assert seen["changes"][0] == seen["changes"][1] == employments.EmploymentChanges(7, 1, 0, 8)
    # The cut title, the stripped code; worker_b's 2018 employment closed on Khordad 11.
    state, d = from_memory["state"], parse_jalali_date
    wa, wb = world.workshop_a.pk, world.workshop_b.pk
    assert (CODES[0], wa, d("1404/02/10"), None, "722301", "ک" * 100, False) in state
    closed = (world.worker_b.national_code, wb, dt.date(2018, 4, 1), d("1404/03/11"), "811101", "", False)
    assert closed in state


def test_items_must_be_the_lists_of_list_ids(world):
    items = _tricky_items(world)
    with pytest.raises(ValueError, match="items"):
        employments.sync_from_lists(world.users[Role.ADMIN], [1, 2], items=items)


def test_read_jobs_keeps_only_the_rows_pairs(world):
    """Employments are fetched by person and kept for the rows' (person, workshop) pairs only."""
    b = world.worker_b
    one = np.ones(1, dtype=np.int64)
    text = np.full(1, "")

    def rows(workshop) -> _Rows:
        return _Rows(np.array([b.pk]), np.array([workshop.pk]), one, one, one, one, text, text)

    assert employments._read_jobs(rows(world.workshop_a)).id.tolist() == []
    jobs = employments._read_jobs(rows(world.workshop_b))
    assert jobs.person.tolist() == [b.pk] and jobs.workshop.tolist() == [world.workshop_b.pk]
    assert jobs.start.tolist() == [dt.date(2018, 4, 1).toordinal()] and jobs.end.tolist() == [OPEN]
    ended = Employment.objects.create(
        person=b, workshop=world.workshop_a, start_date=dt.date(2020, 1, 5), end_date=dt.date(2020, 2, 29)
    )
    jobs = employments._read_jobs(rows(world.workshop_a))
    assert jobs.id.tolist() == [ended.pk]
    # Gregorian ordinals (date.toordinal()) of 2020-01-05 and the leap day 2020-02-29.
    assert jobs.start.tolist() == [737429] and jobs.end.tolist() == [737484]
