"""The monthly payroll: every line equals the per-person calculator, runs are whole and idempotent, a late
yearly decision is paid as arrears once, and only payroll staff may run it."""

from __future__ import annotations

import json
import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tamin.audit.models import AuditEntry
from tamin.benefits import payroll
from tamin.benefits.models import AwardKind, AwardStatus, PayrollLine, PayrollRun, PensionAward
from tamin.core.errors import Forbidden
from tamin.core.jalali import JalaliMonth
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


def test_worked_case_1404_other_band(world, admin) -> None:
    # rules.md E7: 100,000,000 in 1403 → 100,000,000 × 1.32 + 9,316,050 = 141,316,050 in 1404.
    a = award(world.worker_a, 100_000_000, "1403-06")
    result = payroll.run_payroll(admin, M(1404, 3))
    line = PayrollLine.objects.get(award=a)
    assert (line.pension_before, line.pension_after, line.adjustment_band) == (100_000_000, 141_316_050, 1)
    assert line.net == 141_316_050 and line.arrears == 0
    assert result.created and result.line_count == 1 and result.total_net == 141_316_050
    # In its own start year an award gets no increase.
    b = award(world.worker_b, 100_000_000, "1404-02")
    payroll.run_payroll(admin, M(1404, 4))
    line = PayrollLine.objects.get(award=b, run__month=4)
    assert (line.pension_before, line.pension_after, line.adjustment_band) == (100_000_000, 100_000_000, -1)


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
        assert line.net == line.pension_after + line.family_allowance + line.housing_allowance - (
            line.supplementary_insurance
        )
    run = PayrollRun.objects.get(pk=result.run_id)
    assert run.total_net == sum(line.net for line in lines.values()) == result.total_net
    assert set(run.notes["components"]) == {
        "family_allowance",
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
    low_1403 = per_person(low, 1403)[0]

    result = payroll.run_payroll(admin, M(1404, 4))  # the decree is in the parameters now
    line = PayrollLine.objects.get(award=other, run_id=result.run_id)
    assert line.pension_after == 141_316_050
    assert line.arrears == 3 * 41_316_050 == 123_948_150
    assert line.net == 141_316_050 + 123_948_150
    low_line = PayrollLine.objects.get(award=low, run_id=result.run_id)
    # pro rata: minimum band, +45 % in 1404, rounded half up
    assert low_line.pension_after == (low_1403 * 145 * 2 + 100) // 200
    assert low_line.arrears == 3 * (low_line.pension_after - low_1403)
    assert result.total_arrears == line.arrears + low_line.arrears

    nxt = payroll.run_payroll(admin, M(1404, 5))
    assert nxt.total_arrears == 0
    assert PayrollLine.objects.get(award=other, run_id=nxt.run_id).net == 141_316_050


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
    assert (d["status"], d["lines"], d["total_net"]) == ("created", 1, 141_316_050)
    out = StringIO()
    call_command("payroll", "run", "1404/03", stdout=out)
    assert "پیش‌تر" in out.getvalue() and "total_net: 141,316,050" in out.getvalue()
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
