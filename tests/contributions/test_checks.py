"""Validation of a wage list: every rule can fail, problems name file/record/field, accepted lists pass."""

import datetime as dt
import time

import numpy as np
import pytest

from tamin.contributions.checking import check_list
from tamin.contributions.checks import check_wage_list, parse_dates
from tamin.core.errors import Problem
from tamin.core.idcodes import with_check_digit
from tests.contributions.factories import SAMPLE_LISTS, make_list, read_sample, worker

TODAY = dt.date(2026, 1, 1)  # 1404/10/11


def problems(wl, **kw) -> list[Problem]:
    found, _ = check_wage_list(wl, today=TODAY, **kw)
    return found


def codes(wl, **kw) -> set[str]:
    return {p.code for p in problems(wl, **kw)}


def only(wl, code: str) -> list[Problem]:
    return [p for p in problems(wl) if p.code == code]


def test_a_correct_list_has_no_problems() -> None:
    assert problems(make_list([worker(1), worker(2), worker(3, DSW_INC=94_000)])) == []


@pytest.mark.parametrize("stem", sorted(SAMPLE_LISTS))
def test_real_lists_have_no_errors(stem: str) -> None:
    result = check_list(read_sample(stem), today=TODAY)
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.price is not None


def test_real_lists_warnings_are_what_the_spec_reports() -> None:
    extended = check_list(read_sample("extended_26x31_layout_1404-07"), today=TODAY)
    assert extended.counts == {"header.kind": 1, "row.zero_days": 32}
    for stem in ("listdisk_v6_output_1403-09", "txt_variant_1404-08"):
        assert check_list(read_sample(stem), today=TODAY).problems == ()
    # The S1-layout generator applies the rates to TOTL: warnings only.
    s1 = check_list(read_sample("s1_maxlen_layout_1401-05"), today=TODAY)
    assert set(s1.counts) == {
        "header.total_rounding", "row.wage_subject_mismatch", "row.insured_share_mismatch",
        "row.total_below_subject", "header.employer_share",
    }  # fmt: skip


# --- header against rows -------------------------------------------------------------------------


def test_header_totals_must_equal_the_rows() -> None:
    wl = make_list([worker(1), worker(2)], header={"DSK_TMASH": 1, "DSK_TDD": 59, "DSK_NUM": 3})
    by_field = {p.field: p for p in problems(wl)}
    assert by_field["DSK_TMASH"].code == "header.total" and by_field["DSK_TMASH"].severity == "error"
    assert by_field["DSK_TDD"].code == "header.total"
    assert by_field["DSK_NUM"].code == "header.count"
    p = by_field["DSK_TMASH"]
    assert p.file == "DSKKAR00.DBF" and p.record == 1


def test_header_total_off_by_rounding_is_a_warning() -> None:
    rows = [worker(1), worker(2)]
    declared = 2 * 9_443_678 + 1
    (p,) = only(make_list(rows, header={"DSK_TBIME": declared}), "header.total_rounding")
    assert p.severity == "warning" and p.field == "DSK_TBIME"


def test_header_inc_is_days_times_daily_seniority_and_spouse_is_a_sum() -> None:
    rows = [worker(1, DSW_INC=94_000, DSW_SPOUSE=5_000_000), worker(2)]
    assert problems(make_list(rows)) == []
    wrong = make_list(rows, header={"DSK_INC": 94_000, "DSK_SPOUSE": 0})
    assert {p.field for p in only(wrong, "header.total")} == {"DSK_INC", "DSK_SPOUSE"}
    # A layout without the fields (v2.7, S1) is not asked for them.
    assert problems(make_list(rows, header={"DSK_INC": None, "DSK_SPOUSE": None})) == []


def test_rows_must_carry_the_headers_workshop_year_month_and_list_number() -> None:
    rows = [worker(1), worker(2, DSW_ID="9000000002"), worker(3, DSW_MM=8), worker(4, DSW_LISTNO="02")]
    found = only(make_list(rows), "row.header_mismatch")
    assert [(p.record, p.field, p.file) for p in found] == [
        (2, "DSW_ID", "DSKWOR00.DBF"), (3, "DSW_MM", "DSKWOR00.DBF"), (4, "DSW_LISTNO", "DSKWOR00.DBF"),
    ]  # fmt: skip
    # "1" and "01" name the same list.
    assert problems(make_list([worker(1, DSW_LISTNO="1")])) == []


