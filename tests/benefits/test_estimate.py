"""The pension estimate "if I work until …": worked cases checked against the engine run independently on
a hand-built history (the `tamin calc` path: Histories.from_records + retirement_explained), the earliest
date, bad input, the stored history as the engine's case (`benefits.cases`), and the API."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.benefits import estimate as E
from tamin.benefits.cases import person_case
from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.records.models import RecordedMonth
from tamin.registry.models import Workshop
from tamin.rules.pensions import Histories, PersonCase, retirement_explained

J = parse_jalali_date
M = JalaliMonth
TODAY = J("1404/09/01")
BIRTH = J("1345/01/01")
WAGE = 200_000_000
RECORDED = [M(1376, 9) + i for i in range(28 * 12)]  # 1376-09 … 1404-08: 28 years, 10,227 days


def records(months: list[JalaliMonth], wage: int = WAGE, hard: bool = False, last_days: int | None = None):
    out = [{"month": str(m), "days": m.days, "wage": wage, "hard_job": hard} for m in months]
    if last_days is not None:  # the last month worked up to that day, its wage pro rata (half up)
        m = months[-1]
        out[-1] = {
            "month": str(m),
            "days": last_days,
            "wage": (2 * wage * last_days + m.days) // (2 * m.days),
        }
    return out


def case_28y() -> PersonCase:
    return PersonCase(True, BIRTH, TODAY, Histories.from_records(records(RECORDED)))


def by_hand(until: str, extra: list[dict]) -> dict:
    """The engine on the synthetic full history: recorded months plus the months worked until `until`."""
    h = Histories.from_records(records(RECORDED) + extra)
    return retirement_explained(PersonCase(True, BIRTH, J(until), h))


def test_working_two_more_years_gives_thirty_years_and_the_engines_pension():
    r = E.estimate(case_28y(), until=J("1406/08/30"), today=TODAY)
    projected = [M(1404, 9) + i for i in range(24)]  # Azar 1404 … Aban 1406, every month full
    expected = by_hand("1406/08/30", records(projected))
    assert r["eligible"] and expected["eligible"]
    assert (r["case"], r["credited_days"], r["average_wage"]) == ("age", 10_957, 200_000_000)
    assert r["credited"] == {"years": 30, "days": 7, "days_per_year": 365}
    # Art. 77: 200,000,000 × 10,957 / (30 × 365) = 200,127,853.88 → 200,127,854 (half up).
    assert r["pension"] == expected["pension"] == 200_127_854
    assert r["derivation"]["steps"] == expected["derivation"]["steps"]
    a = r["assumptions"]
    assert (a["wage"], a["wage_source"], a["projected_from"], a["projected_months"]) == (
        WAGE,
        "last_recorded_month",
        "1404-09",
        24,
    )
    assert (a["recorded_days"], a["projected_days"], a["not_assumed"]) == (10_227, 730, None)
    assert "۲۰۰٬۱۲۷٬۸۵۴" in r["explanation_fa"][-1]
    assert any("بدون هیچ افزایشی" in line for line in r["explanation_fa"])


def test_earliest_date_is_the_day_the_age_route_opens():
    # Age route under the 7th Plan for his record on 1403/05/03: 60 years and 4 months (724 months), so
    # 1405/05/01; the record (20 years + the plan's extra) is long met. The day before, he is 60 y 3 m.
    r = E.estimate(case_28y(), until=J("1406/08/30"), today=TODAY)
    first = r["earliest"]
    assert (first["date"], first["case"], first["pro_rata"]) == ("1405/05/01", "age", False)
    assert r["earliest_full"] is None  # the earliest route already pays a full pension
    worked = [M(1404, 9) + i for i in range(8)]  # Azar 1404 … Tir 1405
    on_day = by_hand("1405/05/01", records([*worked, M(1405, 5)], last_days=1))
    day_before = by_hand("1405/04/31", records(worked))
    assert on_day["eligible"] and not day_before["eligible"]
    # One day of Mordad 1405 (wage 200,000,000 × 1/31 = 6,451,613) is a month of the last 24 in the average:
    # (23 × 200,000,000 + 6,451,613) / 24 = 191,935,484; 191,935,484 × 10,471 / 10,950 = 183,539,402.
    assert (first["credited_days"], first["average_wage"]) == (10_471, 191_935_484)
    assert first["pension"] == on_day["pension"] == 183_539_402
    ages = {
        x["case"]: (x["age_required_months"], x["age_months"]) for x in day_before["derivation"]["routes"]
    }
    assert ages["age"] == (724, 723)


def test_a_date_too_early_is_not_eligible_with_the_reasons():
    r = E.estimate(case_28y(), until=J("1404/12/29"), today=TODAY)
    assert not r["eligible"] and r["pension"] == 0 and r["case"] is None
    assert [x["case"] for x in r["reasons"]] == [
        "full_service",
        "long_service",
        "age",
        "hard_job",
        "women_early",
        "ten_year",
    ]
    age = next(x["message"] for x in r["reasons"] if x["case"] == "age")
    assert "سن 59 سال و 11 ماه کمتر از 60 سال و 4 ماه است" in age
    assert r["credited_days"] == 10_227 + 119  # Azar, Dey, Bahman (30 each) and Esfand up to its 29th
    assert r["earliest"]["date"] == "1405/05/01"  # still the same day if he keeps working
    assert "هیچ‌یک از شرایط بازنشستگی فراهم نیست" in "".join(r["explanation_fa"])


def test_hard_work_and_a_given_wage():
    r = E.estimate(case_28y(), until=J("1406/08/30"), today=TODAY, wage=150_000_000, hard=True)
    projected = [M(1404, 9) + i for i in range(24)]
    expected = by_hand("1406/08/30", records(projected, wage=150_000_000, hard=True))
    # 730 hard days count 1.5 times: 10,227 + 1,095 = 11,322 ≥ 30 years + the 7th Plan's 202 days.
    assert (r["credited_days"], r["case"], r["average_wage"]) == (11_322, "long_service", 150_000_000)
    # 150,000,000 × 11,322 / 10,950 = 155,095,890 is below the Art. 111 minimum of 1405 (5,541,850 × 30).
    assert r["pension"] == expected["pension"] == 166_255_500
    assert r["assumptions"]["wage_source"] == "given" and r["assumptions"]["hard_job"]


def test_a_short_record_reaches_the_ten_year_route_first_and_a_full_pension_later():
    case = PersonCase(
        True, BIRTH, TODAY, Histories.from_records(records([M(1392, 9) + i for i in range(144)]))
    )
    r = E.estimate(case, until=J("1406/08/30"), today=TODAY)
    assert not r["eligible"]
    assert (r["earliest"]["date"], r["earliest"]["case"], r["earliest"]["pro_rata"]) == (
        "1407/08/27",
        "ten_year",
        True,
    )
    assert r["earliest"]["credited_days"] == 5_475  # 15 years: 10 + the 7th Plan's flat 5 under 15 years
    full = r["earliest_full"]
    assert (full["date"], full["case"], full["credited_days"]) == ("1417/08/24", "age", 9_125)
    # The search is the engine's: the date found, run alone, agrees.
    h = E.extended(case, E.projection(case, TODAY, None, False), [J(full["date"])])
    assert retirement_explained(PersonCase(True, BIRTH, J(full["date"]), h))["pension"] == full["pension"]


def test_months_already_due_and_missing_are_not_assumed_worked():
    case = PersonCase(True, BIRTH, TODAY, Histories.from_records(records(RECORDED[:-17])))  # last: 1403-03
    p = E.projection(case, TODAY, None, False)
    # The list of Aban 1404 is due by the end of Azar 1404 (penalty.deadline.months_after = 1): Aban is
    # the first month that may still come; Tir 1403 … Mehr 1404 were due and did not.
    assert (str(p.last_recorded), str(p.start), tuple(map(str, p.skipped))) == (
        "1403-03",
        "1404-08",
        ("1403-04", "1404-07"),
    )
    r = E.estimate(case, until=J("1404/10/30"), today=TODAY)
    assert (r["assumptions"]["projected_from"], r["assumptions"]["projected_months"]) == ("1404-08", 3)
    assert r["assumptions"]["not_assumed"] == ["1403-04", "1404-07"]


def test_the_search_is_one_vectorised_pass_and_fast():
    case = case_28y()
    start = time.perf_counter()
    r = E.estimate(case, until=J("1440/01/01"), today=TODAY)
    assert time.perf_counter() - start < 3.0
    assert r["eligible"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "estimate.until_required"),
        (None, "estimate.until_required"),
        ("1404/08/30", "estimate.until_past"),
        ("1410-13-01", "jalali.range"),
        ("tomorrow", "jalali.format"),
        ("1445/01/01", "estimate.until_far"),
    ],
)
def test_bad_dates_name_the_field(text, code):
    with pytest.raises(DomainError) as err:
        E.parse_until(text, TODAY)
    assert (err.value.code, err.value.field) == (code, "until")


def test_dates_and_wages_in_persian_digits_are_normalised():
    assert E.parse_until("۱۴۱۰/۰۱/۰۱", TODAY) == J("1410/01/01") == E.parse_until(" 1410/1/1 ", TODAY)
    assert E.parse_until("1404/09/01", TODAY) == TODAY  # today itself is allowed
    assert E.parse_wage("۱۵۰٬۰۰۰٬۰۰۰", TODAY) == 150_000_000 == E.parse_wage("150,000,000", TODAY)
    assert E.parse_wage("", TODAY) is None and E.parse_wage(None, TODAY) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "estimate.wage_positive"),
        ("-5", "money.format"),
        ("12.5", "money.format"),
        ("abc", "money.format"),
        # Above the ceiling of Azar 1404 (below)
        ("999999999999", "estimate.wage_ceiling"),
    ],
)
def test_bad_wages_name_the_field(text, code):
    with pytest.raises(DomainError) as err:
        E.parse_wage(text, TODAY)
    assert (err.value.code, err.value.field) == (code, "wage")


def test_the_wage_ceiling_is_the_current_months():
    from tamin.rules.wages import monthly_ceiling

    ceiling = monthly_ceiling(M(1404, 9))
    assert ceiling == 7 * 3_463_656 * 30 == 727_367_760  # 7 × the 1404 minimum daily wage × Azar's 30 days
    assert E.parse_wage(str(ceiling), TODAY) == ceiling
    with pytest.raises(DomainError, match=r"estimate\.wage_ceiling"):
        E.parse_wage(str(ceiling + 1), TODAY)


def test_no_recorded_history_is_an_error():
    empty = PersonCase(True, BIRTH, TODAY, Histories.from_records([]))
    with pytest.raises(DomainError) as err:
        E.estimate(empty, until=J("1410/01/01"), today=TODAY)
    assert (err.value.code, err.value.field) == ("estimate.no_history", "history")


# --- the stored history as the engine's case ---------------------------------------------------------


def _month(person, workshop, m: JalaliMonth, days: int, subject: int, hard: bool = False) -> RecordedMonth:
    return RecordedMonth(
        person=person,
        workshop=workshop,
        year=m.year,
        month=m.month,
        days=days,
        daily_wage=subject // max(days, 1),
        wage=subject,
        wage_subject=subject,
        job_code="722301",
        hard_job=hard,
    )


@pytest.fixture
def second_workshop(world):
    return Workshop.objects.create(
        code=f"{world.branch_a.code}3630002",
        name="دوم",
        address="تهران",
        branch=world.branch_a,
        activity_code="363",
        activity="تراشکاری",
        employer=world.employer_b,
        opened_on=world.workshop_a.opened_on,
    )


def test_person_case_sums_workshops_caps_days_and_keeps_hard_months(world, second_workshop):
    w = world.worker_a
    RecordedMonth.objects.bulk_create(
        [
            _month(w, world.workshop_a, M(1403, 1), 20, 60_000_000),
            _month(w, second_workshop, M(1403, 1), 20, 40_000_000, hard=True),  # 40 days in a 31-day month
            _month(w, world.workshop_a, M(1403, 2), 10, 30_000_000),
            _month(w, second_workshop, M(1403, 2), 5, 15_000_000),
            _month(w, world.workshop_a, M(1403, 7), 30, 90_000_000),
            _month(w, world.workshop_a, M(1404, 1), 31, 120_000_000),
        ]
    )
    case = person_case(w, J("1403/12/29"))
    h = case.history
    assert (case.male, case.birth_date, case.application_date) == (True, w.birth_date, J("1403/12/29"))
    assert [str(JalaliMonth.from_index(int(m))) for m in h.month] == ["1403-01", "1403-02", "1403-07"]
    assert h.days.tolist() == [31, 15, 30]  # 20 + 20 capped at Farvardin's 31
    assert h.wage.tolist() == [100_000_000, 45_000_000, 90_000_000]
    assert h.hard.tolist() == [True, False, False]  # hard when any part of the month is
    later = person_case(w, J("1403/12/29"), until=J("1404/01/31"))
    assert len(later.history.month) == 4 and later.application_date == J("1403/12/29")
    assert E.projection(later, J("1404/02/01"), None, False).wage == 120_000_000


def test_person_case_needs_birth_date_and_sex(world):
    w = world.worker_a
    w.birth_date = None
    with pytest.raises(DomainError, match=r"case\.person_incomplete"):
        person_case(w, TODAY)


# --- the API ------------------------------------------------------------------------------------------


@pytest.fixture
def worker_28y(world):
    w = world.worker_a
    w.birth_date = BIRTH
    w.save(update_fields=["birth_date"])
    RecordedMonth.objects.bulk_create([_month(w, world.workshop_a, m, m.days, WAGE) for m in RECORDED])
    return w


def _get(client, user, **query):
    token = ApiToken.issue(user)[1]
    return client.get("/api/v1/pensions/estimate", query, headers={"Authorization": f"Bearer {token}"})


def test_api_insured_gets_their_own_estimate(world, worker_28y, client, monkeypatch):
    monkeypatch.setattr("tamin.core.jalali.today", lambda: TODAY)
    r = _get(client, world.users[Role.INSURED], until="۱۴۰۶/۰۸/۳۰")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["national_code"], body["eligible"], body["case"], body["pension"]) == (
        worker_28y.national_code,
        True,
        "age",
        200_127_854,
    )
    assert body["earliest"]["date"] == "1405/05/01"
    assert body["assumptions"]["wage_source"] == "last_recorded_month"
    assert body["credited"] == {"years": 30, "days": 7, "days_per_year": 365}
    assert "۲۰۰٬۱۲۷٬۸۵۴" in body["explanation_fa"][-1]
    # Their own code is fine; someone else's is out of scope.
    assert (
        _get(
            client, world.users[Role.INSURED], until="1406/08/30", national_code=worker_28y.national_code
        ).status_code
        == 200
    )
    other = _get(
        client, world.users[Role.INSURED], until="1406/08/30", national_code=world.worker_b.national_code
    )
    assert other.status_code == 403 and other.json()["errors"][0]["code"] == "auth.out_of_scope"


def test_api_staff_name_a_person_in_scope(world, worker_28y, client, monkeypatch):
    monkeypatch.setattr("tamin.core.jalali.today", lambda: TODAY)
    staff = world.users[Role.BRANCH_STAFF]
    r = _get(
        client,
        staff,
        until="1404/12/29",
        national_code=worker_28y.national_code,
        wage="150000000",
        hard_job="true",
    )
    assert r.status_code == 200 and r.json()["eligible"] is False
    assert r.json()["assumptions"]["wage"] == 150_000_000 and r.json()["assumptions"]["hard_job"] is True
    assert (
        _get(client, world.staff_b, until="1406/08/30", national_code=worker_28y.national_code).status_code
        == 403
    )
    missing = _get(client, staff, until="1406/08/30")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "national_code"
    assert _get(client, world.users[Role.EMPLOYER], until="1406/08/30").status_code == 403


def test_api_reports_every_bad_field(world, worker_28y, client, monkeypatch):
    monkeypatch.setattr("tamin.core.jalali.today", lambda: TODAY)
    r = _get(client, world.users[Role.INSURED], until="1400/01/01", wage="0")
    assert r.status_code == 400
    assert [(e["code"], e["field"]) for e in r.json()["errors"]] == [
        ("estimate.until_past", "until"),
        ("estimate.wage_positive", "wage"),
    ]
    none = _get(
        client, world.users[Role.BRANCH_STAFF], until="1406/08/30", national_code=world.owner_a.national_code
    )
    assert none.status_code == 400 and none.json()["errors"][0]["code"] == "estimate.no_history"


def test_extended_history_rows():
    case = case_28y()
    p = E.projection(case, TODAY, None, True)
    h = E.extended(case, p, [J("1404/09/15"), J("1404/10/30")])
    rows = [
        (int(k), str(JalaliMonth.from_index(int(m))), int(d), int(w), bool(x))
        for k, m, d, w, x in zip(h.person, h.month, h.days, h.wage, h.hard, strict=True)
        if m >= M(1404, 9).index
    ]
    assert rows == [
        (0, "1404-09", 15, 100_000_000, True),  # Azar has 30 days: half of it, half the wage
        (1, "1404-09", 30, 200_000_000, True),
        (1, "1404-10", 30, 200_000_000, True),
    ]
    assert np.bincount(h.person).tolist() == [337, 338]
