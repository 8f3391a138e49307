"""Instalment plans (SSL Art. 46; parameters/installments.yaml)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth, format_jalali, parse_jalali_date
from tamin.rules.installments import (
    approval_level,
    approval_levels,
    installment_plan,
    limits_for,
    max_months_for,
    missed,
)
from tamin.rules.params import PARAMETER_DIR, ParameterSet, default_parameters, load_parameters

P = default_parameters()
ON = parse_jalali_date("1404/07/15")


def j(s: str) -> dt.date:
    return parse_jalali_date(s)


def band(n: int, what: str) -> int:
    return int(P.value(f"installment.band.{n}.{what}", ON))


def params_with(tmp_path: Path, name: str, value: int) -> ParameterSet:
    """The shipped parameters with the first value of installments.yaml's `name` replaced."""
    for f in PARAMETER_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "installments.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"{name}:\n")
    cut = text.index("      value: ", start)
    end = text.index("\n", cut)
    path.write_text(text[:cut] + f"      value: {value}" + text[end:], encoding="utf-8")
    changed = load_parameters(tmp_path)
    assert changed.value(name, ON) == value
    return changed


def params_plus(tmp_path: Path, extra: str) -> ParameterSet:
    """The shipped parameters with `extra` (YAML parameters) appended to installments.yaml."""
    for f in PARAMETER_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "installments.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return load_parameters(tmp_path)


def _param(name: str, value: int, unit: str, start: str = "1404/01/01") -> str:
    return (
        f"{name}:\n  description: test\n  unit: {unit}\n  values:\n    - from: {start}\n"
        f"      value: {value}\n      source: test\n      confidence: unverified\n      note: test\n"
    )


# --- the schedule --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    debt=st.integers(1, 10**14),
    months=st.integers(1, 36),
    on=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
)
def test_schedule_sums_exactly_to_the_debt(debt: int, months: int, on: dt.date) -> None:
    try:
        plan = installment_plan(debt, requested_months=months, on=on)
    except DomainError as exc:
        assert exc.code in {"installment.months_band", "installment.minimum"}
        return
    assert plan.principal.dtype == np.int64 and int(plan.principal.sum()) == debt
    monthly = plan.principal[1:]
    assert monthly.max() - monthly.min() <= 1  # the remainder is spread one Rial at a time
    assert (np.diff(monthly) <= 0).all()  # ... onto the earliest instalments
    assert len(plan.due) == months + 1 and plan.due[0] == np.datetime64(on)
    for k, d in enumerate(plan.due[1:].tolist(), 1):
        assert d == (JalaliMonth.of(on) + k).last_day()
    assert (plan.interest >= 0).all() and plan.interest[0] == 0
    again = installment_plan(debt, requested_months=months, on=on)
    assert again.principal.tolist() == plan.principal.tolist()  # deterministic


def test_a_plan_by_hand() -> None:
    plan = installment_plan(1_000_000_007, requested_months=12, on=ON)
    # 10 % down payment, then 900,000,007 / 12 = 75,000,000 rest 7 → seven instalments get one Rial more.
    assert plan.down_payment == 100_000_001  # 10 % of 1,000,000,007 = 100,000,000.7, half up
    assert plan.principal[1:].tolist() == [75_000_001] * 6 + [75_000_000] * 6
    assert [r["due"] for r in plan.rows()[:3]] == ["1404/07/15", "1404/08/30", "1404/09/30"]
    assert plan.rows()[-1]["due"] == "1405/07/30"
    # Art. 46: 12 % a year on the balance before each instalment = 1 % a month.
    assert plan.interest[1] == 9_000_000  # 1 % of 900,000,006 rounded
    assert plan.interest[2] == 8_250_000  # 1 % of 825,000,005
    assert plan.total == 1_000_000_007 + int(plan.interest.sum())
    assert plan.derivation["law"].startswith("SSL Art. 46")


def test_due_dates_follow_jalali_month_ends() -> None:
    plan = installment_plan(3_000_000_000, requested_months=24, on=j("1403/10/20"))
    assert [r["due"] for r in plan.rows()[1:4]] == ["1403/11/30", "1403/12/30", "1404/01/31"]  # leap Esfand


# --- the limits ----------------------------------------------------------------------------------------


