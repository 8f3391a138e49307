"""The minimum daily wage for 1370–1390 and 1392–1396, hard-coded from the sources cited in wages.yaml.

Each year is checked on its first day and on the day before (the last day of the year before), so a
wrong start date, a missing year or a value typed into the wrong entry fails here, independently of
the generic boundary tests that are generated from the file itself.
"""

import datetime as dt

import numpy as np
import pytest

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules.params import ParameterError, default_parameters
from tamin.rules.wages import daily_ceiling, minimum_daily_wage, minimum_daily_wage_vector, monthly_minimum

# Rial a day, in force from 1 Farvardin of the year.
ADDED = {
    # iranopendata.org series (Ministry of Labour statistics centre): monthly toman ÷ 3.
    1370: 1_667, 1371: 2_267, 1372: 2_994, 1373: 3_894, 1374: 5_333, 1375: 6_907, 1376: 8_482,
    1377: 10_051, 1378: 12_061, 1379: 15_270, 1380: 18_930, 1381: 23_282, 1382: 28_446, 1383: 35_534,
    1384: 40_864, 1385: 50_000, 1386: 61_000, 1387: 73_200,
    1388: 87_840,  # unverified: payroll code base eidi cap only
    1389: 101_000, 1390: 110_100,
    1392: 162_375, 1393: 202_970, 1394: 237_475, 1395: 270_722, 1396: 309_977,
}  # fmt: skip
# Figures already in the file before this change, for the day-before checks at 1392/01/01 and 1397/01/01.
KNOWN = {1391: 129_900, 1397: 370_423}
ALL = {**ADDED, **KNOWN}

# Published monthly figures (30 days) the daily values were read from: 1390 IRNA 330,300 toman,
# 1392 487,125 toman, 1393 6,089,100 rial, 1394 712,425 toman, 1395 8,121,660 rial, 1396 9,299,310 rial.
MONTHLY_30 = {
    1386: 1_830_000, 1387: 2_196_000, 1389: 3_030_000, 1390: 3_303_000, 1392: 4_871_250,
    1393: 6_089_100, 1394: 7_124_250, 1395: 8_121_660, 1396: 9_299_310,
}  # fmt: skip

# Daily insurable ceilings of payroll code base 45806343068 (TopDailyInsurance); 1394 is its outlier.
CODE_BASE_CEILING = {1391: 909_300, 1392: 1_136_625, 1393: 1_420_790, 1395: 1_895_054, 1396: 2_169_839}


def first_day(year: int) -> dt.date:
    return parse_jalali_date(f"{year}/01/01")


@pytest.mark.parametrize("year", sorted(ADDED))
def test_value_on_the_first_day_of_the_year(year: int) -> None:
    assert minimum_daily_wage(f"{year}/01/01") == ADDED[year]
    assert minimum_daily_wage(first_day(year)) == ADDED[year]


@pytest.mark.parametrize("year", sorted({*ADDED, *(y + 1 for y in ADDED)} & set(ALL)))
def test_value_on_the_day_before_is_the_previous_years(year: int) -> None:
    day_before = first_day(year) - dt.timedelta(days=1)
    if year - 1 in ALL:
        assert minimum_daily_wage(day_before) == ALL[year - 1]
    else:  # 1370/01/01: nothing earlier is encoded
        with pytest.raises(ParameterError) as err:
            minimum_daily_wage(day_before)
        assert err.value.code == "parameter.no_value"


def test_last_day_of_leap_and_common_years() -> None:
    # 1391 and 1395 end on Esfand 30 (leap), 1392 and 1396 on Esfand 29.
    assert minimum_daily_wage("1391/12/30") == 129_900
    assert minimum_daily_wage("1395/12/30") == 270_722
    assert minimum_daily_wage("1392/12/29") == 162_375
    assert minimum_daily_wage("1396/12/29") == 309_977
    assert parse_jalali_date("1396/12/29") + dt.timedelta(days=1) == first_day(1397)


def test_no_year_from_1370_to_1405_is_missing() -> None:
    starts = np.array([first_day(y) for y in range(1370, 1406)], dtype="datetime64[D]")
    ends = starts[1:] - np.timedelta64(1, "D")
    on_start = minimum_daily_wage_vector(starts)
    # One value for the whole year, except 1399 (a second decision from 1 Tir).
    same = minimum_daily_wage_vector(ends) == on_start[:-1]
    assert [y for y, s in zip(range(1370, 1405), same, strict=True) if not s] == [1399]
    assert on_start[:28].tolist() == [ALL[y] for y in range(1370, 1398)]
    assert (np.diff(on_start) > 0).all()  # every year's minimum is above the year before's


@pytest.mark.parametrize(("year", "monthly"), MONTHLY_30.items())
def test_daily_times_30_is_the_published_monthly_figure(year: int, monthly: int) -> None:
    assert ADDED[year] * 30 == monthly
    assert monthly_minimum(JalaliMonth(year, 7)) == monthly  # Mehr has 30 days


@pytest.mark.parametrize(("year", "ceiling"), CODE_BASE_CEILING.items())
def test_ceiling_is_seven_times_the_minimum_as_in_the_code_base(year: int, ceiling: int) -> None:
    assert daily_ceiling(f"{year}/06/01") == ceiling


def test_1394_follows_the_news_not_the_code_base() -> None:
    # The code base's 1,662,297 implies 237,471; 712,425 toman a month (and 202,970 × 1.17) give 237,475.
    assert minimum_daily_wage("1394/01/01") == 237_475
    assert daily_ceiling("1394/01/01") == 1_662_325 != 1_662_297
    assert round(202_970 * 117 / 100) == 237_475


def test_sources_and_confidence_of_the_added_years() -> None:
    p = default_parameters().parameter("wage.minimum_daily")
    for year in ADDED:
        e = p.entry(first_day(year))
        assert e.start == first_day(year) and e.until is None
        assert "http" in e.source
        expected = "unverified" if year == 1388 else "secondary"
        assert e.confidence == expected, year
    assert "eidi" in (p.entry(first_day(1388)).note or "")
