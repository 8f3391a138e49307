"""The monthly payroll: every line equals the per-person calculator, runs are whole and idempotent, a late
yearly decision is paid as arrears once, and only payroll staff may run it."""

from __future__ import annotations

import datetime as dt
import json
import random
from io import StringIO
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tamin.audit.models import AuditEntry
from tamin.benefits import deductions, payroll
from tamin.benefits.models import (
    AwardKind,
    AwardStatus,
    PayrollLine,
    PayrollRun,
    PensionAward,
    PensionDeduction,
)
from tamin.core.errors import DomainError, Forbidden
from tamin.core.jalali import JalaliMonth
from tamin.registry.models import FamilyRelation, Person
from tamin.rules.adjustments import yearly_increase
from tamin.rules.params import ParameterSet
from tests.conftest import make_person

M = JalaliMonth


def award(person, base: int, start: str, pro_rata: bool = False, **kw) -> PensionAward:
    s = M.parse(start)
    return PensionAward.objects.create(
        person=person,
        kind=kw.pop("kind", AwardKind.RETIREMENT),
        start_year=s.year,
        start_month=s.month,
        base_amount=base,
        pro_rata=pro_rata,
        **kw,
    )


def per_person(a: PensionAward, year: int, params: ParameterSet | None = None) -> tuple[int, int]:
    """The calculator one pensioner at a time: yearly_increase applied year by year to the base."""
    p, band = np.array([a.base_amount]), -1
    for y in range(a.start_year + 1, year + 1):
        if payroll.decided(y, params):
            new, b = yearly_increase(p, np.array([a.pro_rata]), y, params=params)
            p, band = new, int(b[0])
    return int(p[0]), band


@pytest.fixture
def admin(world):
    return world.users["admin"]


@pytest.fixture
def pensioners(world):
    rng = random.Random(1404)
    people = [make_person(200000000 + i, "مستمری", f"بگیر{i}", branch=world.branch_a) for i in range(40)]
    awards = []
    for i, person in enumerate(people):
        start = M(rng.randint(1400, 1405), rng.randint(1, 12))
        base = rng.choice([rng.randint(30_000_000, 120_000_000), rng.randint(120_000_000, 900_000_000)])
        awards.append(award(person, base, str(start), pro_rata=i % 7 == 0, kind=rng.choice(list(AwardKind))))
    return awards


# worker_a (conftest) is married with one child born 2015: in 1404, family 5,000,000 + one child
# 10,390,968 + housing 9,000,000 = 24,390,968 on top of the pension (pension_allowances.yaml).
ALLOWANCES_1404_ONE_CHILD = 5_000_000 + 10_390_968 + 9_000_000
HOUSING_1404 = 9_000_000


def test_worked_case_1404_other_band(world, admin) -> None:
    # rules.md E7: 100,000,000 in 1403 → 100,000,000 × 1.32 + 9,316,050 = 141,316,050 in 1404.
    a = award(world.worker_a, 100_000_000, "1403-06")
    result = payroll.run_payroll(admin, M(1404, 3))
    line = PayrollLine.objects.get(award=a)
    assert (line.pension_before, line.pension_after, line.adjustment_band) == (100_000_000, 141_316_050, 1)
    assert (line.family_allowance, line.child_allowance, line.housing_allowance) == (
        5_000_000,
        10_390_968,
        9_000_000,
    )
    assert line.net == 141_316_050 + 24_390_968 == 165_707_018 and line.arrears == 0
    assert result.created and result.line_count == 1 and result.total_net == 165_707_018
    assert result.total_allowances == 24_390_968 and result.total_deductions == 0
    # In its own start year an award gets no increase.
    b = award(world.worker_b, 100_000_000, "1404-02")
    payroll.run_payroll(admin, M(1404, 4))
    line = PayrollLine.objects.get(award=b, run__month=4)
    assert (line.pension_before, line.pension_after, line.adjustment_band) == (100_000_000, 100_000_000, -1)
    assert line.net == 100_000_000 + HOUSING_1404  # worker_b: no family recorded


