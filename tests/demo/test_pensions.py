"""The demo's pensions: an award for every pensioner, payroll slips for every month with one yearly
increase decided late, every line equal to the per-person calculator, idempotent and deterministic."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rich.console import Console

from tamin.accounts.models import User
from tamin.audit import triggers
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.benefits import payroll
from tamin.benefits.models import AwardKind, PayrollLine, PayrollRun, PensionAward
from tamin.core.jalali import JalaliMonth
from tamin.demo import pensions, report
from tamin.demo.build import BuildOptions, build, clear_population
from tamin.registry.models import FamilyRelation, Person
from tamin.rules.params import default_parameters
from tamin.rules.pensions import (
    DISABILITY_PARTIAL,
    DISABILITY_TOTAL,
    disability_pension,
    minimum_pension,
    retirement_pension,
    survivor_pensions,
    survivors_eligible,
)
from tests.benefits.test_payroll import per_person

PROVINCE = "18"
SCALE = 0.0005
SEED = 7
REFERENCE = dt.date(2025, 10, 1)  # 1404/07/09
M = JalaliMonth
WINDOW = tuple(M(1403, 11) + k for k in range(9))  # 6 months extended back to two before Farvardin 1404


def _build(seed: int = SEED, months: int = 6):
    return build(
        BuildOptions(scale=SCALE, seed=seed, province=PROVINCE, today=REFERENCE, payroll_months=months)
    )


@pytest.fixture
def demo(db):
    return _build()


def _pensioner_award() -> PensionAward:
    return PensionAward.objects.get(person_id=User.objects.get(username="demo-pensioner").person_id)


def test_schedule_spans_one_farvardin_decided_late():
    s = pensions.schedule(REFERENCE, 6)
    assert s.months == WINDOW and s.late_year == 1404
    params = default_parameters()
    assert [s.params_for(m, params) is not None for m in s.months] == [
        False,
        False,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    # A long window needs no extension; Farvardin itself reaches back to the previous year's increase.
    assert pensions.schedule(REFERENCE, 12).months == tuple(M(1403, 8) + k for k in range(12))
    early = pensions.schedule(M(1404, 2).first_day(), 6)
    assert early.late_year == 1403 and early.months[0] == M(1402, 11) and early.months[-1] == M(1404, 2)
    assert pensions.schedule(REFERENCE, 0).months == ()
    with pytest.raises(ValueError):
        pensions.schedule(REFERENCE, pensions.MAX_PAYROLL_MONTHS + 1)


def _on(awards: list[PensionAward]) -> np.ndarray:
    return np.array([np.datetime64(a.start.first_day(), "D") for a in awards], dtype="datetime64[D]")


def _column(awards: list[PensionAward], key: str) -> np.ndarray:
    return np.array([a.derivation[key] for a in awards])


ROUTE = {"full_service": 1, "age": 3, "ten_year": 6}


def test_every_pensioner_has_an_award_from_the_rules(demo):
    pensioners = set(Person.objects.filter(is_pensioner=True).values_list("id", flat=True))
    awards = list(PensionAward.objects.all())
    assert pensioners and {a.person_id for a in awards} == pensioners and len(awards) == len(pensioners)
    starts = {a.start for a in awards}
    assert (
        min(s.index for s in starts) >= M(1401, 1).index and max(s.index for s in starts) <= M(1404, 7).index
    )
    assert len({s.year for s in starts}) == 4  # spread over 1401–1404
    retirement = [a for a in awards if a.kind == AwardKind.RETIREMENT]
    assert any(a.pro_rata for a in retirement) and not all(a.pro_rata for a in retirement)
    # The base is Art. 77 recomputed from the derivation, and a full pension is at least Art. 111's minimum.
    on = _on(retirement)
    expected = retirement_pension(
        _column(retirement, "average_wage"),
        _column(retirement, "credited_days"),
        np.array([ROUTE[r] for r in _column(retirement, "route")]),
        on,
    )
    assert [a.base_amount for a in retirement] == expected.tolist()
    minimum = minimum_pension(on)
    for a, m in zip(retirement, minimum.tolist(), strict=True):
        assert a.base_amount >= m or a.pro_rata, a.pk
        assert a.pro_rata == (a.derivation["route"] == "ten_year")


def test_every_kind_in_the_published_proportions(demo):
    """sso_stats.csv, end of Azar 1396: 1,730,898 retirees, 136,704 disability pensioners and 2,665,302
    pension files (the survivors' files are the rest, 797,700): 64.94 %, 5.13 %, 29.93 %."""
    shares = pensions.published_shares()
    assert round(shares["retirement"], 4) == 0.6494 and round(shares["disability"], 4) == 0.0513
    assert round(shares["survivors"], 4) == 0.2993 and round(shares["survivors_per_file"], 3) == 1.933
    kinds = Counter(PensionAward.objects.values_list("kind", flat=True))
    n = sum(kinds.values())
    # 47 pensioners: 30.52, 2.41 and 14.07 → 30, 2, 14 and the largest remainder (retirement) gets the 47th.
    assert n == demo.counts["pensioners"] == 47
    assert dict(kinds) == {"retirement": 31, "disability": 2, "survivors": 14}
    assert demo.counts["pension_awards_survivors"] == 14 and demo.counts["pension_awards_disability"] == 2
    cases = Counter(a.derivation["case"] for a in PensionAward.objects.filter(kind=AwardKind.DISABILITY))
    assert cases == {"disability_total": 1, "disability_partial": 1}
    # Survivors' files are paid to pensioners without a spouse (widows first); the demo pensioner retired.
    married = set(FamilyRelation.objects.filter(kind="spouse").values_list("person_id", flat=True)) | set(
        FamilyRelation.objects.filter(kind="spouse").values_list("relative_id", flat=True)
    )
    survivors = list(PensionAward.objects.filter(kind=AwardKind.SURVIVORS).select_related("person"))
    assert not {a.person_id for a in survivors} & married
    assert sum(a.person.sex == "female" for a in survivors) >= len(survivors) // 2
    assert _pensioner_award().kind == AwardKind.RETIREMENT


def test_disability_awards_come_from_the_engine(demo):
    awards = list(PensionAward.objects.filter(kind=AwardKind.DISABILITY))
    on = _on(awards)
    r = disability_pension(
        _column(awards, "average_wage"),
        _column(awards, "credited_days"),
        _column(awards, "percent"),
        _column(awards, "work_related"),
        _column(awards, "dependants"),
        _column(awards, "days_10y"),
        _column(awards, "days_last_year"),
        on,
    )
    assert r.eligible.all() and [a.base_amount for a in awards] == r.pension.tolist()
    degree = {"disability_total": DISABILITY_TOTAL, "disability_partial": DISABILITY_PARTIAL}
    assert r.degree.tolist() == [degree[a.derivation["case"]] for a in awards]
    params = default_parameters()
    for a, m in zip(awards, minimum_pension(on).tolist(), strict=True):
        partial = a.derivation["case"] == "disability_partial"
        # Partial disability is established pro rata (its own increase band) and is work-related, its loss
        # below the total threshold; a total one is at least the Art. 111 minimum.
        assert a.pro_rata == partial, a.pk
        total_from = params.value("disability.total.min_percent", a.start.first_day())
        assert (a.derivation["percent"] < total_from) == partial
        assert a.derivation["work_related"] or not partial
        assert partial or a.base_amount >= m


def test_survivors_awards_come_from_the_engine(demo):
    awards = list(PensionAward.objects.filter(kind=AwardKind.SURVIVORS))
    on = _on(awards)
    d = [a.derivation for a in awards]
    deceased_pensioner = np.array([x["deceased_pensioner"] for x in d])
    credited = _column(awards, "credited_days")
    # A deceased pensioner's base is their own Art. 77 pension.
    own = retirement_pension(
        _column(awards, "average_wage"), credited, np.array([ROUTE[x["deceased_route"]] for x in d]), on
    )
    base = _column(awards, "base_pension")
    assert (base[deceased_pensioner] == own[deceased_pensioner]).all()
    eligible = survivors_eligible(
        deceased_pensioner,
        np.zeros(len(d), bool),
        _column(awards, "days_10y"),
        _column(awards, "days_last_year"),
        credited,
        on,
    )
    children = np.array([x["survivors"]["children"] for x in d])
    r = survivor_pensions(base, eligible, np.ones(len(d)), children, np.zeros(len(d)), on)
    assert eligible.all() and [a.base_amount for a in awards] == r.total.tolist()
    assert not any(a.pro_rata for a in awards)
    # One award per family, never below the Art. 111 minimum.
    assert (r.total >= minimum_pension(on)).all()
    assert any(x["deceased_pensioner"] for x in d) and not all(x["deceased_pensioner"] for x in d)


def test_the_demo_pensioner_has_a_slip_every_month_one_with_the_increase_and_arrears(demo):
    award = _pensioner_award()
    assert award.start.index <= WINDOW[0].index
    lines = list(
        PayrollLine.objects.filter(award=award).select_related("run").order_by("run__year", "run__month")
    )
    assert [line.run.period for line in lines] == list(WINDOW)
    old = per_person(award, 1403)[0]
    new = per_person(award, 1404)[0]
    assert new > old
    by_month = {line.run.period: line for line in lines}
    for m in (M(1403, 11), M(1403, 12), M(1404, 1), M(1404, 2)):  # 1404's decision not known yet
        assert (by_month[m].pension_after, by_month[m].arrears) == (old, 0)
    raised = by_month[M(1404, 3)]
    assert (raised.pension_before, raised.pension_after) == (old, new) and raised.adjustment_band >= 0
    # net = pension + arrears + the allowances and deductions of the per-person calculator
    assert raised.arrears == 2 * (new - old)
    assert raised.net == payroll.person_line(award, M(1404, 3), new, raised.arrears)["net"]
    assert all(
        by_month[m].arrears == 0 and by_month[m].net == payroll.person_line(award, m, new, 0)["net"]
        for m in WINDOW[5:]
    )
    assert demo.payroll_months == WINDOW and demo.late_increase_year == 1404


def test_every_line_equals_the_per_person_calculator(demo):
    params = default_parameters()
    late = payroll.pending(1404, params)
    awards = {a.pk: a for a in PensionAward.objects.all()}
    # award → (year, pension paid) of every earlier month, and the arrears paid so far
    history: dict[int, list[tuple[int, int]]] = {}
    arrears_paid: dict[int, int] = {}
    runs = list(PayrollRun.objects.order_by("year", "month"))
    assert [r.period for r in runs] == list(WINDOW)
    for run in runs:
        month = run.period
        p = late if month.year == 1404 and month.month <= 2 else None
        lines = list(PayrollLine.objects.filter(run=run))
        assert {line.award_id for line in lines} == {a.pk for a in awards.values() if a.start <= month}
        for line in lines:
            a = awards[line.award_id]
            expected, band = per_person(a, month.year, p)
            assert (line.pension_after, line.adjustment_band) == (expected, band), (month, a.pk)
            # Arrears: what the earlier months should have paid, as known this month, less what they did.
            owed = sum(per_person(a, y, p)[0] - amount for y, amount in history.get(a.pk, []))
            assert line.arrears == max(owed - arrears_paid.get(a.pk, 0), 0), (month, a.pk)
            extra = payroll.person_line(a, month, line.pension_after, line.arrears, params=p)
            assert line.net == extra["net"], (month, a.pk)
            history.setdefault(a.pk, []).append((month.year, line.pension_after))
            arrears_paid[a.pk] = arrears_paid.get(a.pk, 0) + line.arrears
        assert run.total_net == sum(line.net for line in lines)
    assert sum(r.total_arrears for r in runs) == demo.counts["payroll_arrears"] > 0
    assert runs[-1].total_net == demo.counts["payroll_last_net"] > 0
    for pk, months in history.items():  # every arrear was paid, once
        owed = sum(per_person(awards[pk], y)[0] - amount for y, amount in months)
        assert owed == arrears_paid[pk], pk


def test_audit_verifies_and_names_each_payroll_run(demo):
    assert verify().ok
    assert AuditEntry.objects.filter(action="payroll.run").count() == len(WINDOW)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)


