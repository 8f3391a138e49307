"""Pension claims in the portal: the insured's conditions page and application, the branch queue and the
maker–checker buttons, the award PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from tamin.accounts.roles import Role
from tamin.benefits import claims
from tamin.benefits.models import ClaimStatus, PensionClaim
from tamin.core.jalali import JalaliMonth
from tamin.core.text import to_persian_digits
from tamin.portal.nav import menu
from tests.benefits.test_claims import APPLIED, legacy_history
from tests.conftest import make_person, make_user


@pytest.fixture
def veteran(world):
    p = make_person(123456100, "کاظم", "نوری", born=dt.date(1960, 3, 21), branch=world.branch_a)
    legacy_history(p, world.workshop_a, JalaliMonth(1374, 7), JalaliMonth(1404, 6))
    return p


@pytest.fixture
def veteran_user(veteran):
    return make_user("insured-v", Role.INSURED, person=veteran)


@pytest.fixture
def checker(world):
    return make_user(
        "staff-a2", Role.BRANCH_STAFF, branch=world.branch_a, first_name="سعید", last_name="امینی"
    )


def test_insured_sees_conditions_and_applies(signed_in, veteran, veteran_user):
    client = signed_in(veteran_user)
    page = client.get("/pension/conditions/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="eligible"' in body and "۳۰ سال سابقه و سن ۵۰" in body
    assert 'data-testid="apply"' in body
    response = client.post("/pension/conditions/")
    claim = PensionClaim.objects.get(person=veteran)
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert claim.status == ClaimStatus.SUBMITTED and claim.submitted_by == veteran_user
    detail = client.get(response["Location"]).content.decode()
    assert "ثبت‌شده" in detail and 'data-testid="withdraw"' in detail
    assert 'data-testid="prepare"' not in detail and 'data-testid="approve"' not in detail
    # a second application while the first is open is refused on the page, naming the problem
    again = client.post("/pension/conditions/")
    assert again.status_code == 409 and "claim.open_exists" in again.content.decode()
    assert PensionClaim.objects.filter(person=veteran).count() == 1
    mine = client.get("/claims/").content.decode()
    assert to_persian_digits(claim.number) in mine


def test_not_eligible_insured_sees_the_reasons(signed_in, world):
    legacy_history(world.worker_a, world.workshop_a, JalaliMonth(1399, 1), JalaliMonth(1403, 12))
    body = signed_in(Role.INSURED).get("/pension/conditions/").content.decode()
    assert 'data-testid="not-eligible"' in body
    assert "سن ۶۰ (مردان) / ۵۵ (زنان) و ۲۰ سال سابقه:" in body


def test_maker_checker_in_the_portal(signed_in, world, veteran, checker):
    staff = world.users[Role.BRANCH_STAFF]
    claim = claims.submit(staff, veteran, on=APPLIED)
    maker = signed_in(staff)
    queue = maker.get("/claims/").content.decode()
    assert "نوری" in queue
    assert signed_in(world.staff_b).get("/claims/").content.decode().count("نوری") == 0
    page = maker.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-testid="prepare"' in page
    assert 'data-testid="claim-pension">۱۲۱٬۹۲۲٬۳۴۴ ریال' in page
    response = maker.post(f"/claims/{claim.pk}/prepare/", {"doc_id_card": "1", "notes": "کامل"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (
        claim.status == ClaimStatus.PREPARED
        and claim.documents == {"id_card": True}
        and claim.notes == "کامل"
    )
    page = maker.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-testid="approve"' not in page and 'data-testid="maker-note"' in page
    refused = maker.post(f"/claims/{claim.pk}/approve/")
    assert refused.status_code == 403 and "claim.same_user" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PREPARED

    other = signed_in(checker)
    assert 'data-testid="approve"' in other.get(f"/claims/{claim.pk}/").content.decode()
    assert other.post(f"/claims/{claim.pk}/approve/").status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.award.base_amount == 121_922_344
    again = other.post(f"/claims/{claim.pk}/approve/")
    assert again.status_code == 409 and "claim.status" in again.content.decode()
    pdf = other.get(f"/claims/{claim.pk}/award.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_insured_reads_their_award_and_others_cannot(signed_in, world, veteran, veteran_user, checker):
    staff = world.users[Role.BRANCH_STAFF]
    claim = claims.approve(checker, claims.prepare(staff, claims.submit(veteran_user, veteran, on=APPLIED)))
    own = signed_in(veteran_user)
    page = own.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-testid="award-pdf"' in page and "تأییدشده" in page
    assert own.get(f"/claims/{claim.pk}/award.pdf").content.startswith(b"%PDF")
    # the insured cannot act as staff; another branch and another insured do not find the claim
    assert own.post(f"/claims/{claim.pk}/reject/", {"reason": "x"}).status_code == 403
    assert signed_in(world.staff_b).get(f"/claims/{claim.pk}/").status_code == 404
    assert signed_in(Role.INSURED).get(f"/claims/{claim.pk}/award.pdf").status_code == 404
    assert signed_in(Role.EMPLOYER).get(f"/claims/{claim.pk}/").status_code == 403


def test_staff_apply_for_a_person_and_reject_with_a_reason(signed_in, world, veteran):
    client = signed_in(Role.BRANCH_STAFF)
    response = client.post(
        "/claims/new/", {"national_code": veteran.national_code, "application_date": "1404/07/15"}
    )
    claim = PensionClaim.objects.get(person=veteran)
    assert response.status_code == 302 and claim.application_date == APPLIED
    bad = client.post("/claims/new/", {"national_code": "123", "application_date": ""})
    assert bad.status_code == 400 and 'data-error-field="national_code"' in bad.content.decode()
    outside = client.post("/claims/new/", {"national_code": world.worker_b.national_code})
    assert outside.status_code == 403
    empty = client.post(f"/claims/{claim.pk}/reject/", {"reason": ""})
    assert empty.status_code == 400 and "claim.reason" in empty.content.decode()
    client.post(f"/claims/{claim.pk}/reject/", {"reason": "گواهی ترک کار ارائه نشد"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.rejection_reason == "گواهی ترک کار ارائه نشد"


def test_menu_links(world, veteran_user):
    labels = {r: [link.label for link in menu(world.users[r])] for r in Role}
    assert "شرایط بازنشستگی من" in labels[Role.INSURED]
    assert "درخواست‌های مستمری" in labels[Role.INSURED] and "درخواست‌های مستمری" in labels[Role.BRANCH_STAFF]
    assert "درخواست‌های مستمری" not in labels[Role.EMPLOYER] + labels[Role.PROVIDER]