def test_every_line_equals_the_per_person_calculator(pensioners, admin) -> None:
    month = M(1405, 6)
    award(pensioners[0].person, 50_000_000, "1405-07")  # starts after the month: not paid
    award(pensioners[1].person, 50_000_000, "1401-01", status=AwardStatus.STOPPED)  # stopped: not paid
    result = payroll.run_payroll(admin, month)
    lines = {line.award_id: line for line in PayrollLine.objects.filter(run_id=result.run_id)}
    assert set(lines) == {a.pk for a in pensioners if a.start <= month}
    for a in pensioners:
        if a.start > month:
            continue
        line = lines[a.pk]
        expected, band = per_person(a, month.year)
        assert (line.pension_after, line.adjustment_band) == (expected, band), a.pk
        assert line.pension_before == per_person(a, month.year - 1)[0] or a.start_year == month.year
        assert line.person_id == a.person_id
        extra = payroll.person_line(a, month, line.pension_after, line.arrears)
        assert extra == {k: getattr(line, k) for k in extra}, a.pk
        # survivors: no allowance (sources silent); 1405: housing 30,000,000, no family recorded here
        assert line.housing_allowance == (0 if a.kind == AwardKind.SURVIVORS else 30_000_000)
    run = PayrollRun.objects.get(pk=result.run_id)
    assert run.total_net == sum(line.net for line in lines.values()) == result.total_net
    assert run.notes["components"] == {}  # every component has a value in Shahrivar 1405
    assert set(run.notes["unverified"]) == {
        "family_allowance",
        "child_allowance",
        "housing_allowance",
        "supplementary_insurance",
    }


def test_running_a_month_again_changes_nothing(pensioners, admin) -> None:
    first = payroll.run_payroll(admin, M(1405, 2))
    counts = (PayrollRun.objects.count(), PayrollLine.objects.count(), AuditEntry.objects.count())
    again = payroll.run_payroll(admin, M(1405, 2))
    assert not again.created and first.created
    assert again.run_id == first.run_id and again.total_net == first.total_net
    assert "پیش‌تر" in again.message
    assert (PayrollRun.objects.count(), PayrollLine.objects.count(), AuditEntry.objects.count()) == counts


def test_a_failure_leaves_nothing_written(pensioners, admin, monkeypatch) -> None:
    write = payroll._write_lines

    def write_then_fail(run, lines):
        write(run, lines)
        assert PayrollLine.objects.filter(run=run).count() == len(lines.award_id) > 0
        raise RuntimeError("disk full")

    monkeypatch.setattr(payroll, "_write_lines", write_then_fail)
    with pytest.raises(RuntimeError):
        payroll.run_payroll(admin, M(1405, 3))
    assert not PayrollRun.objects.exists() and not PayrollLine.objects.exists()
    monkeypatch.undo()
    assert payroll.run_payroll(admin, M(1405, 3)).created


def test_a_late_decision_is_paid_as_arrears_once(world, admin) -> None:
    other = award(world.worker_a, 100_000_000, "1403-06")
    low = award(world.worker_b, 40_000_000, "1402-01", pro_rata=True)
    pending = payroll.pending(1404)
    for m in (1, 2, 3):  # Farvardin to Khordad 1404 paid before the 1404 decree
        result = payroll.run_payroll(admin, M(1404, m), params=pending)
        assert result.notes["increases_undecided"] == [1404]
    assert PayrollLine.objects.get(award=other, run__month=3).pension_after == 100_000_000
    assert PayrollLine.objects.get(award=other, run__month=3).net == 100_000_000 + ALLOWANCES_1404_ONE_CHILD
    low_1403 = per_person(low, 1403)[0]

    result = payroll.run_payroll(admin, M(1404, 4))  # the decree is in the parameters now
    line = PayrollLine.objects.get(award=other, run_id=result.run_id)
    assert line.pension_after == 141_316_050
    assert line.arrears == 3 * 41_316_050 == 123_948_150  # arrears are of the pension only
    assert line.net == 141_316_050 + 123_948_150 + ALLOWANCES_1404_ONE_CHILD
    low_line = PayrollLine.objects.get(award=low, run_id=result.run_id)
    # pro rata: minimum band, +45 % in 1404, rounded half up
    assert low_line.pension_after == (low_1403 * 145 * 2 + 100) // 200
    assert low_line.arrears == 3 * (low_line.pension_after - low_1403)
    assert result.total_arrears == line.arrears + low_line.arrears

    nxt = payroll.run_payroll(admin, M(1404, 5))
    assert nxt.total_arrears == 0
    assert (
        PayrollLine.objects.get(award=other, run_id=nxt.run_id).net == 141_316_050 + ALLOWANCES_1404_ONE_CHILD
    )


