"""The yearly pension increase by band and year (rules.md §6.2, E7), both sides of each decision, and
proportionalisation (§6.3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamin.rules import adjustments as A
from tamin.rules.params import ParameterError


def inc(pension: int, year: int, pro_rata: bool = False) -> tuple[int, int]:
    new, band = A.yearly_increase(np.array([pension]), np.array([pro_rata]), year)
    return int(new[0]), int(band[0])


def test_e7_1404_other_band() -> None:
    # 100,000,000 × 1.32 + 9,316,050 = 141,316,050
    assert inc(100_000_000, 1404) == (141_316_050, A.OTHER_BAND)


def test_1404_minimum_band_and_art_111() -> None:
    # 1403 minimum 2,388,728 × 30 = 71,661,840; × 1.45 = 103,909,668 → raised to the 1404 minimum 103,909,680.
    assert inc(71_661_840, 1404) == (103_909_680, A.MINIMUM_BAND)
    # One Rial above the minimum: × 1.32 + 9,316,050 = 94,593,630.12 → 94,593,630 + 9,316,050 = 103,909,680.
    assert inc(71_661_841, 1404) == (103_909_680, A.OTHER_BAND)


def test_pro_rata_pensions_get_the_minimum_percent_without_top_up() -> None:
    # 10-year-law pension 34,636,560 (1404) × 1.60 = 55,418,496 in 1405 (reported 60 %, unverified).
    assert inc(34_636_560, 1405, pro_rata=True) == (55_418_496, A.MINIMUM_BAND)
    # A pro-rata pension above the minimum still takes the minimum percent: 120,000,000 × 1.45 in 1404.
    assert inc(120_000_000, 1404, pro_rata=True) == (174_000_000, A.MINIMUM_BAND)


@pytest.mark.parametrize(
    ("year", "pension", "expected"),
    [
        # 1401: minimum 26,554,950 × 1.574 = 41,797,491.3 → raised to 41,797,500 (the new minimum)
        (1401, 26_554_950, 41_797_500),
        (1401, 60_000_000, 72_500_000),  # 60M × 1.10 + 6,500,000
        (1402, 60_000_000, 75_107_880),  # 60M × 1.21 + 2,507,880
        (1403, 60_000_000, 73_200_000),  # 60M × 1.22 (no fixed amount found); ≥ 71,661,840
        (1403, 54_000_000, 71_661_840),  # 54M × 1.22 = 65,880,000 < new minimum → 71,661,840
        (1405, 200_000_000, 290_000_000),  # 200M × 1.45 (reported, unverified; no fixed amount found)
    ],
)
def test_increase_by_year(year: int, pension: int, expected: int) -> None:
    assert inc(pension, year)[0] == expected


def test_1393_and_1394_flat_increases() -> None:
    # The flat +25 % (1393) and +15 % (1394); both results are above that year's Art. 111 minimum
    # (1393: 202,970 × 30 = 6,089,100; 1394: 237,475 × 30 = 7,124,250), so no top-up applies.
    assert A.default_parameters().value("adjustment.minimum.percent", "1393/01/01") == 25
    assert A.default_parameters().value("adjustment.other.percent", "1394/12/29") == 15
    assert inc(10_000_000, 1393) == (12_500_000, 1)
    assert inc(10_000_000, 1394) == (11_500_000, 1)


@pytest.mark.parametrize("year", [1392, 1395, 1398, 1400, 1406])
def test_years_without_a_decision_refuse(year: int) -> None:
    with pytest.raises(ParameterError):
        inc(100_000_000, year)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3_000_000_000), st.integers(0, 3_000_000_000), st.sampled_from([1401, 1402, 1404]))
def test_increase_is_monotone_and_never_below_the_minimum(a: int, b: int, year: int) -> None:
    lo, hi = sorted((a, b))
    # Monotone within each band; across the boundary the fixed amounts of 1401/1402/1404 keep the order.
    assert inc(hi, year)[0] >= inc(lo, year)[0]
    assert inc(lo, year)[0] >= int(A.minimum_pension(np.array([np.datetime64(A.year_start(year), "D")]))[0])


def test_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    pensions = rng.integers(30_000_000, 400_000_000, 1000)
    pro = rng.random(1000) < 0.1
    new, _ = A.yearly_increase(pensions, pro, 1404)
    assert new.tolist() == [inc(int(p), 1404, bool(r))[0] for p, r in zip(pensions, pro, strict=True)]


def test_increase_explained() -> None:
    r = A.yearly_increase_explained(100_000_000, False, 1404)
    assert r["pension"] == 141_316_050 and r["band"] == "other"
    names = {p["name"]: p for p in r["derivation"]["parameters"]}
    assert names["adjustment.other.fixed"]["value"] == 9_316_050
    assert names["adjustment.other.percent"]["confidence"] == "legal"
    assert any("9,316,050" in s for s in r["derivation"]["steps"])
    # The same steps in Persian for the slip: 100,000,000 × 1.32 + 9,316,050 = 141,316,050.
    assert r["derivation"]["steps_fa"][1] == "۱۰۰٬۰۰۰٬۰۰۰ × (۱ + ۳۲٪) + ۹٬۳۱۶٬۰۵۰ = ۱۴۱٬۳۱۶٬۰۵۰"
    assert r["derivation"]["steps_fa"][0].startswith("سایر سطوح")
    assert A.yearly_increase_explained(50_000_000, True, 1404)["band"] == "minimum"


def test_proportionalisation_1404() -> None:
    # Established at 2 × the minimum; 1404 minimum 103,909,680 → target 207,819,360; pension after the
    # increase 150,000,000: gap 57,819,360 × 70 % = 40,473,552; less last year's 10,000,000 = 30,473,552.
    got = A.proportionalisation(
        np.array([150_000_000]),
        np.array([10_000_000]),
        np.array([20_000_000]),
        np.array([10_000_000]),
        A.year_start(1404),
    )
    assert got.tolist() == [30_473_552]
    # 1403 from Aban: 40 %; before Aban nothing is in force.
    at_aban = A.proportionalisation(
        np.array([100]), np.array([0]), np.array([2]), np.array([1]), A.JalaliMonth(1403, 8).first_day()
    )
    assert at_aban.tolist() == [round(0.4 * (2 * 71_661_840 - 100))]
    with pytest.raises(ParameterError):
        A.proportionalisation(
            np.array([100]), np.array([0]), np.array([2]), np.array([1]), A.JalaliMonth(1403, 7).first_day()
        )
    # Never negative: a pension above its target gets nothing.
    assert A.proportionalisation(
        np.array([10**9]), np.array([0]), np.array([1]), np.array([1]), A.year_start(1404)
    ).tolist() == [0]
