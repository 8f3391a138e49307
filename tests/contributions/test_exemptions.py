"""Who is exempt from the unemployment premium, and why (UIL Art. 1 Tabsareh; Labour Law Art. 188)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from types import SimpleNamespace

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tamin.benefits.models import PensionAward
from tamin.contributions.exemptions import REASONS, unemployment_exempt
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.registry.models import Branch, Employer, FamilyRelation, Workshop
from tamin.rules.params import ParameterError, ParameterSet, default_parameters
from tests.conftest import make_person

ORDIBEHESHT = JalaliMonth(1404, 2)  # 2025-04-21 .. 2025-05-21
KHORDAD = JalaliMonth(1404, 3)
IR, AF = "ایرانی", "افغانی"


def j(s: str) -> dt.date:
    return parse_jalali_date(s)


def _workshop(code: str, employer: Employer, branch: Branch) -> Workshop:
    return Workshop.objects.create(
        code=f"{branch.code}{code}", name=code, address="تهران", branch=branch, activity_code="363",
        activity="تراشکاری", employer=employer, opened_on=dt.date(2005, 1, 1),
    )  # fmt: skip


def _award(person, kind: str, start: str, *, pro_rata: bool = False, status: str = "active") -> None:
    y, m = (int(x) for x in start.split("/"))
    PensionAward.objects.create(
        person=person, kind=kind, start_year=y, start_month=m, base_amount=100_000_000, pro_rata=pro_rata,
        status=status,
    )  # fmt: skip


@pytest.fixture
def reg(db: None) -> SimpleNamespace:
    """A natural employer (owner) with two workshops, his family, and workers of every kind."""
    branch = Branch.objects.order_by("code").first()
    r = SimpleNamespace()
    r.owner = make_person(200000001, "محمد", "احمدی")
    r.wife = make_person(200000002, "زهرا", "احمدی", sex="female")
    r.son = make_person(200000003, "رضا", "احمدی")
    r.daughter = make_person(200000004, "سارا", "احمدی", sex="female")
    r.brother = make_person(200000005, "حسن", "احمدی")
    r.iranian = make_person(200000010, "علی", "کارگر")
    r.afghan = make_person(200000011, "احمد", "کارگر")
    r.afghan.nationality = "AF"
    r.afghan.save()
    r.retired = make_person(200000012, "جواد", "بازنشسته")
    r.legacy = make_person(200000013, "کاظم", "بازنشسته")
    r.partial = make_person(200000014, "نادر", "جزئی")
    r.total = make_person(200000015, "ناصر", "کلی")
    r.future = make_person(200000016, "مهدی", "آینده")
    r.stopped = make_person(200000017, "مجید", "قطع")
    for p in (r.retired, r.legacy, r.partial, r.total, r.future, r.stopped):
        p.is_pensioner = True  # claims.approve sets it for every retirement or disability award
        p.save()
    _award(r.retired, "retirement", "1400/01")
    _award(r.partial, "disability", "1401/06", pro_rata=True)
    _award(r.total, "disability", "1402/03")
    _award(r.future, "retirement", "1404/05")
    _award(r.stopped, "retirement", "1399/01", status="stopped")

    # The spouse relation is the owner's; the son's relation is written from the son's side (the
    # owner is the son's parent); the daughter's ended before Ordibehesht 1404; the brother is not
    # first degree.
    FamilyRelation.objects.create(person=r.owner, relative=r.wife, kind="spouse", valid_from=j("1390/01/01"))
    FamilyRelation.objects.create(person=r.son, relative=r.owner, kind="parent", valid_from=j("1370/01/01"))
    FamilyRelation.objects.create(
        person=r.owner, relative=r.daughter, kind="child", valid_from=j("1375/01/01"),
        valid_to=j("1404/01/31"),
    )  # fmt: skip
    employer = Employer.objects.create(kind="natural", person=r.owner, name="محمد احمدی")
    r.family_ws = _workshop("3630001", employer, branch)
    r.mixed_ws = _workshop("3630002", employer, branch)
    company = Employer.objects.create(kind="legal", name="شرکت نمونه", national_id="10380284790")
    r.legal_ws = _workshop("3630003", company, branch)
    return r


def run(rows: list[tuple[Workshop, object, str]], on=ORDIBEHESHT, **kw):
    ws = np.array([w.pk for w, _, _ in rows], dtype=np.int64)
    ids = np.array([p.pk if p is not None else 0 for _, p, _ in rows], dtype=np.int64)
    nat = np.array([n for _, _, n in rows])
    return unemployment_exempt(ws, ids, on, listed_nationality=nat, **kw)


def test_each_group_with_its_reason(reg: SimpleNamespace) -> None:
    rows = [
        (reg.legal_ws, reg.iranian, IR),  # Iranian, no flag: covered
        (reg.legal_ws, reg.afghan, IR),  # registry says AF though the list says Iranian
        (reg.legal_ws, None, AF),  # not registered yet: the list's DSW_NAT decides
        (reg.legal_ws, None, ""),  # blank DSW_NAT is Iranian
        (reg.legal_ws, reg.retired, IR),  # retirement award since 1400/01
        (reg.legal_ws, reg.legacy, IR),  # flagged, no award on record
        (reg.legal_ws, reg.partial, IR),  # flagged, but only a partial-disability award: covered
        (reg.legal_ws, reg.total, IR),  # total disability since 1402/03
        (reg.legal_ws, reg.future, IR),  # retirement award from 1404/05: not yet in Ordibehesht
        (reg.legal_ws, reg.stopped, IR),  # stopped award: covered
        (reg.legal_ws, reg.wife, IR),  # a legal-person employer has no relatives
    ]
    got = run(rows)
    assert got.reasons.tolist() == [
        "", "foreign", "foreign", "", "pensioner", "pensioner", "", "disabled", "", "", "",
    ]  # fmt: skip
    assert got.mask.tolist() == [False, True, True, False, True, True, False, True, False, False, False]
    assert got.counts() == {
        "foreign": 2,
        "pensioner": 2,
        "disabled": 1,
        "employer": 0,
        "employer_relative": 0,
    }
    assert got.describe() == (
        "unemployment exempt as foreign: 2 rows — UIL Art. 1 Tabsareh item 3 "
        "(unemployment.exempt.foreign_nationals)",
        "unemployment exempt as pensioner: 2 rows — UIL Art. 1 Tabsareh item 1 "
        "(unemployment.exempt.pensioners)",
        "unemployment exempt as disabled: 1 rows — UIL Art. 1 Tabsareh item 1 (total disability only) "
        "(unemployment.exempt.totally_disabled)",
    )
    assert {u.name for u in got.parameters} == {
        "unemployment.exempt.foreign_nationals", "unemployment.exempt.pensioners",
        "unemployment.exempt.totally_disabled", "unemployment.exempt.employer",
        "unemployment.exempt.employer_relatives", "unemployment.exempt.family_workshop",
    }  # fmt: skip


def test_the_future_pensioner_is_exempt_once_his_award_starts(reg: SimpleNamespace) -> None:
    got = run([(reg.legal_ws, reg.future, IR)], on=JalaliMonth(1404, 5))
    assert got.reasons.tolist() == ["pensioner"]


def test_family_workshop_employer_and_first_degree_relatives(reg: SimpleNamespace) -> None:
    # Owner, wife (relation from his side), son (relation from the son's side): a family workshop.
    got = run([(reg.family_ws, reg.owner, IR), (reg.family_ws, reg.wife, IR), (reg.family_ws, reg.son, IR)])
    assert got.reasons.tolist() == ["employer", "employer_relative", "employer_relative"]
    assert got.counts()["employer_relative"] == 2
    assert got.describe()[1] == (
        "unemployment exempt as employer_relative: 2 rows — UIL Art. 1 with Labour Law Art. 188 "
        "(unemployment.exempt.employer_relatives, unemployment.exempt.family_workshop)"
    )


def test_an_outsider_makes_it_no_family_workshop(reg: SimpleNamespace) -> None:
    # Labour Law Art. 188: "exclusively" the family. The brother is second degree, so an outsider.
    rows = [(reg.mixed_ws, reg.owner, IR), (reg.mixed_ws, reg.wife, IR), (reg.mixed_ws, reg.brother, IR)]
    assert run(rows).reasons.tolist() == ["employer", "", ""]


def test_family_workshop_is_judged_per_list_when_lists_are_given(reg: SimpleNamespace) -> None:
    # Two lists of one workshop and month in one batch: the first all family, the second an outsider.
    rows = [(reg.family_ws, reg.owner, IR), (reg.family_ws, reg.wife, IR), (reg.family_ws, reg.iranian, IR)]
    assert run(rows).reasons.tolist() == ["employer", "", ""]
    by_list = run(rows, lists=np.array([0, 0, 1]))
    assert by_list.reasons.tolist() == ["employer", "employer_relative", ""]
    assert by_list.part(0, 2).reasons.tolist() == run(rows[:2]).reasons.tolist()  # as one by one


def test_relation_not_in_force_that_month(reg: SimpleNamespace) -> None:
    # The daughter's relation ended 1404/01/31: a relative in Farvardin, not in Ordibehesht. The
    # same rows, each with its own month, in one call.
    rows = [(reg.family_ws, reg.wife, IR), (reg.family_ws, reg.daughter, IR)]
    farvardin = np.array([JalaliMonth(1404, 1).first_day()] * 2, dtype="datetime64[D]")
    assert run(rows, on=farvardin).reasons.tolist() == ["employer_relative", "employer_relative"]
    assert run(rows, on=ORDIBEHESHT).reasons.tolist() == ["", ""]
    mixed_months = np.array(
        [JalaliMonth(1404, 1).first_day(), JalaliMonth(1404, 1).first_day(), ORDIBEHESHT.last_day(),
         ORDIBEHESHT.last_day()],
        dtype="datetime64[D]",
    )  # fmt: skip
    got = run(rows + rows, on=mixed_months)
    assert got.reasons.tolist() == ["employer_relative", "employer_relative", "", ""]


def test_a_relation_ending_mid_month_still_counts_for_that_month(reg: SimpleNamespace) -> None:
    FamilyRelation.objects.filter(relative=reg.daughter).update(valid_to=j("1404/02/10"))
    assert run([(reg.family_ws, reg.daughter, IR)]).reasons.tolist() == ["employer_relative"]


def test_wider_reading_is_a_dated_parameter(reg: SimpleNamespace) -> None:
    base = default_parameters()
    rows = [(reg.mixed_ws, reg.wife, IR), (reg.mixed_ws, reg.brother, IR), (reg.legal_ws, reg.wife, IR)]
    assert run(rows).reasons.tolist() == ["", "", ""]
    # Switch the per-worker reading on from 1404/02/01: the employer's wife is exempt wherever he
    # employs her, the brother still not, and the legal person's workshop still has no relatives.
    wider = _with_value(base, "unemployment.exempt.employer_relatives", "1404/02/01", 1)
    assert run(rows, params=wider).reasons.tolist() == ["employer_relative", "", ""]
    assert run(rows, on=JalaliMonth(1404, 1), params=wider).reasons.tolist() == ["", "", ""]


def test_a_group_switched_off_pays(reg: SimpleNamespace) -> None:
    off = _with_value(default_parameters(), "unemployment.exempt.foreign_nationals", "1404/02/01", 0)
    assert run([(reg.legal_ws, reg.afghan, AF)], params=off).reasons.tolist() == [""]
    bad = _with_value(default_parameters(), "unemployment.exempt.foreign_nationals", "1404/02/01", 2)
    with pytest.raises(ParameterError):
        run([(reg.legal_ws, reg.afghan, AF)], params=bad)


def test_first_reason_wins(reg: SimpleNamespace) -> None:
    reg.retired.nationality = "AF"
    reg.retired.save()
    assert run([(reg.legal_ws, reg.retired, IR)]).reasons.tolist() == ["foreign"]
    assert REASONS.index("foreign") < REASONS.index("pensioner")


def test_no_month_leaves_the_row_covered(reg: SimpleNamespace) -> None:
    on = np.array(["NaT", ORDIBEHESHT.first_day()], dtype="datetime64[D]")
    got = run([(reg.legal_ws, reg.afghan, AF), (reg.legal_ws, reg.afghan, AF)], on=on)
    assert got.reasons.tolist() == ["", "foreign"]


def test_part_slices_one_list(reg: SimpleNamespace) -> None:
    got = run(
        [(reg.legal_ws, reg.iranian, IR), (reg.legal_ws, reg.afghan, IR), (reg.legal_ws, reg.total, IR)]
    )
    assert got.part(1, 3).reasons.tolist() == ["foreign", "disabled"]


def test_empty_and_bad_shapes(reg: SimpleNamespace) -> None:
    empty = unemployment_exempt(np.zeros(0), np.zeros(0), ORDIBEHESHT, listed_nationality=np.zeros(0, str))
    assert empty.mask.shape == (0,) and empty.counts()["foreign"] == 0
    with pytest.raises(ValueError):
        unemployment_exempt(np.zeros(2), np.zeros(3), ORDIBEHESHT)
    with pytest.raises(TypeError):
        unemployment_exempt(np.zeros(1), np.zeros(1), np.array(["1404/02/01"]))


def test_query_count_does_not_grow_with_the_rows(reg: SimpleNamespace) -> None:
    few = [(reg.family_ws, reg.owner, IR), (reg.legal_ws, reg.retired, IR)]
    many = few * 3000 + [(reg.mixed_ws, reg.wife, AF)] * 2000  # 8,000 rows: ids go as one parameter
    with CaptureQueriesContext(connection) as small:
        run(few)
    with CaptureQueriesContext(connection) as large:
        got = run(many)
    assert len(small) == len(large) == 4
    assert got.counts() == {
        "foreign": 2000, "pensioner": 3000, "disabled": 0, "employer": 3000, "employer_relative": 0,
    }  # fmt: skip


def test_65000_rows_of_5000_lists_in_well_under_a_second(reg: SimpleNamespace) -> None:
    # Mostly ids the registry does not hold (the cost is the lookups), plus the fixture's people.
    n = 65_000
    persons = np.arange(10_000_000, 10_000_000 + n, dtype=np.int64)
    persons[:5] = [reg.retired.pk, reg.total.pk, reg.afghan.pk, reg.wife.pk, reg.owner.pk]
    workshops = np.repeat(np.arange(1, 5001, dtype=np.int64), 13)
    workshops[:5] = reg.family_ws.pk
    months = np.repeat(
        np.array([JalaliMonth(1404, 1 + k % 6).first_day() for k in range(5000)], dtype="datetime64[D]"), 13
    )
    nat = np.full(n, IR)
    unemployment_exempt(workshops[:10], persons[:10], months[:10], listed_nationality=nat[:10])  # warm
    t0 = time.perf_counter()
    got = unemployment_exempt(workshops, persons, months, listed_nationality=nat)
    elapsed = time.perf_counter() - t0
    assert got.reasons[:5].tolist() == ["pensioner", "disabled", "foreign", "", "employer"]
    assert int(got.mask.sum()) == 4
    assert elapsed < 1.0, f"{elapsed:.3f} s"


def _with_value(base: ParameterSet, name: str, start: str, value: int) -> ParameterSet:
    """The shipped parameters with `name` given a new value from `start`."""
    import dataclasses

    from tamin.rules.params import Entry, Parameter

    p = base.parameter(name)
    day = j(start)
    before = [dataclasses.replace(e, end=day - dt.timedelta(days=1)) for e in p.entries if e.start < day]
    new = Entry(value, day, None, None, "test — https://example.test", "unverified", "test")
    params = {n: base.parameter(n) for n in base.names()}
    params[name] = Parameter(p.name, p.description, p.unit, (*before, new), p.file)
    return ParameterSet(params)


def test_before_the_law_rows_stay_covered_and_are_named(reg: SimpleNamespace) -> None:
    on = np.array([JalaliMonth(1369, 5).first_day(), ORDIBEHESHT.first_day()], dtype="datetime64[D]")
    got = run([(reg.legal_ws, reg.afghan, AF), (reg.legal_ws, reg.afghan, AF)], on=on)
    assert got.reasons.tolist() == ["", "foreign"]
    assert got.months_without_rules == (JalaliMonth(1369, 5),)
    assert got.part(0, 1).months_without_rules == (JalaliMonth(1369, 5),)


def test_no_month_at_all_asks_nothing(reg: SimpleNamespace, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        got = run([(reg.legal_ws, reg.afghan, AF)], on=np.array(["NaT"], dtype="datetime64[D]"))
    assert got.mask.tolist() == [False]


def test_every_switch_is_in_force_whenever_the_premium_is() -> None:
    # Rows of a month without switches stay covered; that is safe only because pricing such a month
    # fails on the premium itself. A premium value earlier than the switches would price silently.
    from tamin.contributions.exemptions import FAMILY_WORKSHOP, SWITCHES

    p = default_parameters()
    premium = p.parameter("contribution.rate.unemployment").entries
    for name in (*SWITCHES.values(), FAMILY_WORKSHOP):
        entries = p.parameter(name).entries
        assert entries[0].start <= premium[0].start, name
        assert entries[-1].end is None, name
        for a, b in itertools.pairwise(entries):
            assert a.end == b.start - dt.timedelta(days=1), name  # no gap
