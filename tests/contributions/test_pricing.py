"""Pricing a wage list: shares per row and per list, rounding as real lists show it, the derivation."""

import numpy as np
import pytest

from tamin.contributions.pricing import price_list
from tamin.core.jalali import JalaliMonth
from tests.contributions.factories import MIN_1404, columns_list, make_list, read_sample, worker

# Numeric columns of two real lists (wage-list-dbf.md §5), copied from the files: the pricing must
# give their declared DSK_TBIME and DSK_TKOSO to the Rial.
LISTDISK_1403_09 = {
    "DSW_DD": [30, 30, 30, 30, 6, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 13, 30, 5, 30, 30],
    "DSW_ROOZ": [15954429, 5596667, 2666667, 2833333, 15954429, 3263333, 7263333, 7263333, 4766667,
                 7916667, 4000000, 2833333, 3833333, 2833333, 6596667, 4000000, 6666667, 15954429,
                 12833333, 15954429, 2666667, 6596667],
    "DSW_INC": [0, 70000, 0, 0, 0, 70000, 70000, 70000, 0, 0, 0, 0, 0, 0, 70000, 0, 0, 0, 0, 0, 0, 70000],
    "DSW_MAH": [478632870, 170000000, 80000000, 85000000, 95726574, 100000000, 220000000, 220000000,
                143000000, 237500000, 120000000, 85000000, 115000000, 85000000, 200000000, 120000000,
                200000000, 207407577, 385000000, 79772145, 80000000, 200000000],
    "DSW_MAZ": [28000000, 23000000, 28000000, 23000000, 4600000, 23000000, 28000000, 23000000, 23000000,
                28000000, 23000000, 23000000, 23000000, 23000000, 23000000, 23000000, 23000000, 9966667,
                23000000, 3833333, 28000000, 23000000],
    "DSW_MASH": [501632870, 193000000, 108000000, 108000000, 100326574, 123000000, 248000000, 243000000,
                 166000000, 265500000, 143000000, 108000000, 138000000, 108000000, 223000000, 143000000,
                 223000000, 217374244, 408000000, 83605478, 108000000, 223000000],
    "DSW_BIME": [35114302, 13510000, 7560000, 7560000, 7022860, 8610000, 17360000, 17010000, 11620000,
                 18585000, 10010000, 7560000, 9660000, 7560000, 15610000, 10010000, 15610000, 15216197,
                 28560000, 5852383, 7560000, 15610000],
}  # fmt: skip
LISTDISK_DECLARED = {"DSK_TBIME": 292_770_742, "DSK_TKOSO": 836_487_836, "DSK_BIC": 110_743_174}