def test_list_kind() -> None:
    (p,) = only(make_list([worker(1)], header={"DSK_KIND": 1}), "header.kind")
    assert p.severity == "warning"
    (p,) = only(make_list([worker(1)], header={"DSK_KIND": 2}), "header.kind")
    assert p.severity == "error" and p.field == "DSK_KIND"


def test_future_month_is_refused_relative_to_today() -> None:
    wl = make_list([worker(1)], month=11)
    assert "header.future_month" in codes(wl)  # Bahman 1404 after 1404/10/11
    found, _ = check_wage_list(wl, today=dt.date(2026, 2, 1))  # 1404/11/12
    assert "header.future_month" not in {p.code for p in found}


def test_invalid_month_is_reported_and_nothing_month_bound_breaks() -> None:
    result = check_list(make_list([worker(1)], month=13), today=TODAY)
    assert "header.month" in result.counts and result.price is None
    assert not result.ok


def test_month_without_parameters() -> None:
    # 1390: the minimum wage is recorded but the 7x ceiling multiplier only from 1391 (wages.yaml).
    result = check_list(make_list([worker(1)], year=1390, month=1), today=TODAY)
    assert "list.no_parameters" in result.counts and result.price is None


def test_empty_list() -> None:
    assert "list.empty" in codes(make_list([]))


# --- identities ----------------------------------------------------------------------------------


def test_national_code_check_digit() -> None:
    good = with_check_digit("123456789")
    bad = good[:9] + str((int(good[9]) + 1) % 10)
    wl = make_list([worker(1, PER_NATCOD=good), worker(2, PER_NATCOD=bad), worker(3, PER_NATCOD="")])
    found = only(wl, "row.national_code")
    assert [(p.record, p.field, p.severity) for p in found] == [
        (2, "PER_NATCOD", "error"),
        (3, "PER_NATCOD", "error"),
    ]
    assert bad in found[0].message


@pytest.mark.parametrize("number", ["", "0", "0000000000", "12a45678", "12345678901", "۱۲۳۴۵۶۷۸"])
def test_insurance_number_must_be_real(number: str) -> None:
    (p,) = only(make_list([worker(1, DSW_ID1=number)]), "row.insurance_number")
    assert p.field == "DSW_ID1" and p.severity == "error" and p.record == 1


def test_short_insurance_number_is_a_warning() -> None:
    (p,) = only(make_list([worker(1, DSW_ID1="1234567")]), "row.insurance_number_short")
    assert p.severity == "warning"
    assert problems(make_list([worker(1, DSW_ID1="0080277820")])) == []  # 10 digits, leading zeros


def test_names_job_and_sex() -> None:
    rows = [worker(1, DSW_FNAME=" "), worker(2, DSW_LNAME=""), worker(3, DSW_JOB=""), worker(4, DSW_SEX="M")]
    found = {p.code: p for p in problems(make_list(rows))}
    assert (found["row.first_name"].record, found["row.first_name"].field) == (1, "DSW_FNAME")
    assert (found["row.last_name"].record, found["row.last_name"].field) == (2, "DSW_LNAME")
    assert (found["row.job_code"].record, found["row.job_code"].field) == (3, "DSW_JOB")
    assert (found["row.sex"].record, found["row.sex"].field) == (4, "DSW_SEX")
    assert problems(make_list([worker(1, DSW_SEX="زن")])) == []


def test_one_person_twice() -> None:
    code = with_check_digit("123400001")
    rows = [worker(1), worker(2), worker(3, PER_NATCOD=code)]
    (p,) = only(make_list(rows), "row.duplicate_person")
    assert p.record == 3 and p.field == "PER_NATCOD" and "ردیف 1" in p.message
    (p,) = only(make_list([worker(1), worker(2, DSW_ID1="10000001")]), "row.duplicate_insurance_number")
    assert p.record == 2


# --- days, wages, ceiling ------------------------------------------------------------------------


def test_days_within_the_month() -> None:
    rows = [worker(1, DSW_DD=31), worker(2, DSW_DD=30)]  # Mehr has 30 days
    (p,) = only(make_list(rows), "row.days")
    assert p.record == 1 and p.field == "DSW_DD"
    assert "row.days" not in codes(make_list([worker(1, DSW_DD=31)], month=6))  # Shahrivar: 31


