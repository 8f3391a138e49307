"""Forgiveness campaigns (بخشودگی جرائم), parameters/forgiveness.yaml."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.rules.forgiveness import (
    PAID_OR_INSTALLED,
    campaign,
    campaigns,
    forgiven,
    forgiven_explained,
)
from tamin.rules.params import PARAMETER_DIR, ParameterError, load_parameters

NAT = np.datetime64("NaT", "D")
ONE_DAY = dt.timedelta(days=1)


def j(s: str) -> dt.date:
    return parse_jalali_date(s)


def days(*values: str | None) -> np.ndarray:
    return np.array([NAT if v is None else np.datetime64(j(v), "D") for v in values], dtype="datetime64[D]")


def debts(months: list[int], **columns: np.ndarray) -> dict[str, np.ndarray]:
    n = len(months)
    base = {
        "month": np.array(months, dtype=np.int64),
        "principal": np.full(n, 50_000_000, dtype=np.int64),
        "late_list_penalty": np.full(n, 5_000_001, dtype=np.int64),
        "late_payment_penalty": np.full(n, 12_345_679, dtype=np.int64),
        "principal_paid_on": days(*[None] * n),
    }
    base.update(columns)
    return base


def test_the_campaigns_and_their_windows() -> None:
    ids = [c.id for c in campaigns()]
    assert ids == ["c1392_budget", "c1397_art13", "c1402_khordad"]
    c = campaign("c1397_art13")
    assert (format_jalali(c.start), format_jalali(c.deadline)) == ("1397/02/10", "1397/04/10")
    assert c.condition == PAID_OR_INSTALLED and c.covers == ("late_list", "late_payment")
    assert c.source.startswith("http://eatabriz.ir")
    with pytest.raises(ParameterError):
        campaign("c1300_none")


@pytest.mark.parametrize("cid", ["c1392_budget", "c1397_art13", "c1402_khordad"])
def test_campaigns_on_either_side_of_their_window(cid: str) -> None:
    c = campaign(cid)
    assert cid in [x.id for x in campaigns(c.start)]
    assert cid in [x.id for x in campaigns(c.deadline)]
    assert cid not in [x.id for x in campaigns(c.start - ONE_DAY)]
    assert cid not in [x.id for x in campaigns(c.deadline + ONE_DAY)]


def test_worked_example_art13_bylaw_table() -> None:
    # sabtefarda.com / mitqom.ir: paying the debt in 12 months → 100 %, 18 → 85 %, 24 → 75 %,
    # 30 → 60 %, 36 → 50 % of the penalties forgiven; cash → 100 %.
    c = campaign("c1397_art13")
    assert [c.percent_for(m) for m in (0, 1, 12, 13, 18, 19, 24, 25, 30, 31, 36, 37)] == [
        100, 100, 100, 85, 85, 75, 75, 60, 60, 50, 50, 0,
    ]  # fmt: skip
    months = [139512] * 6
    d = debts(
        months,
        agreement_signed_on=days("1397/03/01", "1397/03/01", "1397/03/01", "1397/03/01", "1397/03/01", None),
        installment_months=np.array([12, 18, 24, 30, 36, 0], dtype=np.int64),
        principal_paid_on=days(None, None, None, None, None, "1397/04/10"),
    )
    out = forgiven(c, d, j("1397/05/01"))
    assert out["percent"].tolist() == [100, 85, 75, 60, 50, 100]
    assert out["late_payment_forgiven"].tolist() == [
        12_345_679,
        10_493_827,
        9_259_259,
        7_407_407,
        6_172_840,
        12_345_679,
    ]
    assert out["late_list_forgiven"][1] == 4_250_001  # 85 % of 5,000,001 = 4,250,000.85 → half up
    assert (out["total_forgiven"] == out["late_list_forgiven"] + out["late_payment_forgiven"]).all()


def test_worked_example_1392_budget_law() -> None:
    # Budget Law 1392 item 88: settle or determine the principal of debts up to the end of 1391 between
    # 1392/04/19 and 1392/10/19 → all penalties forgiven, whatever the plan's length up to 36 months.
    c = campaign("c1392_budget")
    assert (format_jalali(c.start), format_jalali(c.deadline)) == ("1392/04/19", "1392/10/19")
    assert c.condition == PAID_OR_INSTALLED and c.covers == ("late_list", "late_payment")
    assert [c.percent_for(m) for m in (0, 1, 36, 37)] == [100, 100, 100, 0]
    d = debts(
        [139112, 139112, 139112, 139201, 139112],
        principal_paid_on=days("1392/10/19", None, None, "1392/05/01", "1392/10/20"),
        agreement_signed_on=days(None, "1392/10/19", "1392/06/01", None, None),
        installment_months=np.array([0, 36, 37, 0, 0], dtype=np.int64),
    )
    out = forgiven(c, d, j("1392/12/01"))
    # paid on the deadline; 36-month plan on the deadline; 37 months (beyond Art. 46); Farvardin 1392 is
    # outside the campaign; paid a day late.
    assert out["covered"].tolist() == [True, True, True, False, True]
    assert out["percent"].tolist() == [100, 100, 0, 0, 0]
    assert out["total_forgiven"].tolist() == [17_345_680, 17_345_680, 0, 0, 0]


def test_debt_months_either_side_of_the_range() -> None:
    c = campaign("c1397_art13")
    d = debts([139512, 139601, 135404], principal_paid_on=days("1397/03/01", "1397/03/01", "1397/03/01"))
    out = forgiven(c, d, j("1397/05/01"))
    assert out["covered"].tolist() == [True, False, True]
    assert out["condition_met"].tolist() == [True, False, True]
    assert out["total_forgiven"][1] == 0


def test_condition_deadline_either_side() -> None:
    c = campaign("c1402_khordad")
    d = debts(
        [140101] * 5,
        principal_paid_on=days("1402/05/31", "1402/06/01", None, None, "1402/02/31"),
        agreement_signed_on=days(None, None, "1402/05/31", "1402/06/01", None),
        installment_months=np.array([0, 0, 30, 12, 0], dtype=np.int64),
    )
    out = forgiven(c, d, j("1402/07/01"))
    # paid on the deadline; paid a day late; signed on the deadline (30 months → 50 %, no 30-band in
    # 1402); signed a day late; paid before the window opened (counts: the principal is paid).
    assert out["condition_met"].tolist() == [True, False, True, False, True]
    assert out["percent"].tolist() == [100, 0, 50, 0, 100]
    assert out["pending"].tolist() == [False] * 5


def test_pending_while_the_window_is_open() -> None:
    c = campaign("c1402_khordad")
    d = debts([140101, 140101], principal_paid_on=days(None, "1402/04/01"))
    during = forgiven(c, d, j("1402/04/15"))
    assert during["pending"].tolist() == [True, False] and during["condition_met"].tolist() == [False, True]
    # A payment dated after as_of does not count yet.
    early = forgiven(c, d, j("1402/03/15"))
    assert early["condition_met"].tolist() == [False, False] and early["pending"].all()


def test_explained_matches_the_vector() -> None:
    c = campaign("c1402_khordad")
    debt = {
        "month": 140010,
        "principal": 80_000_000,
        "late_list_penalty": 8_000_000,
        "late_payment_penalty": 3_333_333,
        "principal_paid_on": None,
        "agreement_signed_on": j("1402/04/01"),
        "installment_months": 18,
    }
    e = forgiven_explained(c, debt, j("1402/06/15"))
    assert (e["percent"], e["late_list_forgiven"], e["late_payment_forgiven"]) == (85, 6_800_000, 2_833_333)
    assert e["campaign"]["window"] == ["1402/03/01", "1402/05/31"] and e["debt_month"] == "1400-10"
    assert e["campaign"]["source"].startswith("https://en.mokhberan.ir")


def test_penalty_kinds_come_from_parameters(tmp_path: Path) -> None:
    for f in PARAMETER_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "forgiveness.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("forgiveness.c1402_khordad.covers.late_list:")
    cut = text.index("      value: 1", start)
    path.write_text(text[:cut] + "      value: 0" + text[cut + 14 :], encoding="utf-8")
    params = load_parameters(tmp_path)
    c = campaign("c1402_khordad", params=params)
    assert c.covers == ("late_payment",)
    out = forgiven(c, debts([140101], principal_paid_on=days("1402/04/01")), j("1402/07/01"), params=params)
    assert out["late_list_forgiven"].tolist() == [0] and out["late_payment_forgiven"].tolist() == [12_345_679]


def test_many_debts_in_one_pass() -> None:
    rng = np.random.default_rng(3)
    n = 100_000
    years = rng.integers(1380, 1404, n)
    months = years * 100 + rng.integers(1, 13, n)
    paid = np.where(
        rng.random(n) < 0.5, np.datetime64(j("1402/04/01"), "D"), np.datetime64("NaT", "D")
    ).astype("datetime64[D]")
    d = {
        "month": months,
        "principal": rng.integers(0, 10**10, n),
        "late_list_penalty": rng.integers(0, 10**9, n),
        "late_payment_penalty": rng.integers(0, 10**9, n),
        "principal_paid_on": paid,
    }
    out = forgiven(campaign("c1402_khordad"), d, j("1402/07/01"))
    met = ~np.isnat(paid) & (months <= 140201)  # through Farvardin 1402
    assert (out["condition_met"] == met).all()
    assert (out["late_payment_forgiven"][met] == d["late_payment_penalty"][met]).all()
    assert (out["total_forgiven"][~met] == 0).all()
