"""The pension estimate page: the insured person's own, staff on a person in their scope; the result in
Persian with its explanation, and bad fields shown next to the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tamin.accounts.roles import Role
from tamin.portal.nav import menu
from tests.benefits.test_estimate import TODAY, worker_28y  # noqa: F401  (fixture)

R = Role


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("tamin.core.jalali.today", lambda: TODAY)


def test_the_form_says_it_is_an_estimate(signed_in, worker_28y):  # noqa: F811
    page = signed_in(R.INSURED).get(reverse("portal:estimate"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="estimate-form"' in body and 'data-testid="estimate-result"' not in body
    assert "ریال امروز" in body and "قواعد امروز" in body and "برآورد" in body
    assert "دستمزد آخرین ماه ثبت‌شده بدون هیچ افزایشی" in body


def test_insured_sees_eligibility_pension_and_earliest_date(signed_in, worker_28y):  # noqa: F811
    page = signed_in(R.INSURED).get(reverse("portal:estimate"), {"until": "۱۴۰۶/۰۸/۳۰"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="estimate-eligible"' in body and "سن ۶۰ (مردان)" in body
    assert 'data-testid="estimate-pension">۲۰۰٬۱۲۷٬۸۵۴<' in body
    assert 'data-testid="estimate-years">۳۰<' in body
    assert "۱۴۰۵/۰۵/۰۱" in body  # the earliest date, in Persian digits
    assert "(دستمزد آخرین ماه ثبت‌شده، بدون هیچ افزایشی)" in body
    assert "مادهٔ ۷۷" in body and "مادهٔ ۱۱۱" in body  # the derivation in plain Persian
    assert "pension.accrual.divisor" in body  # and the parameters behind it


def test_too_early_shows_the_reasons(signed_in, worker_28y):  # noqa: F811
    page = signed_in(R.INSURED).get(
        reverse("portal:estimate"), {"until": "1404/12/29", "wage": "۱۵۰٬۰۰۰٬۰۰۰"}
    )
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="estimate-not-eligible"' in body
    assert "سن ۵۹ سال و ۱۱ ماه کمتر از ۶۰ سال و ۴ ماه است" in body
    assert 'data-testid="estimate-pension">۰<' in body


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"until": "1400/01/01"}, "until", "estimate.until_past"),
        ({"until": "۱۴۱۰/۱۳/۰۱"}, "until", "jalali.range"),
        ({"until": ""}, "until", "estimate.until_required"),
        ({"until": "1410/01/01", "wage": "0"}, "wage", "estimate.wage_positive"),
        ({"until": "1410/01/01", "wage": "999999999999"}, "wage", "estimate.wage_ceiling"),
    ],
)
def test_bad_fields_are_shown_next_to_the_field(signed_in, worker_28y, query, field, code):  # noqa: F811
    page = signed_in(R.INSURED).get(reverse("portal:estimate"), query)
    assert page.status_code == 400
    body = page.content.decode()
    assert f'data-error-code="{code}" data-error-field="{field}"' in body
    assert 'data-testid="estimate-result"' not in body


def test_no_history_is_named(signed_in, world):
    page = signed_in(R.INSURED).get(reverse("portal:estimate"), {"until": "1410/01/01"})
    assert page.status_code == 400
    body = page.content.decode()
    assert 'data-error-code="estimate.no_history"' in body and "سابقهٔ بیمه‌ای ثبت‌شده‌ای نیست" in body


def test_staff_estimate_a_person_in_scope_only(signed_in, world, worker_28y):  # noqa: F811
    url = reverse("portal:person_estimate", kwargs={"national_code": worker_28y.national_code})
    page = signed_in(R.BRANCH_STAFF).get(url, {"until": "1406/08/30", "hard_job": "on", "wage": "150000000"})
    assert page.status_code == 200
    body = page.content.decode()
    assert worker_28y.full_name in body and "۱۶۶٬۲۵۵٬۵۰۰" in body and "کار سخت و زیان‌آور" in body
    assert signed_in(world.staff_b).get(url, {"until": "1406/08/30"}).status_code == 403
    assert signed_in(R.INSURED).get(url).status_code == 403  # the insured use their own page
    bad = reverse("portal:person_estimate", kwargs={"national_code": "12345"})
    assert signed_in(R.BRANCH_STAFF).get(bad).status_code == 404


def test_the_menu_offers_it_to_the_insured_only(world):
    for role in R:
        labels = [link.label for link in menu(world.users[role])]
        assert ("برآورد مستمری" in labels) == (role == R.INSURED), role