def test_band_limits_either_side() -> None:
    b1, b2 = band(1, "max_debt"), band(2, "max_debt")
    m1, m2 = band(1, "max_months"), band(2, "max_months")
    assert max_months_for(b1, ON) == m1 and max_months_for(b1 + 1, ON) == m2
    assert max_months_for(b2, ON) == m2 and max_months_for(b2 + 1, ON) == 36
    installment_plan(b1, requested_months=m1, on=ON)
    with pytest.raises(DomainError) as err:
        installment_plan(b1, requested_months=m1 + 1, on=ON)
    assert (err.value.code, err.value.field) == ("installment.months_band", "requested_months")
    installment_plan(b1 + 1, requested_months=m1 + 1, on=ON)
    installment_plan(b2, requested_months=m2, on=ON)
    with pytest.raises(DomainError):
        installment_plan(b2, requested_months=m2 + 1, on=ON)
    installment_plan(b2 + 1, requested_months=36, on=ON)


def test_legal_maximum_is_36_months() -> None:
    assert P.value("installment.max_months", "1354/04/03") == 36
    with pytest.raises(DomainError) as err:
        installment_plan(10**13, requested_months=37, on=ON)
    assert err.value.code == "installment.months" and "۳۶" in err.value.message
    with pytest.raises(DomainError) as err:
        installment_plan(10**13, requested_months=0, on=ON)
    assert err.value.code == "installment.months"


def test_debt_and_minimum_instalment() -> None:
    with pytest.raises(DomainError) as err:
        installment_plan(0, requested_months=3, on=ON)
    assert (err.value.code, err.value.field) == ("installment.debt", "debt")
    minimum = int(P.value("installment.minimum_installment", ON))
    debt = 100_000_000  # 90,000,000 after the down payment
    installment_plan(debt, requested_months=90_000_000 // minimum, on=ON)
    with pytest.raises(DomainError) as err:
        installment_plan(debt, requested_months=90_000_000 // minimum + 1, on=ON)
    assert err.value.code == "installment.minimum" and "۹" in err.value.message
    with pytest.raises(TypeError):
        installment_plan(1.5e9, requested_months=3, on=ON)  # type: ignore[arg-type]


# --- missed instalments --------------------------------------------------------------------------------


def _pay_all(plan, upto: int, late_days: int = 0) -> list[tuple[dt.date, int]]:
    return [
        (d.item() + dt.timedelta(days=late_days), int(a))
        for d, a in zip(plan.due[: upto + 1], plan.amount[: upto + 1], strict=True)
    ]


def test_paid_on_time_is_active_then_completed() -> None:
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON)
    status = missed(plan, _pay_all(plan, 3), j("1404/11/15"))
    assert status.state == "active" and status.missed == ()
    assert format_jalali(status.next_due) == "1404/11/30"
    assert status.outstanding == plan.total - int(plan.amount[:4].sum())
    done = missed(plan, _pay_all(plan, 12), j("1406/01/01"))
    assert (done.state, done.outstanding) == ("completed", 0)


def test_paying_within_grace_is_not_missed() -> None:
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON)
    # Instalment 1 (due 1404/08/30) paid on 1404/09/30, the last day of its one-month grace.
    payments = [(ON, plan.down_payment), (j("1404/09/30"), int(plan.amount[1]) + int(plan.amount[2]))]
    status = missed(plan, payments, j("1404/10/05"))
    assert status.state == "active" and status.missed == ()


def test_one_missed_instalment_voids_the_plan() -> None:
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON)
    payments = [(ON, plan.down_payment)]
    assert missed(plan, payments, j("1404/09/30")).state == "active"  # grace runs to 1404/09/30
    status = missed(plan, payments, j("1404/10/01"))
    assert status.state == "void" and status.missed == (1,)
    assert format_jalali(status.void_on) == "1404/10/01"
    # Instalments due before the void day (1 and 2) keep their interest; later ones only principal.
    owed = int(plan.amount[1:3].sum() + plan.principal[3:].sum())
    assert status.outstanding == owed
    assert status.penalty == round(owed * 0.02 / 30)  # one day of the 2 %/month penalty


