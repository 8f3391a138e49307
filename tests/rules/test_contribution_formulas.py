"""tamin.rules.contributions: wage subject to contribution, shares and the small-workshop exemption."""

import numpy as np
import pytest

from tamin.rules.contributions import share, small_workshop_exemption, wage_subject


def a(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_wage_subject_is_wage_plus_benefits_capped() -> None:
    got = wage_subject(a(100, 300, 0), a(50, 300, 0), a(150, 600, 0), 500)
    assert got.tolist() == [150, 500, 0]


def test_wage_subject_keeps_a_higher_declared_base_and_ignores_a_lower_one() -> None:
    # An older generator keeps حق تأهل outside MAZ but inside MASH: the declared base is higher.
    assert wage_subject(a(100), a(20), a(125), 1000).tolist() == [125]
    # A declared base below MAH + MAZ never lowers what is priced.
    assert wage_subject(a(100), a(20), a(90), 1000).tolist() == [120]


def test_wage_subject_listdisk_capped_row() -> None:
    # ListDisk output, Azar 1403, row 1: MASH written 10 rials under the ceiling; BIME on the ceiling.
    ceiling = 7 * 2_388_728 * 30
    got = wage_subject(a(478_632_870), a(28_000_000), a(501_632_870), ceiling)
    assert got.tolist() == [501_632_880]
    assert share(got, 7).tolist() == [35_114_302]  # the row's declared DSW_BIME


def test_share_rounds_half_up_per_row() -> None:
    assert share(a(50, 49, 150, 134_909_680), 7).tolist() == [4, 3, 11, 9_443_678]
    assert share(a(5, 15), 3).tolist() == [0, 0]
    assert share(a(50, 17), 3).tolist() == [2, 1]  # 1.5 → 2, 0.51 → 1


def test_share_mask_zeroes_rows() -> None:
    assert share(a(1000, 1000), 3, np.array([True, False])).tolist() == [30, 0]


def test_share_refuses_floats() -> None:
    with pytest.raises(TypeError):
        share(np.array([1.5]), 7)
    with pytest.raises(TypeError):
        share(a(100), 7.0)  # type: ignore[arg-type]


def test_rules_e2_1398_thirty_day_minimum() -> None:
    # rules.md §10 E2: base 18,068,810 → insured 1,264,817, employer 20 % + 3 % = 4,155,826.
    base = a(18_068_810)
    assert share(base, 7).tolist() == [1_264_817]
    assert (share(base, 20) + share(base, 3)).tolist() == [4_155_826]


def test_rules_e2_1398_thirty_one_day_minimum_rounds_each_share() -> None:
    # Source: employer 23 % = 4,272,121 (round of 4,272,120.51). Tamin rounds the 20 % and the 3 %
    # separately, as the real lists do (DSK_TKOSO is Σ round(20 %) per row): 3,714,887 + 557,233.
    base = a(18_574_437)
    assert share(base, 7).tolist() == [1_300_211]
    assert (share(base, 20) + share(base, 3)).tolist() == [4_272_120]


def test_small_workshop_all_exempt_up_to_five() -> None:
    employer = a(100, 200, 0, 300)
    assert small_workshop_exemption(employer, 5).tolist() == [100, 200, 0, 300]


def test_small_workshop_spread_evenly_over_working_rows() -> None:
    # 10 working rows, 5 exempt: half of every row's share; the 0-share row does not count.
    employer = a(*([1000] * 10), 0)
    got = small_workshop_exemption(employer, 5)
    assert got.tolist() == [500] * 10 + [0]
    # 7 rows: 5/7 of each share, rounded half up per row (1000 × 5 / 7 = 714.29 → 714).
    got = small_workshop_exemption(a(*([1000] * 7)), 5)
    assert got.tolist() == [714] * 7
    # The legacy list formula TMASH / N × 20 % × (N − 5) is matched up to per-row rounding.
    assert abs((7000 - int(got.sum())) - 7000 * 2 // 7) <= 7


def test_small_workshop_nothing_to_exempt() -> None:
    assert small_workshop_exemption(a(0, 0), 5).tolist() == [0, 0]
    assert small_workshop_exemption(a(), 5).tolist() == []