def test_running_again_adds_nothing(demo):
    before = (PensionAward.objects.count(), PayrollRun.objects.count(), PayrollLine.objects.count())
    again = pensions.run(REFERENCE, months=6, seed=SEED, pensioner="demo-pensioner")
    assert again.counts["pension_awards_created"] == 0
    assert (PensionAward.objects.count(), PayrollRun.objects.count(), PayrollLine.objects.count()) == before
    same = {k: v for k, v in again.counts.items() if k != "pension_awards_created"}
    assert same == {k: demo.counts[k] for k in same}


def test_same_seed_same_awards_and_payroll(db):
    def snapshot() -> tuple:
        return (
            sorted(
                PensionAward.objects.values_list(
                    "person__national_code", "start_year", "start_month", "base_amount", "pro_rata"
                )
            ),
            sorted(
                PayrollLine.objects.values_list(
                    "person__national_code", "run__year", "run__month", "pension_after", "arrears", "net"
                )
            ),
        )

    def clear() -> None:
        with triggers.suspended():
            clear_population(audit=True)

    first = _build()
    one = snapshot()
    clear()
    assert not PensionAward.objects.exists() and not PayrollRun.objects.exists()
    again = _build()
    assert snapshot() == one and again.counts == first.counts
    clear()
    _build(SEED + 1)
    assert snapshot()[0] != one[0]


def test_summary_prints_the_payroll(demo):
    buf = io.StringIO()
    report.print_summary(Console(file=buf, width=250), demo)
    text = buf.getvalue()
    assert "pension awards" in text and "1403-11–1404-07" in text and "1404 increase decided late" in text
    assert f"{demo.counts['payroll_arrears']:,} Rials of arrears" in text
    assert "payroll" in text.split("Built in")[1]  # the timing line names the phase


def test_no_payroll_months_no_pensions(db):
    result = _build(months=0)
    assert "pension_awards" not in result.counts and not PensionAward.objects.exists()
    assert not PayrollRun.objects.exists()


@pytest.mark.parametrize("months", ["-1", "25"])
def test_bad_payroll_months_is_a_command_error(db, months):
    with pytest.raises(CommandError, match="--payroll-months"):
        call_command("demo", "--no-serve", "--payroll-months", months)