def test_zero_day_rows() -> None:
    (p,) = only(make_list([worker(1), worker(2, DSW_DD=0, DSW_MAZ=0)]), "row.zero_days")
    assert p.severity == "warning" and p.record == 2
    (p,) = only(make_list([worker(1, DSW_DD=0, DSW_MAH=0)]), "row.zero_days_with_wage")
    assert p.severity == "error"


def test_daily_wage_not_below_the_years_minimum() -> None:
    (p,) = only(make_list([worker(1, DSW_ROOZ=3_463_655)]), "row.below_minimum")
    assert p.field == "DSW_ROOZ" and p.severity == "error"
    # Seniority counts towards the daily wage; 1403's lower minimum applies to a 1403 list.
    assert "row.below_minimum" not in codes(make_list([worker(1, DSW_ROOZ=3_400_000, DSW_INC=94_000)]))
    assert "row.below_minimum" not in codes(make_list([worker(1, DSW_ROOZ=2_388_728)], year=1403, month=9))


def test_monthly_wage_is_days_times_daily_wage_and_seniority() -> None:
    ok = worker(1, DSW_MAH=30 * 3_463_656 + 25)  # within one rial per day
    bad = worker(2, DSW_MAH=30 * 3_463_656 + 31)
    (p,) = only(make_list([ok, bad]), "row.monthly_wage")
    assert p.record == 2 and p.field == "DSW_MAH" and p.severity == "error"


def test_wage_subject_above_the_ceiling_is_an_error() -> None:
    ceiling = 7 * 3_463_656 * 30
    high = worker(1, DSW_ROOZ=25_000_000, DSW_MAZ=0, DSW_MASH=ceiling + 1)
    (p,) = only(make_list([high]), "row.above_ceiling")
    assert p.field == "DSW_MASH" and p.severity == "error"
    capped = worker(1, DSW_ROOZ=25_000_000, DSW_MAZ=0, DSW_MASH=ceiling)
    assert problems(make_list([capped])) == []


def test_wage_subject_not_wage_plus_benefits_is_a_warning() -> None:
    (p,) = only(make_list([worker(1, DSW_MASH=134_909_680 - 11)]), "row.wage_subject_mismatch")
    assert p.severity == "warning"
    assert "row.wage_subject_mismatch" not in codes(make_list([worker(1, DSW_MASH=134_909_680 - 10)]))


def test_insured_share_is_seven_percent_within_a_rial() -> None:
    assert problems(make_list([worker(1, DSW_BIME=9_443_679)])) == []
    (p,) = only(make_list([worker(1, DSW_BIME=9_443_680)]), "row.insured_share_mismatch")
    assert p.severity == "warning" and p.field == "DSW_BIME"


def test_negative_amounts() -> None:
    (p,) = only(make_list([worker(1, DSW_MAZ=-1)]), "row.negative")
    assert p.field == "DSW_MAZ" and p.severity == "error"


def test_declared_employer_share_far_from_twenty_percent_is_a_warning() -> None:
    (p,) = only(make_list([worker(1), worker(2)], header={"DSK_TKOSO": 0}), "header.employer_share")
    assert p.severity == "warning" and p.file == "DSKKAR00.DBF"


# --- dates ---------------------------------------------------------------------------------------


def test_parse_dates_formats() -> None:
    d = parse_dates(
        np.array(["14040701", "61/02/31", "", "0", "14041230", "14031230", "1404070", "abcdefgh"])
    )
    assert d.valid.tolist() == [True, False, True, False, False, True, False, False]
    d = parse_dates(np.array(["61/02/31", "0", "61/07/31"]), short=True, zero_is_blank=True)
    assert d.valid.tolist() == [True, True, False]  # Mehr has 30 days
    assert d.value.tolist() == [13610231, 0, 0]


def test_listdisk_birth_and_issue_dates_are_accepted() -> None:
    rows = [worker(1, DSW_BDATE="61/02/31", DSW_IDATE="0"), worker(2, DSW_BDATE="13610231", DSW_IDATE="")]
    assert problems(make_list(rows)) == []