TXT_1404_08 = {
    "DSW_DD": [30, 30, 30, 30, 30, 30, 30, 8, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    "DSW_ROOZ": [3463656] * 18,
    "DSW_INC": [186400, 186400, 0, 94000, 94000, 0, 94000, 186400, 94000, 0, 94000, 186400, 94000, 186400,
                186400, 0, 94000, 0],
    "DSW_MAH": [109501680, 109501680, 103909680, 106729680, 106729680, 103909680, 106729680, 29200448,
                106729680, 103909680, 106729680, 109501680, 106729680, 109501680, 109501680, 103909680,
                106729680, 103909680],
    "DSW_MAZ": [31000000, 36000000, 31000000, 31000000, 31000000, 0, 31000000, 8266667, 36000000, 31000000,
                31000000, 31000000, 31000000, 31000000, 31000000, 31000000, 36000000, 31000000],
}  # fmt: skip
TXT_DECLARED = {"DSK_TBIME": 165_384_224, "DSK_TKOSO": 472_526_335, "DSK_BIC": 67_761_659}


def test_listdisk_1403_09_prices_to_its_declared_shares() -> None:
    wl = columns_list(LISTDISK_1403_09, year=1403, month=9)
    exempt = np.zeros(wl.n, dtype=bool)
    exempt[[6, 7]] = True  # the two workers the list leaves out of DSK_BIC (found by subset search)
    price = price_list(wl, unemployment_exempt=exempt)
    assert price.totals["insured_share"] == LISTDISK_DECLARED["DSK_TBIME"]
    assert price.totals["employer_share"] == LISTDISK_DECLARED["DSK_TKOSO"]
    assert price.totals["unemployment_share"] == LISTDISK_DECLARED["DSK_BIC"]
    assert price.rows["insured_share"].tolist() == LISTDISK_1403_09["DSW_BIME"]
    # The capped row is priced on the ceiling, 10 rials above its declared MASH.
    assert price.derivation.ceiling == 501_632_880
    assert price.rows["wage_subject"][0] == 501_632_880
    assert price.totals["wage_subject"] == sum(LISTDISK_1403_09["DSW_MASH"]) + 10
    assert price.derivation.counts["capped_rows"] == 1


def test_txt_1404_08_prices_to_its_declared_shares() -> None:
    wl = columns_list(TXT_1404_08, year=1404, month=8)
    exempt = np.zeros(wl.n, dtype=bool)
    exempt[5] = True
    price = price_list(wl, unemployment_exempt=exempt)
    assert price.totals["insured_share"] == TXT_DECLARED["DSK_TBIME"]
    assert price.totals["employer_share"] == TXT_DECLARED["DSK_TKOSO"]
    # This generator floors 3 % of the covered total (67,761,659.85); Tamin sums per-row rounding.
    assert TXT_DECLARED["DSK_BIC"] - price.totals["unemployment_share"] == 6


def test_totals_and_what_is_billed() -> None:
    rows = [worker(1), worker(2, DSW_NAT="افغانستانی"), worker(3)]
    price = price_list(make_list(rows), hard_job=np.array([False, False, True]))
    base = 134_909_680  # 30 × 3,463,656 + 31,000,000
    assert price.rows["wage_subject"].tolist() == [base] * 3
    assert price.rows["insured_share"].tolist() == [9_443_678] * 3
    assert price.rows["employer_share"].tolist() == [26_981_936] * 3
    assert price.rows["unemployment_share"].tolist() == [4_047_290, 0, 4_047_290]  # foreigner exempt
    assert price.rows["hard_job_share"].tolist() == [0, 0, 5_396_387]
    assert price.rows["state_share"].tolist() == [4_047_290] * 3
    t = price.totals
    assert t["total_due"] == 3 * 9_443_678 + 3 * 26_981_936 + 2 * 4_047_290 + 5_396_387
    assert t["state_share"] == 3 * 4_047_290  # recorded, not billed
    d = price.derivation
    assert d.counts["unemployment_exempt"] == 1 and d.counts["hard_job_rows"] == 1
    assert any("unemployment" in e for e in d.exemptions)


def test_derivation_names_parameters_values_dates_and_sources() -> None:
    price = price_list(make_list([worker(1)]))
    d = price.derivation.as_dict()
    assert d["month"] == "1404-07" and d["parameters_on"] == "1404/07/01"
    assert d["minimum_daily_wage"] == MIN_1404 and d["days_in_month"] == 30
    assert d["ceiling"] == 7 * MIN_1404 * 30
    used = {p["name"]: p for p in d["parameters"]}
    assert used["contribution.rate.insured"]["value"] == 7
    assert used["contribution.rate.employer"]["value"] == 20
    assert used["contribution.rate.unemployment"]["value"] == 3
    assert used["contribution.rate.state"]["value"] == 3
    assert used["contribution.rate.hard_and_harmful"]["value"] == 4
    assert used["wage.minimum_daily"]["from"] == "1404/01/01"
    assert used["wage.minimum_daily"]["value"] == MIN_1404
    assert all(p["source"] and p["confidence"] for p in d["parameters"])
    assert "contribution.small_workshop.max_exempt_workers" not in used


def test_parameters_follow_the_lists_month() -> None:
    # Esfand 1403 (30 days in the leap year 1403) and Farvardin 1404 (31 days): other minimum, other cap.
    big = {"DSW_MAH": 900_000_000, "DSW_MAZ": 0, "DSW_MASH": 900_000_000, "DSW_ROOZ": 30_000_000}
    esfand = price_list(make_list([worker(1, **big)], year=1403, month=12))
    farvardin = price_list(make_list([worker(1, **big)], year=1404, month=1))
    assert JalaliMonth(1403, 12).days == 30
    assert esfand.rows["wage_subject"].tolist() == [7 * 2_388_728 * 30]
    assert farvardin.rows["wage_subject"].tolist() == [7 * MIN_1404 * 31]


def test_small_workshop_exemption_three_workers_all_exempt() -> None:
    price = price_list(make_list([worker(i) for i in range(1, 4)]), small_workshop=True)
    assert price.rows["employer_share"].tolist() == [0, 0, 0]
    assert price.rows["employer_exempt"].tolist() == [26_981_936] * 3
    assert price.rows["insured_share"].tolist() == [9_443_678] * 3  # the worker still pays
    assert price.rows["unemployment_share"].tolist() == [4_047_290] * 3  # not covered by the law
    assert price.totals["total_due"] == 3 * (9_443_678 + 4_047_290)
    used = {p.name: p for p in price.derivation.parameters}
    assert used["contribution.small_workshop.max_exempt_workers"].value == 5
    assert any("small_workshop" in e for e in price.derivation.exemptions)


def test_small_workshop_exemption_ten_workers_half_each() -> None:
    rows = [worker(i) for i in range(1, 11)] + [worker(11, DSW_DD=0, DSW_MAZ=0)]
    price = price_list(make_list(rows), small_workshop=True)
    assert price.rows["employer_exempt"].tolist() == [13_490_968] * 10 + [0]
    assert price.rows["employer_share"].tolist() == [13_490_968] * 10 + [0]
    assert price.derivation.counts["small_workshop_exempt_rows"] == 10


def test_zero_day_rows_cost_nothing() -> None:
    price = price_list(make_list([worker(1, DSW_DD=0, DSW_MAZ=0)]))
    assert price.total_due == 0 and price.totals["state_share"] == 0


def test_mask_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="2 rows"):
        price_list(make_list([worker(1), worker(2)]), hard_job=np.array([True]))


# --- the real sample files, through the reader (tamin.contributions.dbf) ---------------------------

REAL = {
    # name: (declared TBIME, declared TKOSO)
    "listdisk_v6_output_1403-09": (292_770_742, 836_487_836),
    "extended_26x31_layout_1404-07": (14_647_346_879, 41_849_562_534),
    "txt_variant_1404-08": (165_384_224, 472_526_335),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_lists_price_to_their_declared_shares(name: str) -> None:
    wl = read_sample(name)
    price = price_list(wl)
    tbime, tkoso = REAL[name]
    assert int(wl.header["DSK_TBIME"]) == tbime and int(wl.header["DSK_TKOSO"]) == tkoso
    assert price.totals["insured_share"] == tbime
    assert price.totals["employer_share"] == tkoso


def test_real_extended_list_foreigners_are_exempt_by_default() -> None:
    wl = read_sample("extended_26x31_layout_1404-07")
    price = price_list(wl)
    assert price.derivation.counts["unemployment_exempt"] == 2
    # The list declares less (6,189,032,680): it exempts more workers than the foreign nationals.
    assert price.totals["unemployment_share"] == 6_260_219_097
