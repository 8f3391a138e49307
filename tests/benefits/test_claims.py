"""Pension claims: submit → prepare (maker) → approve (checker ≠ maker) → award → payroll; and the person's
case built from the stored history (benefits.cases)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.benefits import claims
from tamin.benefits.cases import histories, person_case
from tamin.benefits.models import AwardKind, ClaimStatus, PayrollLine, PensionAward, PensionClaim
from tamin.benefits.payroll import run_payroll
from tamin.core.errors import Conflict, DomainError, Forbidden, NotFound
from tamin.core.jalali import JalaliMonth
from tamin.core.text import to_ascii_digits
from tamin.records.models import RecordedMonth
from tamin.registry.models import Person
from tests.conftest import make_person, make_user

APPLIED = dt.date(2025, 10, 7)  # 1404/07/15
DAILY = 4_000_000  # Rials a day, every month of the history


def legacy_history(
    person: Person, workshop, first: JalaliMonth, last: JalaliMonth, daily: int = DAILY
) -> int:
    """Full months at `workshop` from `first` to `last`, as the pre-wage-list history (no source list)."""
    rows = []
    m = first
    while m <= last:
        rows.append(
            RecordedMonth(
                person=person,
                workshop=workshop,
                year=m.year,
                month=m.month,
                days=m.days,
                daily_wage=daily,
                wage=daily * m.days,
                wage_subject=daily * m.days,
            )
        )
        m = m.next()
    RecordedMonth.objects.bulk_create(rows)
    return len(rows)


@pytest.fixture
def veteran(world) -> Person:
    """A man of 65 with 30 full years at workshop A (1374/07–1404/06)."""
    p = make_person(123456100, "کاظم", "نوری", born=dt.date(1960, 3, 21), branch=world.branch_a)
    legacy_history(p, world.workshop_a, JalaliMonth(1374, 7), JalaliMonth(1404, 6))
    return p


@pytest.fixture
def staff(world):
    return world.users[Role.BRANCH_STAFF]


@pytest.fixture
def checker(world):
    return make_user("staff-a2", Role.BRANCH_STAFF, branch=world.branch_a)


# --- the case from the stored history (benefits.cases) ------------------------------------------------


def test_person_case_sums_two_workshops_caps_the_month_and_keeps_hard_work(world, veteran):
    p = make_person(123456101, "لیلا", "صادقی", sex="female", born=dt.date(1970, 1, 1), branch=world.branch_a)
    # 1404/01 (31 days): 20 days at A + 20 at B → 31 days counted, wages summed; B's month is hard work.
    for workshop, month, days, daily, hard in [
        (world.workshop_a, 1, 20, 1_000, False),
        (world.workshop_b, 1, 20, 2_000, True),
        (world.workshop_a, 2, 10, 1_000, False),
    ]:
        wage = days * daily
        RecordedMonth.objects.create(
            person=p,
            workshop=workshop,
            year=1404,
            month=month,
            days=days,
            daily_wage=daily,
            wage=wage,
            wage_subject=wage,
            hard_job=hard,
        )
    h = histories([p.pk, veteran.pk])
    mine = h.person == 0
    assert h.month[mine].tolist() == [JalaliMonth(1404, 1).index, JalaliMonth(1404, 2).index]
    assert h.days[mine].tolist() == [31, 10]
    assert h.wage[mine].tolist() == [60_000, 10_000]
    assert h.hard[mine].tolist() == [True, False]
    assert int((h.person == 1).sum()) == 360  # the veteran's 30 years
    case = person_case(p, dt.date(2025, 4, 25))  # 1404/02/05
    assert not case.male and case.birth_date == dt.date(1970, 1, 1)
    assert case.history.n == 1 and case.history.days.tolist() == [31, 10]
    # asked on 1404/01/20: the Ordibehesht month is not counted, unless a later `until` is given
    assert person_case(p, dt.date(2025, 4, 9)).history.days.tolist() == [31]
    assert person_case(p, dt.date(2025, 4, 9), until=dt.date(2025, 5, 1)).history.days.tolist() == [31, 10]


def test_person_case_needs_birth_date_and_sex(world):
    p = make_person(123456102, "بی", "نام", branch=world.branch_a)
    Person.objects.filter(pk=p.pk).update(sex="")
    p.refresh_from_db()
    with pytest.raises(DomainError) as err:
        person_case(p, APPLIED)
    assert err.value.code == "case.person_incomplete" and err.value.field == "person"


# --- conditions -----------------------------------------------------------------------------------------


def test_check_conditions_worked_numbers(veteran):
    r = claims.check_conditions(veteran, APPLIED)
    assert r["eligible"] is True and r["case"] == "long_service" and r["reasons"] == []
    # 1374/07–1404/06: 360 months, 30 × 365 + 8 leap days
    assert r["credited_days"] == 10_958
    # the last 24 months (1402/07–1404/06) hold 731 days × 4,000,000 = 2,924,000,000; / 24, half up
    assert r["average_wage"] == 121_833_333
    # Art. 77: 121,833,333 × 10,958 / (30 × 365) = 121,922,344.3 → 121,922,344 (above the Art. 111 minimum)
    assert r["pension"] == 121_922_344
    assert r["open_claim"] is None
    assert r["result"]["derivation"]["steps"][-1] == "pension = max(121,922,344, 103,909,680) = 121,922,344"


def test_check_conditions_not_eligible_gives_reasons(world):
    young = world.worker_a  # born 1985, no history
    legacy_history(young, world.workshop_a, JalaliMonth(1399, 1), JalaliMonth(1403, 12))
    r = claims.check_conditions(young, APPLIED)
    assert r["eligible"] is False and r["pension"] == 0 and r["case"] is None
    cases = {x["case"] for x in r["reasons"]}
    assert {"full_service", "long_service", "age", "ten_year"} <= cases
    age = next(x["message"] for x in r["reasons"] if x["case"] == "age")
    assert "سن ۶۰" in age and "کمتر از" in age


# --- the workflow -----------------------------------------------------------------------------------------


def test_submit_prepare_approve_then_payroll_pays_the_award(world, veteran, staff, checker):
    own = make_user("insured-v", Role.INSURED, person=veteran)
    claim = claims.submit(own, veteran, AwardKind.RETIREMENT, APPLIED)
    assert claim.status == ClaimStatus.SUBMITTED and claim.submitted_by == own
    assert claim.result["eligible"] and claim.result["pension"] == 121_922_344
    assert claim.number == f"1404-{claim.pk:06d}"

    claim = claims.prepare(
        staff, claim, notes="مدارک کامل است", documents={"id_card": True, "leaving_work": True}
    )
    assert claim.status == ClaimStatus.PREPARED and claim.prepared_by == staff
    assert claim.documents == {"id_card": True, "leaving_work": True}

    claim = claims.approve(checker, claim)
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by == checker
    award = claim.award
    assert (award.kind, award.start_year, award.start_month) == ("retirement", 1404, 7)
    assert award.base_amount == 121_922_344 and award.pro_rata is False
    assert award.derivation["claim"] == claim.pk and award.derivation["case"] == "long_service"
    assert award.derivation["steps"] == claim.result["derivation"]["steps"]
    veteran.refresh_from_db()
    assert veteran.is_pensioner

    steps = ["claim.submit", "claim.prepare", "claim.approve", "award.create", "person.update"]
    actions = list(
        AuditEntry.objects.filter(action__in=steps).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["claim.submit", "claim.prepare", "award.create", "claim.approve", "person.update"]

    result = run_payroll(world.users[Role.ADMIN], JalaliMonth(1404, 8))
    assert result.line_count == 1
    line = PayrollLine.objects.get(award=award)
    # same year as the award: no yearly increase yet, the pension is the award's base
    assert line.pension_before == line.pension_after == 121_922_344
    assert line.arrears == 0  # nothing was paid before the award existed, nothing is owed
    # allowances and deductions are the payroll's own columns; the net adds them to the same pension
    assert (
        line.net
        >= line.pension_after - line.supplementary_insurance - line.loan_installment - line.court_order
    )
    assert line.person_id == veteran.pk


def test_award_approved_after_its_months_ran_is_paid_them_once_as_arrears(world, veteran, staff, checker):
    admin = world.users[Role.ADMIN]
    for m in (7, 8):  # the payroll of the award's start month and the next runs before the approval
        run_payroll(admin, JalaliMonth(1404, m))
    claim = claims.approve(checker, claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED)))
    award = claim.award
    assert award.start == JalaliMonth(1404, 7) and award.first_payroll == JalaliMonth(1404, 9)

    run_payroll(admin, JalaliMonth(1404, 9))
    line = PayrollLine.objects.get(award=award)
    # 1404/07 and 1404/08 were run before the award existed: 2 × 121,922,344 = 243,844,688
    assert line.pension_after == 121_922_344 and line.arrears == 243_844_688
    run_payroll(admin, JalaliMonth(1404, 10))
    later = PayrollLine.objects.get(award=award, run__month=10)
    assert later.arrears == 0  # paid once


def test_award_approved_before_its_start_month_is_run_has_no_back_pay(world, veteran, staff, checker):
    run_payroll(world.users[Role.ADMIN], JalaliMonth(1404, 6))  # a month before the award's start
    award = claims.approve(checker, claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED))).award
    assert award.first_payroll == award.start and award.first_payroll_year is None


def test_maker_cannot_approve(veteran, staff):
    claim = claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED))
    with pytest.raises(Forbidden) as err:
        claims.approve(staff, claim)
    assert err.value.code == "claim.same_user"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PREPARED and claim.award is None
    assert not PensionAward.objects.exists()


def test_admin_may_check_a_branch_makers_claim(world, veteran, staff):
    claim = claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED))
    assert claims.approve(world.users[Role.ADMIN], claim).award.base_amount == 121_922_344


def test_out_of_scope_staff_and_other_insured_are_refused(world, veteran, staff):
    with pytest.raises(Forbidden) as err:
        claims.submit(world.staff_b, veteran, on=APPLIED)
    assert err.value.code == "auth.out_of_scope"
    with pytest.raises(Forbidden) as err:
        claims.submit(world.insured_b, veteran, on=APPLIED)
    assert err.value.code == "auth.forbidden"
    claim = claims.submit(staff, veteran, on=APPLIED)
    for step in (claims.prepare, claims.approve, lambda a, c: claims.reject(a, c, "خیر")):
        with pytest.raises(Forbidden) as err:
            step(world.staff_b, claim)
        assert err.value.code == "auth.out_of_scope"
    with pytest.raises(NotFound):
        claims.get_claim(world.staff_b, claim.pk)
    assert claims.get_claim(staff, claim.pk) == claim


def test_insured_and_other_roles_cannot_prepare_or_approve(world, veteran, staff):
    own = make_user("insured-v", Role.INSURED, person=veteran)
    claim = claims.submit(own, veteran, on=APPLIED)
    for role in (Role.INSURED, Role.PENSIONER, Role.EMPLOYER, Role.PROVINCE_MANAGER, Role.HQ_MANAGER):
        actor = own if role == Role.INSURED else world.users[role]
        for step in (claims.prepare, claims.approve):
            with pytest.raises(Forbidden) as err:
                step(actor, claim)
            assert err.value.code == "auth.forbidden", (role, step)
    claims.prepare(staff, claim)
    with pytest.raises(Forbidden):
        claims.approve(own, claim)
    assert PensionClaim.objects.get(pk=claim.pk).status == ClaimStatus.PREPARED


def test_not_eligible_is_registered_then_rejected_with_the_engines_reasons(world, staff, checker):
    young = world.worker_a
    legacy_history(young, world.workshop_a, JalaliMonth(1399, 1), JalaliMonth(1403, 12))
    claim = claims.submit(world.users[Role.INSURED], young, on=APPLIED)
    assert claim.status == ClaimStatus.SUBMITTED and claim.result["eligible"] is False
    claim = claims.prepare(staff, claim)
    with pytest.raises(Conflict) as err:
        claims.approve(checker, claim)
    assert err.value.code == "claim.not_eligible"
    claim = claims.reject(checker, claim)
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_reason == "؛ ".join(r["message"] for r in claim.result["reasons"])
    assert "سن ۶۰" in claim.rejection_reason
    assert not PensionAward.objects.exists()


def test_an_eligible_claim_needs_a_reason_to_be_rejected(veteran, staff):
    claim = claims.submit(staff, veteran, on=APPLIED)
    with pytest.raises(DomainError) as err:
        claims.reject(staff, claim, "  ")
    assert (err.value.code, err.value.field) == ("claim.reason", "reason")
    assert (
        claims.reject(staff, claim, "گواهی ترک کار ارائه نشد").rejection_reason == "گواهی ترک کار ارائه نشد"
    )


def test_double_approval_and_second_open_claim_are_refused(veteran, staff, checker):
    claim = claims.submit(staff, veteran, on=APPLIED)
    with pytest.raises(Conflict) as err:
        claims.submit(staff, veteran, on=APPLIED)
    assert err.value.code == "claim.open_exists"
    claims.prepare(staff, claim)
    with pytest.raises(Conflict) as err:
        claims.prepare(checker, claim)
    assert err.value.code == "claim.status"
    claims.approve(checker, claim)
    with pytest.raises(Conflict) as err:
        claims.approve(checker, claim)
    assert err.value.code == "claim.status"
    with pytest.raises(Conflict):
        claims.reject(checker, claim, "دیرتر")
    assert PensionAward.objects.count() == 1
    assert AuditEntry.objects.filter(action="award.create").count() == 1


def test_withdraw_only_before_preparation(world, veteran, staff):
    own = make_user("insured-v", Role.INSURED, person=veteran)
    first = claims.submit(own, veteran, on=APPLIED)
    with pytest.raises(Forbidden):
        claims.withdraw(world.insured_b, first)
    assert claims.withdraw(own, first).status == ClaimStatus.WITHDRAWN
    second = claims.submit(own, veteran, on=APPLIED)  # a withdrawn claim is not open
    claims.prepare(staff, second)
    with pytest.raises(Conflict):
        claims.withdraw(own, second)


def test_bad_submissions_name_the_field(world, veteran, staff):
    with pytest.raises(DomainError) as err:
        claims.submit(staff, veteran, "pension", APPLIED)
    assert (err.value.code, err.value.field) == ("claim.kind", "kind")
    with pytest.raises(DomainError) as err:
        claims.submit(staff, veteran, on=dt.date.today() + dt.timedelta(days=2))
    assert (err.value.code, err.value.field) == ("claim.future_date", "application_date")
    with pytest.raises(DomainError) as err:
        claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED), documents={"passport": True})
    assert (err.value.code, err.value.field) == ("claim.document", "documents")
    assert not PensionClaim.objects.exclude(status="submitted").exists()


def test_scope_of_reading(world, veteran, staff):
    own = make_user("insured-v", Role.INSURED, person=veteran)
    claim = claims.submit(own, veteran, on=APPLIED)
    assert list(claims.claims_in_scope(own)) == [claim]
    assert list(claims.claims_in_scope(world.users[Role.INSURED])) == []
    assert list(claims.claims_in_scope(world.users[Role.EMPLOYER])) == []
    assert list(claims.claims_in_scope(world.users[Role.PROVIDER])) == []
    assert list(claims.queue(staff)) == [claim]
    assert list(claims.queue(world.staff_b)) == []
    assert list(claims.claims_in_scope(world.users[Role.AUDITOR])) == [claim]


def test_disability_claim_needs_its_facts_and_computes(veteran, staff, checker):
    claim = claims.submit(staff, veteran, AwardKind.DISABILITY, APPLIED)
    assert claim.result["eligible"] is False
    assert {r["field"] for r in claim.result["reasons"]} == {"event_date", "percent"}
    claims.reject(staff, claim)
    facts = {"event_date": "1404/06/20", "percent": 80, "work_related": True, "dependants": False}
    claim = claims.prepare(staff, claims.submit(staff, veteran, AwardKind.DISABILITY, APPLIED, facts))
    assert claim.result["eligible"] and claim.result["case"] == "total"
    award = claims.approve(checker, claim).award
    assert award.kind == "disability" and award.base_amount == claim.result["pension"] > 0


def test_award_pdf_names_the_person_and_the_pension(veteran, staff, checker):
    from tamin.benefits import award_pdf

    claim = claims.approve(checker, claims.prepare(staff, claims.submit(staff, veteran, on=APPLIED)))
    pdf = award_pdf.award_pdf(claim)
    assert pdf.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    logical = page.extract_text().replace("\u200c", "")
    visual = to_ascii_digits(page.extract_text(extraction_mode="layout")).replace("\u066c", "")
    assert "نوری" in logical and "کاظم" in logical
    assert "بازنشستگی" in logical
    assert "121922344" in visual.replace(",", "")  # the pension
    assert veteran.national_code in visual
    assert award_pdf.filename(claim) == f"award-{veteran.national_code}-{claim.number}.pdf"
    html = award_pdf.award_html(claim)
    assert "مهر ۱۴۰۴" in html and "staff-a2" in html and "staff-a" in html
    assert "۳۰ سال و ۸ روز" in html  # 10,958 credited days, 365 a year
    # The arithmetic in Persian words: 121,833,333 × 10,958 ÷ 10,950 = 121,922,344
    assert "۱۲۱٬۸۳۳٬۳۳۳ × ۱۰٬۹۵۸ ÷ ۱۰٬۹۵۰ = ۱۲۱٬۹۲۲٬۳۴۴ ریال" in html


# --- the API ----------------------------------------------------------------------------------------------


def _call(client, user, method: str, path: str, body: dict | None = None):
    from tamin.accounts.models import ApiToken

    token = ApiToken.issue(user)[1]
    return client.generic(
        method,
        "/api/v1" + path,
        data=__import__("json").dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_api_flow(client, world, veteran, staff, checker):
    own = make_user("insured-v", Role.INSURED, person=veteran)
    code = veteran.national_code
    r = _call(client, own, "GET", f"/persons/{code}/pension-conditions?on=1404/07/15")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["eligible"], body["case"], body["pension"], body["credited_days"]) == (
        True,
        "long_service",
        121_922_344,
        10_958,
    )
    assert body["derivation"]["steps"][-1].endswith("= 121,922,344")
    r = _call(
        client, own, "POST", "/pension-claims", {"national_code": code, "application_date": "1404/07/15"}
    )
    assert r.status_code == 201, r.content
    claim_id = r.json()["id"]
    assert r.json()["status"] == "submitted" and r.json()["application_date"] == "1404/07/15"
    r = _call(
        client, own, "POST", "/pension-claims", {"national_code": code, "application_date": "1404/07/15"}
    )
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "claim.open_exists"
    r = _call(client, staff, "POST", f"/pension-claims/{claim_id}/prepare", {"documents": {"id_card": True}})
    assert r.status_code == 200 and r.json()["status"] == "prepared" and r.json()["prepared_by"] == "staff-a"
    r = _call(client, staff, "POST", f"/pension-claims/{claim_id}/approve")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "claim.same_user"
    r = _call(client, own, "POST", f"/pension-claims/{claim_id}/approve")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "auth.forbidden"
    r = _call(client, world.staff_b, "POST", f"/pension-claims/{claim_id}/approve")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "auth.out_of_scope"
    r = _call(client, checker, "POST", f"/pension-claims/{claim_id}/approve")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["status"] == "approved" and out["award_start"] == "1404/07" and out["pension"] == 121_922_344
    assert out["decided_by"] == "staff-a2" and out["award"] == PensionAward.objects.get().pk
    r = _call(client, own, "GET", "/pension-claims")
    assert [c["id"] for c in r.json()["items"]] == [claim_id]
    assert _call(client, world.users[Role.INSURED], "GET", "/pension-claims").json()["items"] == []
    r = _call(client, own, "GET", f"/pension-claims/{claim_id}/award.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = _call(
        client,
        world.users[Role.EMPLOYER],
        "GET",
        f"/persons/{world.worker_a.national_code}/pension-conditions",
    )
    assert r.status_code == 403


def test_survivors_claim_on_the_deceased_file(world, veteran, staff, checker):
    Person.objects.filter(pk=veteran.pk).update(death_date=dt.date(2025, 9, 20))
    veteran.refresh_from_db()
    with pytest.raises(DomainError) as err:
        claims.submit(staff, veteran, AwardKind.RETIREMENT, APPLIED)
    assert err.value.code == "claim.deceased"
    facts = {
        "death_date": "1404/06/29",
        "survivors": [{"relation": "spouse"}, {"relation": "child", "birth_date": "1395/01/01"}],
    }
    claim = claims.prepare(staff, claims.submit(staff, veteran, AwardKind.SURVIVORS, APPLIED, facts))
    assert claim.result["eligible"] and claim.result["case"] == "insured_death"
    assert [m["qualifies"] for m in claim.result["survivors"]] == [True, True]
    award = claims.approve(checker, claim).award
    assert award.kind == "survivors" and award.base_amount == claim.result["pension"] > 0
    veteran.refresh_from_db()
    assert not veteran.is_pensioner  # the family is paid, the deceased does not become a pensioner
