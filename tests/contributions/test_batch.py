"""Batch import (tamin.contributions.batch, batch_check): the same outcomes as one list at a time."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.audit.services import record, verify
from tamin.contributions import batch, dbf, posting, transfer
from tamin.contributions.batch_check import check_batch
from tamin.contributions.checking import check_list
from tamin.contributions.models import Bill, ContributionList, ListRow, PricingBasis
from tamin.records.models import HistoryMonth
from tamin.registry.models import Employment, Person
from tests.contributions.db_factories import national_codes, person_ids, priced, wage_list

TODAY = dt.date(2025, 10, 1)


# --- check and price --------------------------------------------------------------------------------


def _faulty_lists() -> list:
    """Clean lists of several sizes and months, and one list per kind of fault the checks know."""
    out = [wage_list("1234567890", n=n, start=700_000_000 + 100 * n) for n in (1, 2, 5, 40)]
    out.append(wage_list("1234567890", 1403, 9, n=3, days=30, daily=2_388_728))
    out.append(wage_list("1234567890", 1404, 7, n=2, days=30))

    def mutated(change, n: int = 4):
        wl = wage_list("1234567890", n=n, start=710_000_000 + 10 * len(out))
        wl.rows = {k: v.copy() for k, v in wl.rows.items()}
        change(wl)
        out.append(wl)

    def row(name, value, i=1):
        def change(wl):
            col = wl.rows[name]
            if col.dtype.kind == "U" and len(str(value)) > col.dtype.itemsize // 4:
                wl.rows[name] = col = col.astype(f"<U{len(str(value))}")
            col[i] = value

        return change

    def header(name, value):
        return lambda wl: wl.header.__setitem__(name, value)

    for name, value in [
        ("PER_NATCOD", "1234567890"), ("DSW_ID1", "12345"), ("DSW_ID1", "0"), ("DSW_ID1", "abc"),
        ("DSW_FNAME", " "), ("DSW_LNAME", ""), ("DSW_JOB", ""), ("DSW_SEX", "x"), ("DSW_SDATE", "14040299"),
        ("DSW_EDATE", "14040115"), ("DSW_SDATE", "14040301"), ("DSW_BDATE", ""), ("DSW_BDATE", "14050101"),
        ("DSW_IDATE", "13/01/01"), ("DSW_ID", "1234567891"), ("DSW_LISTNO", "02"), ("DSW_MM", 3),
        ("DSW_YY", 3), ("DSW_DD", 0), ("DSW_DD", 32), ("DSW_MAZ", -1), ("DSW_ROOZ", 1000),
        ("DSW_MAH", 1), ("DSW_MASH", 10**11), ("DSW_BIME", 5), ("DSW_TOTL", 1),
    ]:  # fmt: skip
        mutated(row(name, value))
    mutated(row("DSW_EDATE", "14040220"))  # leaving day within the month: days exceed employment
    mutated(lambda wl: wl.rows.__setitem__("PER_NATCOD", np.repeat(wl.rows["PER_NATCOD"][:2], 2)))
    mutated(lambda wl: wl.rows.__setitem__("DSW_ID1", np.repeat(wl.rows["DSW_ID1"][:2], 2)))
    mutated(lambda wl: wl.rows.__setitem__("DSW_LISTNO", np.full(4, "1")))  # "01" and "1": same list
    for name, value in [
        ("DSK_NUM", 5), ("DSK_TDD", 1), ("DSK_TMAH", 1), ("DSK_TBIME", 0), ("DSK_TKOSO", 1), ("DSK_KIND", 1),
        ("DSK_KIND", 2), ("DSK_ID", "12A"), ("DSK_MM", 13), ("DSK_YY", 10), ("DSK_INC", 7), ("DSK_SPOUSE", 1),
    ]:  # fmt: skip
        mutated(header(name, value))
    mutated(lambda wl: wl.header.__setitem__("DSK_TBIME", wl.header["DSK_TBIME"] + 2))  # rounding warning
    for name in ("DSW_TOTL", "DSW_ID", "DSW_LISTNO", "DSW_YY", "DSW_INC"):
        mutated(lambda wl, name=name: wl.rows.pop(name))  # layouts without the column
    mutated(lambda wl: wl.header.pop("DSK_TKOSO"))
    empty = wage_list("1234567890", n=1)
    empty.rows = {k: v[:0] for k, v in empty.rows.items()}
    out.append(empty)
    out.append(wage_list("1234567890", 1399, 1, n=2))  # a month the parameters may not cover
    out.append(wage_list("1234567890", 1404, 12, n=2))  # a future month on TODAY
    return out


def _same_result(a, b) -> None:
    assert a.problems == b.problems and a.counts == b.counts
    assert (a.price is None) == (b.price is None)
    if b.price is not None:
        assert a.price.totals == b.price.totals and a.price.derivation == b.price.derivation
        assert a.price.month == b.price.month
        assert set(a.price.rows) == set(b.price.rows)
        for name, col in b.price.rows.items():
            assert np.array_equal(a.price.rows[name], col) and a.price.rows[name].dtype == col.dtype, name
        assert np.array_equal(a.price.unemployment_covered, b.price.unemployment_covered)
        assert np.array_equal(a.price.hard_job, b.price.hard_job)


def test_check_batch_gives_every_list_its_per_list_result():
    lists = _faulty_lists()
    rng = np.random.default_rng(7)
    exempt = [None if k % 3 else rng.random(wl.n) < 0.5 for k, wl in enumerate(lists)]
    hard = [None if k % 4 else rng.random(wl.n) < 0.5 for k, wl in enumerate(lists)]
    small = [k % 5 == 1 for k in range(len(lists))]
    results, stats = check_batch(
        lists, today=TODAY, unemployment_exempt=exempt, hard_job=hard, small_workshop=small
    )
    for k, wl in enumerate(lists):
        expected = check_list(
            wl, today=TODAY, unemployment_exempt=exempt[k], hard_job=hard[k], small_workshop=small[k]
        )
        _same_result(results[k], expected)
    assert stats.lists == len(lists) and stats.screened + stats.per_list == len(lists)
    # The screen settles the clean lists itself and sends every faulty one to check_list.
    clean = [not check_list(wl, today=TODAY).problems for wl in lists]
    assert stats.screened >= sum(c for k, c in enumerate(clean) if not small[k]) - 1 > 0
    assert stats.per_list >= sum(not c for c in clean)


def test_check_batch_matches_on_many_random_small_lists():
    rng = np.random.default_rng(11)
    lists = []
    for k in range(120):
        wl = wage_list("1234567890", n=int(rng.integers(1, 7)), start=720_000_000 + 10 * k)
        if rng.random() < 0.3:  # a random amount a little off: some within tolerances, some not
            wl.rows = {n: v.copy() for n, v in wl.rows.items()}
            name = str(rng.choice(["DSW_MAH", "DSW_MASH", "DSW_BIME", "DSW_ROOZ"]))
            wl.rows[name][0] += int(rng.integers(-40, 40))
        lists.append(wl)
    results, _ = check_batch(lists, today=TODAY)
    for wl, got in zip(lists, results, strict=True):
        _same_result(got, check_list(wl, today=TODAY))


def test_check_batch_refuses_masks_of_the_wrong_length():
    with pytest.raises(ValueError):
        check_batch([wage_list("1234567890", n=3)], today=TODAY, unemployment_exempt=[np.zeros(2, bool)])


# --- posting ----------------------------------------------------------------------------------------


def _item(workshop, wl, **kw) -> batch.BatchItem:
    price = priced(wl, **kw)
    return batch.BatchItem(
        wl, price, workshop, person_ids(wl.rows["PER_NATCOD"].tolist()), derivation=price.derivation.as_dict()
    )


def _scenario(world) -> list[batch.BatchItem]:
    a, b = world.workshop_a, world.workshop_b
    first = wage_list(a.code, n=3)
    return [
        _item(a, first),
        _item(a, wage_list(a.code, list_no="02", n=2, start=713_000_000)),  # supplementary
        _item(b, wage_list(b.code, n=4, start=714_000_000)),
        _item(a, wage_list(a.code, n=4)),  # corrects the first list
        _item(a, wage_list(a.code, n=4)),  # the correction again: unchanged
        _item(a, wage_list(a.code, 1404, 3, n=1, start=715_000_000)),
        _item(b, wage_list(b.code, n=4, start=714_000_000)),  # unchanged (posted earlier in the batch)
        _item(b, wage_list(b.code, 1404, 1, n=2, start=716_000_000)),  # exists before the batch: unchanged
        _item(b, wage_list(b.code, 1404, 1, list_no="03", n=1, start=717_000_000)),  # supplementary
        _item(a, wage_list(a.code, 1404, 1, n=2, start=718_000_000)),  # exists before: corrected
    ]


def _state() -> dict:
    """What the database holds about lists, with ids replaced by list keys."""
    key = {cl.pk: (cl.workshop_id, cl.year, cl.month, cl.list_no) for cl in ContributionList.objects.all()}
    skip = {"id", "posted_at", "contribution_list", "source_list", "updated_at", "basis"}
    # Persons by national code: PostgreSQL does not give back sequence values of a rolled-back run.
    person = dict(Person.objects.values_list("id", "national_code"))

    def rows(qs, ref):
        out = []
        for obj in qs:
            d = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in skip}
            d["list"] = key.get(getattr(obj, ref))
            if isinstance(obj, ContributionList):
                d["derivation"] = obj.derivation  # the shared basis + the list's own part
            if "person_id" in d:
                d["person_id"] = person[d["person_id"]]
            d.pop(ref, None)
            out.append(d)
        return sorted(out, key=lambda d: json.dumps(d, sort_keys=True, default=str))

    lists = rows(ContributionList.objects.all(), "id")
    audit = [
        (e.action, key.get(int(e.object_id)) if e.object_type.endswith("contributionlist") else e.object_id,
         e.before, e.after, e.actor_id, e.actor_name)
        # Employments are synced once per call (one entry for a batch, one per list one by one): their
        # outcome is compared below, not their entries.
        for e in AuditEntry.objects.exclude(action="employment.from_lists").order_by("seq")
    ]  # fmt: skip
    employments = sorted(
        (person[p], *rest)
        for p, *rest in Employment.objects.values_list(
            "person_id", "workshop_id", "start_date", "end_date", "hard_job"
        )
    )
    return {
        "lists": lists,
        "rows": rows(ListRow.objects.all(), "contribution_list_id"),
        "history": rows(HistoryMonth.objects.filter(source_list__isnull=False), "source_list_id"),
        "bills": rows(Bill.objects.all(), "contribution_list_id"),
        "audit": sorted(audit, key=lambda t: json.dumps(t, sort_keys=True, default=str)),
        "employments": employments,
    }


class _Undo(Exception):
    pass


def _run_and_undo(fn):
    """Run fn in a savepoint, capture (its result, the database state), and roll it back."""
    captured = {}
    try:
        with transaction.atomic():
            captured["result"] = fn()
            captured["state"] = _state()
            raise _Undo
    except _Undo:
        pass
    return captured["result"], captured["state"]


def test_batch_writes_what_post_list_writes(world):
    actor = world.users[Role.ADMIN]
    items = _scenario(world)
    # Lists already there before either run (the last two keys of the scenario).
    for it in (
        items[7],
        _item(world.workshop_a, wage_list(world.workshop_a.code, 1404, 1, n=1, start=718_000_000)),
    ):
        posting.post_list(
            actor, it.wl, it.price, workshop=it.workshop, person_ids=it.person_ids, derivation=it.derivation
        )

    def one_by_one():
        out = []
        for it in items:
            r = posting.post_list(
                actor,
                it.wl,
                it.price,
                workshop=it.workshop,
                person_ids=it.person_ids,
                derivation=it.derivation,
            )
            out.append(r.as_dict() | {"list_id": None})
        return out

    def batched():
        out = [r.as_dict() | {"list_id": None} for r in batch.post_batch(actor, items)]
        assert verify().ok
        return out

    per_list, per_list_state = _run_and_undo(one_by_one)
    in_batch, batch_state = _run_and_undo(batched)
    assert [r["status"] for r in in_batch] == [
        "posted", "supplementary", "posted", "corrected", "unchanged", "posted", "unchanged", "unchanged",
        "supplementary", "corrected",
    ]  # fmt: skip
    assert in_batch == per_list
    for part in ("lists", "rows", "history", "bills", "audit", "employments"):
        assert batch_state[part] == per_list_state[part], part


def test_audit_chain_stays_verifiable_around_a_batch(world):
    actor = world.users[Role.BRANCH_STAFF]
    with transaction.atomic():
        record(actor, "test.before", world.workshop_a)
    items = [_item(world.workshop_a, wage_list(world.workshop_a.code, 1404, m, n=m)) for m in (1, 2, 3)]
    results = batch.post_batch(actor, items)
    with transaction.atomic():
        record(actor, "test.after", world.workshop_a)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.action for e in entries[-6:]] == [
        "test.before", "employment.from_lists", *["wagelist.posted"] * 3, "test.after",
    ]  # fmt: skip
    assert entries[-2].object_id == str(results[2].list_id) and entries[-2].actor_id == actor.pk
    assert entries[-2].after["bill"] == results[2].bill and entries[-2].before is None
    assert verify().ok


def test_tampering_with_a_batch_entry_is_detected(world):
    from tamin.audit import triggers

    batch.post_batch(
        world.users[Role.ADMIN], [_item(world.workshop_a, wage_list(world.workshop_a.code, n=2))]
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entry.pk).update(after={**entry.after, "rows": 3})
    report = verify()
    assert not report.ok and report.first_broken_seq == entry.seq


def test_a_failure_in_the_batch_leaves_nothing(world, monkeypatch):
    items = [_item(world.workshop_a, wage_list(world.workshop_a.code, 1404, m, n=2)) for m in (1, 2, 3)]
    before = (ContributionList.objects.count(), ListRow.objects.count(), HistoryMonth.objects.count(),
              Bill.objects.count(), AuditEntry.objects.count())  # fmt: skip

    def boom(ids):
        assert len(ids) == 3 and ListRow.objects.count() == 6  # rows are written by now
        raise RuntimeError("injected")

    monkeypatch.setattr(batch, "after_rows_hook", boom)
    with pytest.raises(RuntimeError, match="injected"):
        batch.post_batch(world.users[Role.ADMIN], items)
    after = (ContributionList.objects.count(), ListRow.objects.count(), HistoryMonth.objects.count(),
             Bill.objects.count(), AuditEntry.objects.count())  # fmt: skip
    assert after == before
    monkeypatch.setattr(batch, "after_rows_hook", None)
    assert [r.status for r in batch.post_batch(world.users[Role.ADMIN], items)] == ["posted"] * 3
    assert verify().ok


def test_a_row_naming_no_person_is_refused_by_the_batch_itself(world):
    """ListRow and HistoryMonth have no database foreign keys (a month would check ~1.3 M rows one by
    one): post_batch checks the persons set-based and refuses the whole batch, writing nothing."""
    items = [_item(world.workshop_a, wage_list(world.workshop_a.code, 1404, m, n=2)) for m in (1, 2)]
    missing = int(Person.objects.order_by("-id").values_list("id", flat=True).first()) + 1000
    bad = batch.BatchItem(
        items[1].wl, items[1].price, items[1].workshop, np.array([items[1].person_ids[0], missing])
    )
    before = (ContributionList.objects.count(), ListRow.objects.count(), HistoryMonth.objects.count(),
              AuditEntry.objects.count())  # fmt: skip
    with pytest.raises(IntegrityError, match="1 of the rows' person ids"), transaction.atomic():
        batch.post_batch(world.users[Role.ADMIN], [items[0], bad])
    after = (ContributionList.objects.count(), ListRow.objects.count(), HistoryMonth.objects.count(),
             AuditEntry.objects.count())  # fmt: skip
    assert after == before
    assert [r.status for r in batch.post_batch(world.users[Role.ADMIN], items)] == ["posted"] * 2


def test_a_month_shares_one_pricing_basis_and_each_list_reads_its_whole_derivation(world):
    items = [
        _item(world.workshop_a, wage_list(world.workshop_a.code, 1404, 2, n=2)),
        _item(world.workshop_b, wage_list(world.workshop_b.code, 1404, 2, n=3, start=714_000_000)),
        _item(world.workshop_a, wage_list(world.workshop_a.code, 1404, 3, n=1, start=715_000_000)),
    ]
    results = batch.post_batch(world.users[Role.ADMIN], items)
    lists = [ContributionList.objects.get(pk=r.list_id) for r in results]
    assert PricingBasis.objects.count() == 2  # months 1404-02 and 1404-03
    assert lists[0].basis_id == lists[1].basis_id != lists[2].basis_id
    for cl, it in zip(lists, items, strict=True):
        assert cl.derivation == json.loads(json.dumps(it.derivation))
        assert set(cl.own_derivation) == {"exemptions", "counts"}
        assert cl.own_derivation["counts"]["rows"] == cl.rows
    assert lists[1].derivation["counts"]["rows"] == 3 and lists[1].derivation["ceiling"] > 0
    # One by one shares the same basis.
    one = _item(world.workshop_b, wage_list(world.workshop_b.code, 1404, 3, n=2, start=716_000_000))
    posted = posting.post_list(
        world.users[Role.ADMIN], one.wl, one.price, workshop=one.workshop, person_ids=one.person_ids,
        derivation=one.derivation,
    )  # fmt: skip
    assert posted.contribution_list.basis_id == lists[2].basis_id and PricingBasis.objects.count() == 2
    assert ContributionList.objects.get(pk=posted.contribution_list.pk).derivation == json.loads(
        json.dumps(one.derivation)
    )


def test_scope_is_checked_for_the_whole_batch(world):
    from tamin.core.errors import Forbidden

    items = [
        _item(world.workshop_a, wage_list(world.workshop_a.code)),
        _item(world.workshop_b, wage_list(world.workshop_b.code)),
    ]
    with pytest.raises(Forbidden):
        batch.post_batch(world.users[Role.BRANCH_STAFF], items)  # branch A staff, workshop B
    with pytest.raises(Forbidden):
        batch.post_batch(world.users[Role.INSURED], items[:1])
    assert ContributionList.objects.count() == 0


def test_query_count_does_not_grow_with_the_lists(world):
    actor = world.users[Role.ADMIN]
    few = [_item(world.workshop_a, wage_list(world.workshop_a.code, 1404, m, n=2)) for m in (1, 2)]
    many = [
        _item(world.workshop_b, wage_list(world.workshop_b.code, 1403, m, n=2, daily=2_388_728))
        for m in range(1, 13)
    ]
    counts = []
    for items in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            batch.post_batch(actor, items)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[1] < 25, counts


# --- importing --------------------------------------------------------------------------------------


def _import_scenario(world) -> list:
    a, b = world.workshop_a.code, world.workshop_b.code
    shared = national_codes(712_360_000, 3)
    lists = [
        wage_list(a, codes=shared[:2]),  # registers two persons
        wage_list(b, codes=[shared[1], shared[2], world.worker_b.national_code]),  # one of them again
        wage_list("9999999999"),  # unknown workshop
        wage_list(a, list_no="02", codes=national_codes(712_370_000, 2)),
    ]
    bad = wage_list(a, 1404, 3, codes=national_codes(712_380_000, 2))
    bad.rows["PER_NATCOD"] = bad.rows["PER_NATCOD"].copy()
    bad.rows["PER_NATCOD"][0] = "1234567890"
    lists.append(bad)
    # A new person whose birth date cannot be read: refused here, registered by the next list.
    unreadable = wage_list(a, 1404, 4, codes=national_codes(712_390_000, 2))
    unreadable.rows["DSW_BDATE"] = np.array(["", "13650101"])
    lists.append(unreadable)
    lists.append(wage_list(b, 1404, 4, codes=national_codes(712_390_000, 1)))
    # A foreign national registered by one list is exempt from the unemployment premium in the next.
    foreign = wage_list(a, 1404, 5, codes=national_codes(712_400_000, 1))
    foreign.rows["DSW_NAT"] = np.array(["افغانستان"])
    lists += [foreign, wage_list(b, 1404, 5, codes=national_codes(712_400_000, 1))]
    lists.append(wage_list(a, codes=shared[:2]))  # the first list again: unchanged
    lists.append(wage_list(a, codes=shared))  # corrected
    return lists


def _outcomes(outcomes) -> list:
    return [{k: v for k, v in o.summary.items() if k != "list_id"} | {"status": o.status} for o in outcomes]


def _persons_state() -> list:
    return sorted(
        Person.objects.values_list(
            "national_code", "insurance_number", "first_name", "birth_date", "sex", "nationality", "branch_id"
        )
    )


def test_import_batch_equals_importing_one_by_one(world):
    actor = posting.SystemActor()
    lists = _import_scenario(world)

    def one_by_one():
        return _outcomes(
            [transfer.import_list(wl, actor=actor, today=TODAY) for wl in lists]
        ), _persons_state()

    def batched():
        out = _outcomes(batch.import_batch(lists, actor=actor, today=TODAY)), _persons_state()
        assert verify().ok
        return out

    (per_list, per_list_persons), per_list_state = _run_and_undo(one_by_one)
    (in_batch, batch_persons), batch_state = _run_and_undo(batched)
    assert [o["status"] for o in in_batch] == [
        "posted", "posted", "rejected", "supplementary", "rejected", "rejected", "posted", "posted", "posted",
        "unchanged", "corrected",
    ]  # fmt: skip
    assert in_batch[5]["errors"][-1]["code"] == "person.birth_date"
    assert in_batch[8]["unemployment_share"] == 0 and in_batch[8]["registered_persons"] == 0
    assert in_batch == per_list
    assert batch_persons == per_list_persons
    for part in ("lists", "rows", "history", "bills", "audit", "employments"):
        assert batch_state[part] == per_list_state[part], part


def test_import_batch_failure_registers_nobody(world, monkeypatch):
    lists = [
        wage_list(world.workshop_a.code, 1404, m, codes=national_codes(712_410_000 + m * 10, 2))
        for m in (1, 2)
    ]
    persons, audits = Person.objects.count(), AuditEntry.objects.count()
    monkeypatch.setattr(batch, "after_rows_hook", lambda ids: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        batch.import_batch(lists, actor=posting.SystemActor(), today=TODAY)
    assert Person.objects.count() == persons and AuditEntry.objects.count() == audits
    assert ContributionList.objects.count() == 0


def test_import_paths_uses_the_batch_for_many_lists(world, tmp_path, monkeypatch):
    for m in (1, 2, 3):
        wl = wage_list(world.workshop_a.code, 1404, m, codes=national_codes(712_420_000 + 10 * m, 2))
        (tmp_path / f"l{m}").mkdir()
        dbf.write_list(wl, tmp_path / f"l{m}")
    (tmp_path / "l4").mkdir()
    (tmp_path / "l4" / "DSKKAR00.DBF").write_bytes(b"not a dbf")
    (tmp_path / "l4" / "DSKWOR00.DBF").write_bytes(b"not a dbf")
    calls = []
    real = batch.import_batch
    monkeypatch.setattr(
        batch, "import_batch", lambda lists, **kw: calls.append(len(lists)) or real(lists, **kw)
    )
    monkeypatch.setattr(transfer, "BATCH_THRESHOLD", 2)
    out = io.StringIO()
    code = transfer.import_paths([tmp_path], as_json=True, out=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert calls == [3] and code == 1
    assert [x["status"] for x in lines] == ["posted", "posted", "posted", "rejected"]
    assert ContributionList.objects.count() == 3 and verify().ok


def test_content_hashes_are_posting_content_hash():
    lists = _faulty_lists()
    # Lists are grouped by their fields as held: the same fields in another order, or another type,
    # hash as posting.content_hash says.
    shuffled = wage_list("1234567890", n=2, start=730_000_000)
    shuffled.header = dict(reversed(list(shuffled.header.items())))
    shuffled.rows = dict(reversed(list(shuffled.rows.items())))
    as_object = wage_list("1234567890", n=3, start=730_000_000)
    as_object.rows = {**as_object.rows, "DSW_FNAME": as_object.rows["DSW_FNAME"].astype(object)}
    lists += [shuffled, as_object, wage_list("1234567890", n=2, start=730_000_000)]
    assert batch.content_hashes(lists) == [posting.content_hash(wl) for wl in lists]


def test_audit_afters_are_the_canonical_json_of_what_post_list_records():
    from types import SimpleNamespace

    from tamin.audit import services as audit
    from tamin.contributions.models import ROW_PRICE_COLUMNS

    odd = ["01", 'a"b', "c\\d", "۰۲", "{0}", "x\ty\u2028", " 07 "]
    extra_kinds = [
        None,
        {"registered_persons": ["0012345678", 'q"'], "zz": {"b": 1, "a": None}},
        {"rows": -1},
    ]
    items, totals, bills, extras = [], [], [], []
    for k, list_no in enumerate(odd):
        wl = wage_list("1234567890", 1404, 1 + k, list_no=list_no, n=1 + k % 3, start=740_000_000 + 10 * k)
        extra = extra_kinds[k % 3]
        items.append(
            batch.BatchItem(wl, None, SimpleNamespace(pk=100 + k), np.zeros(wl.n), extra_audit=extra)
        )
        totals.append({"total_days": 30 * k, **{name: 7**k + i for i, name in enumerate(ROW_PRICE_COLUMNS)}})
        bills.append({
            "number": f"N-{list_no}", "amount": 10**12 + k, "previous_amount": None, "due_on": "۱۴۰۴/۰۱/۰۱",
            "due_source": "قانون", "version": 1, "late_list_penalty": k,
        })  # fmt: skip
        extras.append(extra)
    statuses = ["posted", "supplementary", "posted", "posted", "supplementary", "posted", "posted"]
    digests = [f"{k:064x}" for k in range(len(odd))]
    got = batch._audit_afters(items, statuses, digests, list(range(len(odd))), totals, bills)
    for j, it in enumerate(items):
        month = it.wl.month
        after = {
            "workshop": it.workshop.pk, "year": month.year, "month": month.month,
            "list_no": it.wl.list_no.strip(), "status": statuses[j], "version": 1, "content_hash": digests[j],
            "rows": it.wl.n, **totals[j], "bill": bills[j], **(extras[j] or {}),
        }  # fmt: skip
        assert got[j] == audit._canonical(audit._jsonable(after)), j
    assert '"list_no":"a\\"b"' in got[1] and '"list_no":"۰۲"' in got[3] and '"rows":-1' in got[2]


def test_header_texts_are_the_json_of_the_jsonable_header():
    headers = [
        {"DSK_ID": "123", "DSK_NAME": 'کارگاه "نو"\\', "DSK_YY": 4, "DSK_MM": np.int64(1)},
        {"DSK_ID": "{x}", "DSK_NAME": "a\nb", "DSK_YY": True, "DSK_MM": 2},
        {"DSK_ID": "9", "DSK_NAME": None, "DSK_YY": 3.5, "DSK_MM": "۱۲"},
        {"DSK_MM": 1, "DSK_ID": "9", "DSK_YY": 3, "DSK_NAME": "x"},  # other order: another template
        {"DSK_ID": "only"},
        {},
        {"A{": 1, 'B"': "\u2028"},
    ]
    want = [json.dumps(posting._jsonable_header(h), ensure_ascii=False) for h in headers]
    assert batch._header_texts(headers) == want


def test_content_hashes_of_odd_fields_and_types_are_posting_content_hash():
    def variant(change):
        wl = wage_list("1234567890", n=3, start=731_000_000)
        wl.rows = {k: v.copy() for k, v in wl.rows.items()}
        change(wl)
        return wl

    lists = [
        variant(lambda wl: wl.header.update({"A{0}": "{}", "B}": 'x"\\', "C": np.int64(5), "D": True})),
        variant(lambda wl: wl.rows.update(DSW_DD=wl.rows["DSW_DD"].astype(np.int32))),
        variant(lambda wl: wl.rows.update(DSW_DD=wl.rows["DSW_DD"].astype(">i8"))),
        variant(lambda wl: wl.rows.update(DSW_DD=wl.rows["DSW_DD"] > 0)),
        variant(
            lambda wl: wl.rows.update(
                DSW_MAH=np.ascontiguousarray(np.stack([wl.rows["DSW_MAH"]] * 2).T)[:, 1]
            )
        ),
        variant(lambda wl: wl.rows.update(DSW_FNAME=np.array(["a\x1fb", "", "۱\u200c۲"]))),
        variant(lambda wl: setattr(wl, "header", {"DSK_ID": "1234567890"})),
        variant(lambda wl: setattr(wl, "header", {})),
        variant(lambda wl: setattr(wl, "rows", {"PER_NATCOD": wl.rows["PER_NATCOD"]})),
        variant(lambda wl: setattr(wl, "rows", {})),
        variant(lambda wl: setattr(wl, "rows", {k: v[:0] for k, v in wl.rows.items()})),
    ]
    lists.append(variant(lambda wl: wl.rows.update(DSW_DD=wl.rows["DSW_DD"][::-1])))  # a strided view
    got = batch.content_hashes(lists)
    assert got == [posting.content_hash(wl) for wl in lists]
    # The same numbers in another integer type or memory order are the same content.
    assert got[1] == got[2] == got[4] != got[3]