def test_arrears_due_is_vectorised_over_years() -> None:
    ids = np.array([3, 5, 9])
    by_year = {1403: np.array([10, 20, 30]), 1404: np.array([15, 25, 35])}
    paid = {
        "award_id": np.array([3, 3, 5, 7]),  # 7: a stopped award, not in this run
        "year": np.array([1403, 1404, 1404, 1404]),
        "months": np.array([12, 2, 2, 2]),
        "pension": np.array([120, 20, 50, 99]),
        "arrears": np.array([0, 0, 0, 0]),
    }
    assert payroll.arrears_due(ids, paid, by_year).tolist() == [10, 0, 0]


def test_only_payroll_staff_may_run_it(world) -> None:
    for role in ("insured", "pensioner", "employer", "branch_staff", "province_manager", "auditor"):
        with pytest.raises(Forbidden):
            payroll.run_payroll(world.users[role], M(1405, 1))
    assert not PayrollRun.objects.exists()
    assert payroll.run_payroll(world.users["hq_manager"], M(1405, 1)).created


def test_command_prints_totals_and_refuses_bad_input(world) -> None:
    award(world.worker_a, 100_000_000, "1403-06")
    out = StringIO()
    call_command("payroll", "run", "1404-03", "--json", stdout=out)
    d = json.loads(out.getvalue())
    assert (d["status"], d["lines"], d["total_net"]) == ("created", 1, 165_707_018)
    out = StringIO()
    call_command("payroll", "run", "1404/03", stdout=out)
    assert "پیش‌تر" in out.getvalue() and "total_net: 165,707,018" in out.getvalue()
    for bad in ("1404-13", "14-03", "abc"):
        with pytest.raises(CommandError) as exc:
            call_command("payroll", "run", bad)
        assert exc.value.returncode == 2 and "month" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("payroll", "run", "1404-04", "--actor", "insured-a")
    assert exc.value.returncode == 2 and "auth.forbidden" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("payroll", "run", "1404-04", "--actor", "nobody")
    assert exc.value.returncode == 2 and "actor" in str(exc.value)


# --- allowances and deductions ---------------------------------------------------------------------


@pytest.fixture
def family(world):
    """A married man born 1960 with children born 2010, 2016 (under 18 in 1404) and 2000 (25: not counted),
    a 2012 child who died in 2020 (not counted), and a spouse relation that ended in 2005 (ignored)."""
    f = SimpleNamespace()
    f.man = make_person(210000001, "احمد", "کاظمی", born=dt.date(1960, 5, 1), branch=world.branch_a)
    wife = make_person(210000002, "فاطمه", "کاظمی", sex="female", insured=False)
    ex = make_person(210000003, "سارا", "نادری", sex="female", insured=False)
    rel = FamilyRelation.objects.create
    rel(person=f.man, relative=wife, kind="spouse", valid_from=dt.date(1999, 1, 1))
    rel(
        person=f.man, relative=ex, kind="spouse", valid_from=dt.date(1990, 1, 1), valid_to=dt.date(2005, 1, 1)
    )
    for i, born in enumerate(
        (dt.date(2010, 2, 1), dt.date(2016, 7, 1), dt.date(2000, 1, 1), dt.date(2012, 1, 1))
    ):
        child = make_person(210000010 + i, "فرزند", f"کاظمی{i}", born=born, insured=False)
        if born.year == 2012:
            Person.objects.filter(pk=child.pk).update(death_date=dt.date(2020, 1, 1))
        rel(person=f.man, relative=child, kind="child", valid_from=born)
    f.award = award(f.man, 100_000_000, "1403-06")
    return f


