"""Bills and payments written straight to the tables (no wage list): the relief tests need debts of
chosen sizes and months, not priced rows."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tamin.contributions.models import Bill, ContributionList, Payment
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.registry.models import Workshop
from tamin.rules.penalties import payment_due_date

J = parse_jalali_date


def bill(workshop: Workshop, year: int, month: int, amount: int, list_no: str = "01") -> Bill:
    cl = ContributionList.objects.create(
        workshop=workshop,
        year=year,
        month=month,
        list_no=list_no,
        status="posted",
        content_hash=f"{workshop.pk}-{year}-{month}-{list_no}",
        rows=1,
        header={},
        posted_at=timezone.now(),
        employer_share=amount,
    )
    return Bill.objects.create(
        contribution_list=cl,
        workshop=workshop,
        number=f"{workshop.code}-{year:04d}{month:02d}-{list_no}",
        year=year,
        month=month,
        insured_share=0,
        employer_share=amount,
        unemployment_share=0,
        hard_job_share=0,
        state_share=0,
        amount=amount,
        issued_on=JalaliMonth(year, month).last_day(),
        due_on=payment_due_date(JalaliMonth(year, month)),
        due_source="SSL Art. 39",
    )


def payment(workshop: Workshop, reference: str, amount: int, on: str | dt.date) -> Payment:
    """A payment row as the bank feed leaves it (billing.record_payment is tested by its own tests)."""
    return Payment.objects.create(
        reference=reference, workshop=workshop, amount=amount, paid_on=J(on) if isinstance(on, str) else on
    )
