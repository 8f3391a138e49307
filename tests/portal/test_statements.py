"""Debt pages: the employer's workshops and what each owes, one workshop's statement and its PDF, and the
payment form at the branch counter. Every page refuses outside the user's role and scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tamin.accounts.roles import Role
from tamin.contributions import billing
from tamin.contributions.models import Payment
from tamin.core.jalali import parse_jalali_date
from tamin.core.money import format_rial
from tamin.core.text import to_persian_digits
from tests.contributions.db_factories import wage_list
from tests.contributions.test_posting import post

R = Role


@pytest.fixture
def billed(world):
    world.bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    return world


def statement_url(world, code=None, **query):
    url = reverse("portal:workshop_statement", kwargs={"code": code or world.workshop_a.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_employer_sees_its_workshops_debts_only(signed_in, billed):
    page = signed_in(R.EMPLOYER).get(reverse("portal:statements"))
    assert page.status_code == 200
    body = page.content.decode()
    st = billing.statement(billed.users[R.EMPLOYER], billed.workshop_a)
    assert to_persian_digits(billed.workshop_a.code) in body
    assert format_rial(st.outstanding) in body
    assert to_persian_digits(billed.workshop_b.code) not in body
    assert reverse("portal:statements") in body  # the menu link


def test_statement_page_shows_lines_total_and_pdf_link(signed_in, billed):
    billing.record_payment(
        billed.users[R.BRANCH_STAFF],
        workshop=billed.workshop_a,
        reference="BANK-77",
        amount=5_000_000,
        paid_on=parse_jalali_date("1404/03/10"),
    )
    page = signed_in(R.EMPLOYER).get(statement_url(billed, as_of="1404/05/01"))
    assert page.status_code == 200
    body = page.content.decode()
    st = billing.statement(billed.users[R.EMPLOYER], billed.workshop_a, parse_jalali_date("1404/05/01"))
    assert st.outstanding > 0 and st.lines[0].penalty > 0
    assert f'data-testid="outstanding">{format_rial(st.outstanding)}<' in body
    assert format_rial(st.lines[0].penalty) in body and "فروردین ۱۴۰۴" in body
    assert "۱۴۰۴/۰۵/۰۱" in body and "BANK-77" in body
    pdf_url = (
        reverse("portal:workshop_statement_pdf", kwargs={"code": billed.workshop_a.code})
        + "?as_of=1404/05/01"
    )
    assert f'href="{pdf_url}"' in body
    assert reverse("portal:payment_new") not in body  # the employer cannot record payments
    pdf = signed_in(R.EMPLOYER).get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_bad_as_of_is_shown_on_the_form(signed_in, billed):
    page = signed_in(R.BRANCH_STAFF).get(statement_url(billed, as_of="1404/14/01"))
    assert page.status_code == 400
    assert 'data-error-code="jalali.range" data-error-field="as_of"' in page.content.decode()


def test_statement_refusals(signed_in, billed):
    cases = [
        (R.INSURED, reverse("portal:statements")),
        (R.PENSIONER, reverse("portal:statements")),
        (R.PROVIDER, reverse("portal:statements")),
        (R.INSURED, statement_url(billed)),  # a worker of the workshop still may not see its debt
        (R.EMPLOYER, statement_url(billed, billed.workshop_b.code)),
        (R.PROVINCE_MANAGER, statement_url(billed, billed.workshop_b.code)),
        (billed.staff_b, statement_url(billed)),
        (billed.staff_b, reverse("portal:workshop_statement_pdf", kwargs={"code": billed.workshop_a.code})),
        (R.INSURED, reverse("portal:workshop_statement_pdf", kwargs={"code": billed.workshop_a.code})),
        (R.EMPLOYER, reverse("portal:payment_new")),
        (R.AUDITOR, reverse("portal:payment_new")),
    ]
    for who, url in cases:
        page = signed_in(who).get(url)
        assert page.status_code == 403, (who, url)
        assert format_rial(billed.bill.amount) not in page.content.decode()


def test_workshop_code_box_finds_a_workshop_in_scope(signed_in, billed):
    staff = signed_in(R.BRANCH_STAFF)
    found = staff.get(reverse("portal:statements"), {"code": to_persian_digits(billed.workshop_a.code)})
    assert found.status_code == 302 and found["Location"] == statement_url(billed)
    other = staff.get(reverse("portal:statements"), {"code": billed.workshop_b.code})
    assert other.status_code == 400
    assert 'data-error-code="auth.out_of_scope" data-error-field="code"' in other.content.decode()


def test_branch_staff_record_a_payment_once(signed_in, billed):
    staff = signed_in(R.BRANCH_STAFF)
    form = staff.get(reverse("portal:payment_new"), {"workshop": billed.workshop_a.code})
    assert form.status_code == 200 and f'value="{billed.workshop_a.code}"' in form.content.decode()
    data = {
        "workshop": billed.workshop_a.code,
        "reference": "BANK-1",
        "amount": "۱۲٬۰۰۰٬۰۰۰",
        "paid_on": "۱۴۰۴/۰۳/۱۰",
    }
    done = staff.post(reverse("portal:payment_new"), data)
    assert done.status_code == 302 and done["Location"] == statement_url(billed)
    p = Payment.objects.get()
    assert (p.reference, p.amount, p.paid_on) == ("BANK-1", 12_000_000, parse_jalali_date("1404/03/10"))
    again = staff.post(reverse("portal:payment_new"), data, follow=True)
    assert "پیش‌تر با همین مشخصات ثبت شده بود" in again.content.decode()
    clash = staff.post(reverse("portal:payment_new"), data | {"amount": "13000000"})
    assert clash.status_code == 409
    assert 'data-error-code="payment.reference_reused" data-error-field="reference"' in clash.content.decode()
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"amount": "12.5"}, 400, "money.format", "amount"),
        ({"amount": "-5"}, 400, "money.format", "amount"),
        ({"amount": "0"}, 400, "payment.amount", "amount"),
        ({"amount": "9" * 30}, 400, "payment.amount", "amount"),
        ({"paid_on": "1404/02/32"}, 400, "jalali.range", "paid_on"),
        ({"reference": ""}, 400, "payment.reference", "reference"),
        ({"workshop": "workshop_b"}, 403, "auth.out_of_scope", "workshop"),
    ],
)
def test_payment_form_shows_each_problem_on_its_field(signed_in, billed, change, status, code, field):
    change = {k: (billed.workshop_b.code if v == "workshop_b" else v) for k, v in change.items()}
    data = {
        "workshop": billed.workshop_a.code,
        "reference": "BANK-9",
        "amount": "1000",
        "paid_on": "1404/03/10",
    }
    page = signed_in(R.BRANCH_STAFF).post(reverse("portal:payment_new"), data | change)
    assert page.status_code == status
    assert f'data-error-code="{code}" data-error-field="{field}"' in page.content.decode()
    assert not Payment.objects.exists()


def test_employer_home_sums_up_the_debt(signed_in, world):
    assert (
        'data-testid="debt-summary"' not in signed_in(R.EMPLOYER).get(reverse("portal:home")).content.decode()
    )
    post(world, wage_list(world.workshop_a.code, month=1))
    home = signed_in(R.EMPLOYER).get(reverse("portal:home")).content.decode()
    st = billing.statement(world.users[R.EMPLOYER], world.workshop_a)
    summary = home[home.index('data-testid="debt-summary"') :]
    assert format_rial(st.outstanding) in summary and reverse("portal:statements") in summary