def test_void_rule_comes_from_parameters(tmp_path: Path) -> None:
    lenient = params_with(tmp_path, "installment.void_after_missed", 2)
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON, params=lenient)
    payments = [(ON, plan.down_payment)]
    one = missed(plan, payments, j("1404/10/01"), params=lenient)
    assert one.state == "active" and one.missed == (1,)
    two = missed(plan, payments, j("1404/11/01"), params=lenient)
    assert two.state == "void" and two.missed == (1, 2) and format_jalali(two.void_on) == "1404/11/01"


def test_no_grace_applies_article_46_literally(tmp_path: Path) -> None:
    strict = params_with(tmp_path, "installment.grace_months", 0)
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON, params=strict)
    status = missed(plan, [(ON, plan.down_payment)], j("1404/09/01"), params=strict)
    assert status.state == "void" and format_jalali(status.void_on) == "1404/09/01"
    assert missed(plan, [(ON, plan.down_payment)], j("1404/08/30"), params=strict).state == "active"


# --- optional structure: a band's own down payment, approval ceilings ----------------------------------


def test_a_band_may_have_its_own_down_payment(tmp_path: Path) -> None:
    p = params_plus(tmp_path, _param("installment.band.1.down_payment_percent", 20, "percent"))
    # Band 1 (up to 1,000,000,000): 20 % from 1404/01/01; before that, and in band 2, the general 10 %.
    plan = installment_plan(500_000_000, requested_months=10, on=ON, params=p)
    assert plan.down_payment == 100_000_000 and plan.principal[1:].tolist() == [40_000_000] * 10
    assert plan.derivation["limits"]["band"] == 1
    assert "installment.band.1.down_payment_percent" in plan.derivation["sources"]
    assert "installment.down_payment_percent" not in plan.derivation["sources"]
    before = installment_plan(500_000_000, requested_months=10, on=j("1403/12/30"), params=p)
    assert before.down_payment == 50_000_000 and before.principal[1:].tolist() == [45_000_000] * 10
    band2 = installment_plan(2_000_000_000, requested_months=24, on=ON, params=p)
    assert band2.down_payment == 200_000_000 and band2.derivation["limits"]["band"] == 2
    above = limits_for(10**11, ON, params=p)
    assert (above.band, above.max_months, above.down_payment_percent) == (None, 36, 10)


def test_without_ceilings_the_branch_decides_every_size() -> None:
    # The shipped parameters set no approval ceiling (none was found in any source).
    assert approval_levels(ON) == ("branch",)
    assert approval_level(1, ON) == approval_level(10**15, ON) == "branch"
    plan = installment_plan(2_000_000_000, requested_months=12, on=ON)
    assert (plan.derivation["limits"]["approval"], plan.derivation["limits"]["approval_fa"]) == (
        "branch",
        "شعبه",
    )


def test_approval_ceilings_either_side(tmp_path: Path) -> None:
    p = params_plus(
        tmp_path,
        _param("installment.approval.branch.max_debt", 5_000_000_000, "rial")
        + "\n"
        + _param("installment.approval.province.max_debt", 50_000_000_000, "rial"),
    )
    assert approval_levels(ON, params=p) == ("branch", "province", "hq")
    assert [approval_level(d, ON, params=p) for d in (1, 5_000_000_000, 5_000_000_001)] == [
        "branch",
        "branch",
        "province",
    ]
    assert approval_level(50_000_000_000, ON, params=p) == "province"
    assert approval_level(50_000_000_001, ON, params=p) == "hq"
    plan = installment_plan(60_000_000_000, requested_months=36, on=ON, params=p)
    assert plan.derivation["limits"]["approval"] == "hq"
    assert "installment.approval.province.max_debt" in plan.derivation["sources"]
    # The ceilings are dated: before 1404/01/01 the branch decides everything.
    assert approval_levels(j("1403/12/30"), params=p) == ("branch",)
    assert approval_level(60_000_000_000, j("1403/12/30"), params=p) == "branch"


def test_a_branch_ceiling_alone_sends_larger_debts_to_the_province(tmp_path: Path) -> None:
    p = params_plus(tmp_path, _param("installment.approval.branch.max_debt", 5_000_000_000, "rial"))
    assert approval_levels(ON, params=p) == ("branch", "province")
    assert approval_level(5_000_000_000, ON, params=p) == "branch"
    assert approval_level(10**15, ON, params=p) == "province"