def test_married_pensioner_with_two_children_deductions_cap_and_arrears(world, admin, family) -> None:
    staff = world.users["branch_staff"]
    a = family.award
    deductions.add_deduction(staff, a, "loan", M(1404, 2), amount=10_000_000, months=3, creditor="بانک رفاه")
    deductions.add_deduction(staff, a, "supplementary", M(1404, 1), covered_persons=2)
    deductions.add_deduction(staff, a, "court_order", M(1404, 2), amount=50_000_000, reference="۱۴۰۴/۱۲۳")

    # Ordibehesht 1404, before the 1404 decree: pension 100,000,000; allowances 5,000,000 + 2 × 10,390,968
    # + 9,000,000 = 34,781,936; premium 2 × 4,700,000; loan 10,000,000; court order capped at ¼ × 100,000,000.
    payroll.run_payroll(admin, M(1404, 2), params=payroll.pending(1404))
    line = PayrollLine.objects.get(award=a, run__month=2)
    assert (line.family_allowance, line.child_allowance, line.housing_allowance) == (
        5_000_000,
        20_781_936,
        9_000_000,
    )
    assert (line.supplementary_insurance, line.loan_installment, line.court_order) == (
        9_400_000,
        10_000_000,
        25_000_000,
    )
    assert line.net == 134_781_936 - 44_400_000 == 90_381_936

    # Khordad, the decree known: pension 141,316,050, arrears 41,316,050 for Ordibehesht (deductions do not
    # touch arrears); court cap ⌊141,316,050 / 4⌋ = 35,329,012.
    result = payroll.run_payroll(admin, M(1404, 3))
    line = PayrollLine.objects.get(award=a, run__month=3)
    assert (line.pension_after, line.arrears, line.court_order) == (141_316_050, 41_316_050, 35_329_012)
    assert (
        line.net == 141_316_050 + 34_781_936 + 41_316_050 - 9_400_000 - 10_000_000 - 35_329_012 == 162_685_024
    )
    assert result.total_deductions == 9_400_000 + 10_000_000 + 35_329_012
    assert result.total_allowances == 34_781_936
    assert payroll.person_line(a, M(1404, 3), line.pension_after, line.arrears)["net"] == line.net

    again = payroll.run_payroll(admin, M(1404, 3))  # nothing changes, not even with a new deduction
    deductions.add_deduction(staff, a, "loan", M(1404, 3), amount=1_000_000, months=1)
    assert not again.created and payroll.run_payroll(admin, M(1404, 3)).total_net == result.total_net
    assert PayrollLine.objects.get(award=a, run__month=3).net == 162_685_024

    # Mordad: the 3-month loan (Ordibehesht–Tir) is over; no arrears left.
    payroll.run_payroll(admin, M(1404, 5))
    line = PayrollLine.objects.get(award=a, run__month=5)
    assert (line.loan_installment, line.arrears) == (0, 0)
    assert line.net == 141_316_050 + 34_781_936 - 9_400_000 - 35_329_012 == 131_368_974


def test_net_never_below_zero_and_survivors_get_no_allowance(world, admin) -> None:
    widow = make_person(220000001, "مهین", "صادقی", sex="female", branch=world.branch_a)
    a = award(widow, 1_000_000, "1404-01", kind=AwardKind.SURVIVORS)
    staff = world.users["branch_staff"]
    deductions.add_deduction(staff, a, "supplementary", M(1404, 1))
    deductions.add_deduction(staff, a, "loan", M(1404, 1), amount=5_000_000)
    payroll.run_payroll(admin, M(1404, 2))
    line = PayrollLine.objects.get(award=a)
    assert (line.family_allowance, line.child_allowance, line.housing_allowance) == (0, 0, 0)
    # premium 4,700,000 > pension 1,000,000: taken only up to the pension; the loan gets nothing
    assert (line.supplementary_insurance, line.loan_installment, line.net) == (1_000_000, 0, 0)


def test_married_woman_gets_no_child_allowance(world, admin) -> None:
    woman = make_person(230000001, "نرگس", "امینی", sex="female", branch=world.branch_a)
    husband = make_person(230000002, "رضا", "امینی", insured=False)
    child = make_person(230000003, "علی", "امینی", born=dt.date(2015, 1, 1), insured=False)
    FamilyRelation.objects.create(
        person=woman, relative=husband, kind="spouse", valid_from=dt.date(2010, 1, 1)
    )
    FamilyRelation.objects.create(person=woman, relative=child, kind="child", valid_from=dt.date(2015, 1, 1))
    a = award(woman, 100_000_000, "1403-06", kind=AwardKind.DISABILITY)
    payroll.run_payroll(admin, M(1404, 3))
    line = PayrollLine.objects.get(award=a)
    assert (line.family_allowance, line.child_allowance, line.housing_allowance) == (5_000_000, 0, 9_000_000)