def test_invalid_dates() -> None:
    rows = [
        worker(1, DSW_BDATE="13611301"),
        worker(2, DSW_IDATE="1361"),
        worker(3, DSW_SDATE="1404/07/01"),
        worker(4, DSW_EDATE="14040732"),
    ]
    found = only(make_list(rows), "row.date_format")
    assert {(p.record, p.field) for p in found} == {
        (1, "DSW_BDATE"), (2, "DSW_IDATE"), (3, "DSW_SDATE"), (4, "DSW_EDATE"),
    }  # fmt: skip
    assert all(p.severity == "error" for p in found)
    (p,) = only(make_list([worker(1, DSW_BDATE="")]), "row.birth_date_missing")
    assert p.severity == "warning"


def test_start_and_end_dates_against_the_month() -> None:
    rows = [
        worker(1, DSW_SDATE="14020101"),  # hired long before: accepted (real lists carry it)
        worker(2, DSW_SDATE="14040801", DSW_DD=0, DSW_MAZ=0),  # after the month
        worker(3, DSW_EDATE="14040630", DSW_DD=0, DSW_MAZ=0),  # left before the month
        worker(4, DSW_SDATE="14040710", DSW_EDATE="14040705", DSW_DD=0, DSW_MAZ=0),
        worker(5, DSW_SDATE="14040721"),  # 30 days worked in a 10-day employment
        worker(6, DSW_SDATE="14040721", DSW_DD=10, DSW_MAH=10 * 3_463_656),
        worker(7, DSW_EDATE="14040713", DSW_DD=12, DSW_MAH=12 * 3_463_656),
    ]
    found = problems(make_list(rows))
    by_code = {(p.code, p.record) for p in found if p.code != "row.zero_days"}
    assert by_code == {
        ("row.start_date", 2), ("row.end_date", 3), ("row.end_before_start", 4),
        ("row.days_exceed_employment", 5),
    }  # fmt: skip
    (p,) = [p for p in found if p.code == "row.days_exceed_employment"]
    assert p.severity == "warning"


def test_birth_date_after_the_month() -> None:
    (p,) = only(make_list([worker(1, DSW_BDATE="14040801")]), "row.birth_date_future")
    assert p.field == "DSW_BDATE"


# --- all at once, capped, vectorised -------------------------------------------------------------


def test_all_problems_at_once() -> None:
    rows = [worker(1, DSW_ID1="0", DSW_SEX="", DSW_DD=31), worker(2, PER_NATCOD="1111111111")]
    wl = make_list(rows, header={"DSK_NUM": 5})
    assert {"row.insurance_number", "row.sex", "row.days", "row.national_code", "header.count"} <= codes(wl)


def test_problems_are_capped_per_code_and_counted() -> None:
    rows = [worker(i, DSW_ID1="0") for i in range(1, 31)]
    found, counts = check_wage_list(make_list(rows), today=TODAY, limit=5)
    numbered = [p for p in found if p.code == "row.insurance_number"]
    assert [p.record for p in numbered] == [1, 2, 3, 4, 5]
    (more,) = [p for p in found if p.code == "list.more"]
    assert more.field == "DSW_ID1" and "25" in more.message and more.severity == "error"
    assert counts["row.insurance_number"] == 30


def test_big_list_checks_in_vectorised_time() -> None:
    n = 100_000
    serials = np.arange(n)
    wl = make_list([worker(1)])
    # Widen the one-row list to n rows by repeating its columns; identities made unique.
    wl.rows = {k: np.repeat(v, n) for k, v in wl.rows.items()}
    wl.rows["PER_NATCOD"] = np.array([with_check_digit(f"{100_000_000 + s:09d}") for s in serials])
    wl.rows["DSW_ID1"] = (10_000_000 + serials).astype(str)
    wl.rows["DSW_ROOZ"][::2] = 1  # half the rows below the minimum wage
    wl.header["DSK_NUM"] = n
    for name in ("DSK_TDD", "DSK_TROOZ", "DSK_TMAH", "DSK_TMAZ", "DSK_TMASH", "DSK_TTOTL", "DSK_TBIME"):
        wl.header[name] = int(wl.rows["DSW_" + name[5:]].sum())
    started = time.perf_counter()
    result = check_list(wl, today=TODAY)
    elapsed = time.perf_counter() - started
    assert result.counts["row.below_minimum"] == n // 2
    assert result.counts["row.monthly_wage"] == n // 2
    assert len(result.problems) < 200
    assert elapsed < 5, f"{n} rows took {elapsed:.1f} s"
