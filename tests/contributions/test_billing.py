"""Bills, payments (once per bank reference), principal-first allocation and the debt statement."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions import billing
from tamin.contributions.models import Payment
from tamin.core.errors import Conflict, DomainError, Forbidden
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules.penalties import late_payment_penalty
from tests.contributions.db_factories import wage_list
from tests.contributions.test_posting import post

J = parse_jalali_date


@pytest.fixture
def staff(world):
    return world.users[Role.BRANCH_STAFF]


def pay(world, staff, ref, amount, on):
    return billing.record_payment(
        staff, workshop=world.workshop_a, reference=ref, amount=amount, paid_on=J(on)
    )


def test_due_date_end_of_next_month_and_second_month_when_small_workshop_exempt(world):
    bill = post(world, wage_list(world.workshop_a.code, month=2)).bill
    assert bill.due_on == J("1404/03/31") == JalaliMonth(1404, 3).last_day()
    assert "39" in bill.due_source
    world.workshop_a.small_workshop_exempt = True
    world.workshop_a.save()
    bill = post(world, wage_list(world.workshop_a.code, month=12)).bill
    assert bill.due_on == JalaliMonth(1405, 2).last_day()


def test_payment_recorded_once_and_reuse_with_other_data_is_conflict(world, staff):
    post(world, wage_list(world.workshop_a.code))
    audits = AuditEntry.objects.count()
    first = pay(world, staff, "BANK-1", 1_000_000, "1404/03/10")
    assert first.created
    again = pay(world, staff, "BANK-1", 1_000_000, "1404/03/10")
    assert not again.created and again.payment.pk == first.payment.pk
    assert Payment.objects.count() == 1 and AuditEntry.objects.count() == audits + 1
    with pytest.raises(Conflict) as err:
        pay(world, staff, "BANK-1", 2_000_000, "1404/03/10")
    assert err.value.status == 409 and err.value.code == "payment.reference_reused"
    with pytest.raises(DomainError):
        pay(world, staff, "BANK-2", -5, "1404/03/10")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "payment.record" and entry.after["allocation"][0]["principal"] == 1_000_000


def test_payments_settle_oldest_principal_first_then_penalties(world, staff):
    b1 = post(world, wage_list(world.workshop_a.code, month=1)).bill
    b2 = post(world, wage_list(world.workshop_a.code, month=2)).bill
    assert b1.due_on < b2.due_on
    # Part of bill 1, late; then enough for the rest of bill 1 and all of bill 2, before bill 2 is due.
    pay(world, staff, "P1", 10_000_000, "1404/03/05")
    rest = b1.amount - 10_000_000 + b2.amount
    pay(world, staff, "P2", rest, "1404/03/10")
    as_of = J("1404/03/20")
    st = billing.statement(staff, world.workshop_a, as_of)
    l1, l2 = st.lines
    assert (l1.paid_principal, l2.paid_principal) == (b1.amount, b2.amount)
    due1 = np.array([b1.due_on, b1.due_on], dtype="datetime64[D]")
    expected = late_payment_penalty(
        np.array([10_000_000, b1.amount - 10_000_000]),
        due1,
        np.array([J("1404/03/05"), J("1404/03/10")], dtype="datetime64[D]"),
    ).sum()
    # The lists were posted today, long after their deadlines: each bill also owes its late-list
    # penalty (tests/contributions/test_late_list.py checks its arithmetic), bill 1's from 1404/03/01.
    late_list = b1.late_list_penalty
    assert late_list > 0 and l1.late_list_penalty == late_list and l2.late_list_penalty == 0
    assert l1.penalty == expected + late_list and expected > 0  # bill 1 (due 1404/02/31) was paid late
    assert l2.penalty == 0  # bill 2 is due 1404/03/31
    assert l1.outstanding == expected + late_list and l2.outstanding == 0
    assert st.outstanding == expected + late_list
    # A later payment covers the penalties, and what is left is a credit.
    pay(world, staff, "P3", int(expected) + late_list + 500, "1404/03/15")
    st = billing.statement(staff, world.workshop_a, as_of)
    assert st.lines[0].paid_penalty == expected + late_list and st.credit == 500 and st.outstanding == -500
    d = st.as_dict()
    assert d["allocation_rule"] == "principal_first_oldest_bill_first" and d["lines"][0]["outstanding"] == 0


def test_unpaid_principal_accrues_penalty_to_as_of(world, staff):
    bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    as_of = J("1404/05/15")
    st = billing.statement(staff, world.workshop_a, as_of)
    expected = late_payment_penalty(
        np.array([bill.amount]),
        np.array([bill.due_on], dtype="datetime64[D]"),
        np.array([as_of], dtype="datetime64[D]"),
    )[0]
    # The list was posted today, after its deadline: its late-list penalty is owed too.
    assert st.lines[0].penalty == expected + bill.late_list_penalty and expected > 0
    assert st.lines[0].late_list_penalty == bill.late_list_penalty > 0
    assert st.outstanding == bill.amount + expected + bill.late_list_penalty
    assert billing.statement(staff, world.workshop_a, bill.due_on).penalty == 0


def test_corrected_list_changes_the_debt(world, staff):
    first = post(world, wage_list(world.workshop_a.code, n=2)).bill
    pay(world, staff, "C1", first.amount, "1404/03/01")
    corrected = post(world, wage_list(world.workshop_a.code, n=3)).bill
    st = billing.statement(staff, world.workshop_a, J("1404/03/01"))
    assert st.lines[0].principal == corrected.amount
    assert st.lines[0].outstanding == corrected.amount - first.amount == corrected.difference


def test_statement_and_payments_are_scoped(world, staff):
    post(world, wage_list(world.workshop_a.code))
    assert (
        billing.statement(world.users[Role.EMPLOYER], world.workshop_a.code).workshop == world.workshop_a.code
    )
    with pytest.raises(DomainError):
        billing.statement(world.staff_b, world.workshop_a.code)
    with pytest.raises(Forbidden):
        billing.statement(world.users[Role.INSURED], world.workshop_a)
    with pytest.raises(Forbidden):  # employers do not record bank payments
        billing.record_payment(
            world.users[Role.EMPLOYER],
            workshop=world.workshop_a,
            reference="X",
            amount=1,
            paid_on=dt.date.today(),
        )
    with pytest.raises(Forbidden):
        billing.record_payment(
            world.staff_b, workshop=world.workshop_a, reference="X", amount=1, paid_on=dt.date.today()
        )
    assert Payment.objects.count() == 0