def test_missing_parameter_is_zero_with_a_note(world, admin, family) -> None:
    # 1402: no family allowance in the parameters, no supplementary premium (contract not found).
    deductions.add_deduction(world.users["admin"], family.award, "supplementary", M(1402, 1))
    a = award(world.worker_b, 50_000_000, "1401-01")
    result = payroll.run_payroll(admin, M(1402, 5))
    line = PayrollLine.objects.get(award=a)
    assert (line.family_allowance, line.housing_allowance, line.supplementary_insurance) == (0, 9_000_000, 0)
    assert set(result.notes["components"]) == {"family_allowance", "supplementary_insurance"}
    assert "در پارامترها نیست" in result.notes["components"]["family_allowance"]


def test_add_deduction_refuses_bad_input_and_other_roles(world, family) -> None:
    staff = world.users["branch_staff"]
    a = family.award
    for kw, code in (
        ({"kind": "gift", "amount": 1}, "deduction.kind"),
        ({"kind": "loan", "amount": 0}, "deduction.amount"),
        ({"kind": "loan", "amount": None}, "deduction.amount"),
        ({"kind": "court_order", "amount": 1.5}, "deduction.amount"),
        ({"kind": "supplementary", "amount": 4_700_000}, "deduction.amount"),
        ({"kind": "supplementary", "covered_persons": 0}, "deduction.covered_persons"),
        ({"kind": "loan", "amount": 10, "months": 0}, "deduction.months"),
    ):
        kind = kw.pop("kind")
        with pytest.raises(DomainError) as exc:
            deductions.add_deduction(staff, a, kind, M(1404, 1), **kw)
        assert exc.value.problems[0].code == code
    for role in ("insured", "pensioner", "employer", "hq_manager", "auditor"):
        with pytest.raises(Forbidden):
            deductions.add_deduction(world.users[role], a, "loan", M(1404, 1), amount=1)
    with pytest.raises(Forbidden):  # another branch's pensioner
        deductions.add_deduction(world.staff_b, a, "loan", M(1404, 1), amount=1)
    assert not PensionDeduction.objects.exists()
    d = deductions.add_deduction(staff, a, "loan", M(1404, 1), amount=1_000, months=12)
    assert (d.end, d.created_by) == (M(1404, 12), staff.username)
    assert AuditEntry.objects.filter(action="payroll.deduction.add").count() == 1


def test_rules_cap_and_order() -> None:
    from fractions import Fraction

    from tamin.rules import pension_allowances as pa

    t = pa.take_deductions(
        gross=np.array([100, 100, 10]),
        pension=np.array([80, 80, 10]),
        supplementary=np.array([5, 5, 20]),
        loan=np.array([10, 90, 5]),
        court=np.array([50, 50, 5]),
        share=Fraction(1, 4),
    )
    # court capped at ⌊80/4⌋ = 20; in the 2nd row only 5 is left after the loan; 3rd: the premium eats all
    assert (t.supplementary.tolist(), t.loan.tolist(), t.court.tolist()) == (
        [5, 5, 10],
        [10, 90, 0],
        [20, 5, 0],
    )


def test_command_adds_a_deduction_and_refuses_bad_input(world) -> None:
    a = award(world.worker_a, 100_000_000, "1403-06")
    out = StringIO()
    call_command(
        "payroll",
        "deduction",
        str(a.pk),
        "loan",
        "1404-03",
        "--amount",
        "2000000",
        "--months",
        "6",
        "--json",
        stdout=out,
    )
    d = json.loads(out.getvalue())
    assert (d["kind"], d["amount"], d["start"], d["end"]) == ("loan", 2_000_000, "1404-03", "1404-08")
    call_command("payroll", "run", "1404-03", stdout=StringIO())
    assert PayrollLine.objects.get(award=a).loan_installment == 2_000_000
    for argv, field in (
        ([str(a.pk), "loan", "1404-13", "--amount", "1"], "start"),
        (["999999", "loan", "1404-03", "--amount", "1"], "award"),
        ([str(a.pk), "loan", "1404-03", "--amount", "-5"], "amount"),
        ([str(a.pk), "loan", "1404-03", "--amount", "1", "--actor", "insured-a"], "auth.forbidden"),
    ):
        with pytest.raises(CommandError) as exc:
            call_command("payroll", "deduction", *argv)
        assert exc.value.returncode == 2 and field in str(exc.value), argv
    assert PensionDeduction.objects.count() == 1
