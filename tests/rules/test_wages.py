import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules.params import ParameterError, load_parameters
from tamin.rules.wages import (
    daily_ceiling,
    daily_ceiling_vector,
    minimum_daily_wage,
    minimum_daily_wage_vector,
    monthly_ceiling,
    monthly_minimum,
)


def days(*jalali: str) -> np.ndarray:
    return np.array([parse_jalali_date(s) for s in jalali], dtype="datetime64[D]")


def test_e3_1391_minimum_and_maximum() -> None:
    # rules.md §10 E3 (bimehajtemai.blogfa.com).
    assert minimum_daily_wage("1391/01/01") == 129_900
    assert daily_ceiling("1391/06/15") == 909_300
    farvardin, mehr = JalaliMonth(1391, 1), JalaliMonth(1391, 7)
    assert (farvardin.days, mehr.days) == (31, 30)
    assert monthly_minimum(farvardin) == 4_026_900 and monthly_ceiling(farvardin) == 28_188_300
    assert monthly_minimum(mehr) == 3_897_000 and monthly_ceiling(mehr) == 27_279_000
    # The source's 29-day row cannot occur in 1391: it was a leap year, so Esfand had 30 days.
    assert JalaliMonth(1391, 12).days == 30
    assert monthly_minimum(JalaliMonth(1391, 12)) == 3_897_000


# rules.md §10 E4: daily insurable ceiling by year, and §2.1's minimum daily wage.
E4 = [
    ("1397/01/01", 370_423, 2_592_961),
    ("1398/01/01", 505_627, 3_539_389),
    ("1399/01/01", 611_809, 4_282_663),
    ("1399/03/31", 611_809, 4_282_663),
    ("1399/04/01", 636_809, 4_457_663),
    ("1400/01/01", 885_165, 6_196_155),
    ("1401/01/01", 1_393_250, 9_752_750),
    ("1402/01/01", 1_769_428, 12_385_996),
    ("1403/01/01", 2_388_728, 16_721_096),
    ("1404/01/01", 3_463_656, 24_245_592),
    ("1404/12/29", 3_463_656, 24_245_592),
    ("1405/01/01", 5_541_850, 38_792_950),
]


@pytest.mark.parametrize(("on", "minimum", "ceiling"), E4)
def test_e4_daily_figures(on: str, minimum: int, ceiling: int) -> None:
    assert minimum_daily_wage(on) == minimum
    assert daily_ceiling(on) == ceiling


def test_e4_vectorised() -> None:
    dates = days(*(row[0] for row in E4))
    assert minimum_daily_wage_vector(dates).tolist() == [row[1] for row in E4]
    assert daily_ceiling_vector(dates).tolist() == [row[2] for row in E4]


def test_monthly_ceilings() -> None:
    assert monthly_ceiling(JalaliMonth(1404, 7)) == 727_367_760  # 30-day month, E4
    assert monthly_ceiling(JalaliMonth(1403, 7)) == 501_632_880
    assert monthly_ceiling(JalaliMonth(1405, 7)) == 1_163_788_500
    assert monthly_ceiling(JalaliMonth(1404, 1)) == 24_245_592 * 31
    assert monthly_ceiling(JalaliMonth(1404, 12)) == 24_245_592 * 29


def test_month_takes_the_values_of_its_first_day() -> None:
    assert monthly_minimum(JalaliMonth(1399, 3)) == 611_809 * 31
    assert monthly_minimum(JalaliMonth(1399, 4)) == 636_809 * 31


def test_e2_base_from_the_minimum_wage() -> None:
    # rules.md §10 E2: 31-day month of 1398, minimum wage + housing 1,000,000 + bon 1,900,000.
    assert monthly_minimum(JalaliMonth(1398, 1)) + 1_000_000 + 1_900_000 == 18_574_437
    assert monthly_minimum(JalaliMonth(1398, 7)) + 2_900_000 == 18_068_810


@pytest.mark.parametrize("on", ["1369/12/29", "1390/12/29"])
def test_years_without_a_source_are_an_error(on: str) -> None:
    with pytest.raises(ParameterError) as err:
        daily_ceiling(on)
    assert err.value.code == "parameter.no_value"
    with pytest.raises(ParameterError):
        daily_ceiling_vector(days("1404/01/01", on))


def test_fractional_multiplier_rounds_half_up(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        """
wage.minimum_daily:
  description: d
  unit: rial_per_day
  values:
    - {from: 1400/01/01, value: 101, source: s, confidence: legal}
    - {from: 1401/01/01, value: 102, source: s, confidence: legal}
contribution.ceiling_multiplier:
  description: d
  unit: multiplier
  values:
    - {from: 1400/01/01, value: 6.5, source: s, confidence: legal}
    - {from: 1401/01/01, value: 7, source: s, confidence: legal}
""",
        encoding="utf-8",
    )
    p = load_parameters(tmp_path)
    assert daily_ceiling("1400/01/01", params=p) == 657  # 656.5
    assert daily_ceiling("1401/01/01", params=p) == 714
    assert daily_ceiling_vector(days("1400/01/01", "1401/01/01"), params=p).tolist() == [657, 714]
    assert monthly_ceiling(JalaliMonth(1400, 1), params=p) == 657 * 31
    assert minimum_daily_wage(dt.date(2022, 3, 21), params=p) == 102
