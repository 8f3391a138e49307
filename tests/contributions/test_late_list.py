"""The late-list penalty (SSL Art. 39 deadline; 1373 fines law Tabsareh 1): fixed on the bill when a list
is posted after its deadline, kept on corrections from the first submission day, charged by the
statement, settled by payments after every principal (oldest bill first), the same in the column engine
(relief.positions), and forgiven by a campaign that covers it."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import numpy as np
import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from tamin.accounts.roles import Role
from tamin.contributions import batch, billing
from tamin.contributions.models import Bill
from tamin.contributions.statement_pdf import statement_html
from tamin.core import jalali
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.core.money import format_rial
from tamin.relief.forgiveness import apply_campaign
from tamin.relief.models import ForgivenessLine
from tamin.relief.services import load_positions
from tamin.rules.params import default_parameters
from tamin.rules.penalties import LATE_LIST_DIVISOR, LATE_LIST_PERCENT, late_payment_penalty
from tests.contributions.db_factories import wage_list
from tests.contributions.test_batch import _item
from tests.contributions.test_posting import post
from tests.relief.factories import bill as raw_bill
from tests.relief.factories import payment as raw_payment

J = parse_jalali_date


@pytest.fixture
def on_day(monkeypatch):
    """Post lists as if today were `day` (billing and batch read jalali.today())."""

    def set_day(day: str) -> dt.date:
        d = J(day)
        monkeypatch.setattr(jalali, "today", lambda: d)
        return d

    return set_day


@pytest.fixture
def staff(world):
    return world.users[Role.BRANCH_STAFF]


def ten_percent(amount: int) -> int:
    """penalty.late_list.percent = 10, divisor 1 from 1373/05/09: 10 % of the bill, half up to the Rial."""
    return (amount * 10 + 50) // 100


def test_the_parameters_behind_the_arithmetic():
    p = default_parameters()
    assert (
        p.value(LATE_LIST_PERCENT, J("1404/03/01")) == 10 and p.value(LATE_LIST_DIVISOR, J("1404/03/01")) == 1
    )
    # Before 1373/05/09 it was SSL Art. 100's one twelfth: 100 % / 12.
    assert (
        p.value(LATE_LIST_PERCENT, J("1370/01/01")) == 100
        and p.value(LATE_LIST_DIVISOR, J("1370/01/01")) == 12
    )


def test_list_posted_after_its_deadline_owes_ten_percent_once(world, staff, on_day):
    on_day("1404/03/01")  # month 1's deadline was 1404/02/31
    bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    assert bill.due_on == J("1404/02/31") and bill.first_submitted_on == J("1404/03/01")
    assert bill.amount % 10 != 0  # the rounding is exercised
    assert bill.late_list_penalty == ten_percent(bill.amount) > 0
    # Charged once: the statement a year later shows the same amount (it does not accrue).
    for as_of in ("1404/03/01", "1405/03/01"):
        st = billing.statement(staff, world.workshop_a, J(as_of))
        assert st.lines[0].late_list_penalty == bill.late_list_penalty
    # Not owed on or before the deadline.
    st = billing.statement(staff, world.workshop_a, J("1404/02/31"))
    assert st.lines[0].late_list_penalty == 0 and st.penalty == 0


def test_list_posted_on_time_owes_nothing(world, staff, on_day):
    on_day("1404/02/31")  # the deadline day itself
    bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    assert bill.late_list_penalty == 0
    st = billing.statement(staff, world.workshop_a, J("1404/06/01"))
    assert st.lines[0].late_list_penalty == 0
    # Late payment alone is charged.
    expected = late_payment_penalty(
        np.array([bill.amount]),
        np.array([bill.due_on], "datetime64[D]"),
        np.array([J("1404/06/01")], "datetime64[D]"),
    )[0]
    assert st.lines[0].penalty == expected > 0


def test_small_workshop_exempt_gets_the_later_deadline(world, on_day):
    world.workshop_a.small_workshop_exempt = True
    world.workshop_a.save()
    on_day("1404/03/20")  # after month 1 + 1, before month 1 + 2 ends
    bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    assert bill.due_on == J("1404/03/31") and bill.late_list_penalty == 0
    on_day("1404/05/01")
    late = post(world, wage_list(world.workshop_a.code, month=2)).bill
    assert late.due_on == J("1404/04/31") and late.late_list_penalty == ten_percent(late.amount)


def test_correction_keeps_the_first_submission_day(world, staff, on_day):
    on_day("1404/02/20")  # on time
    first = post(world, wage_list(world.workshop_a.code, month=1, n=2)).bill
    on_day("1404/04/10")  # the correction comes after the deadline: the list was still sent on time
    corrected = post(world, wage_list(world.workshop_a.code, month=1, n=3)).bill
    assert corrected.pk == first.pk and corrected.version == 2
    assert corrected.first_submitted_on == J("1404/02/20") and corrected.issued_on == J("1404/02/20")
    assert corrected.late_list_penalty == 0

    on_day("1404/04/05")  # month 2 (deadline 1404/03/31) sent late ...
    late = post(world, wage_list(world.workshop_a.code, month=2, n=2)).bill
    assert late.late_list_penalty == ten_percent(late.amount)
    on_day("1404/08/01")  # ... and corrected later: recomputed on the new amount, first day kept
    again = post(world, wage_list(world.workshop_a.code, month=2, n=4)).bill
    assert again.amount > late.amount and again.first_submitted_on == J("1404/04/05")
    assert again.late_list_penalty == ten_percent(again.amount)
    st = billing.statement(staff, world.workshop_a, J("1404/08/01"))
    assert [x.late_list_penalty for x in st.lines] == [0, again.late_list_penalty]


def test_batch_posting_writes_the_same_penalty(world, on_day):
    on_day("1404/03/01")
    items = [_item(world.workshop_a, wage_list(world.workshop_a.code, 1404, m, n=2)) for m in (1, 2)]
    batch.post_batch(world.users[Role.ADMIN], items)
    got = list(
        Bill.objects.order_by("month").values_list("amount", "first_submitted_on", "late_list_penalty")
    )
    assert got == [
        (got[0][0], J("1404/03/01"), ten_percent(got[0][0])),  # month 1: due 1404/02/31, late
        (got[1][0], J("1404/03/01"), 0),  # month 2: due 1404/03/31, on time
    ]


def _late_pair(world, on_day) -> tuple[Bill, Bill]:
    """Months 1 and 2 of 1404, both sent on 1404/04/05, both late (deadlines 02/31 and 03/31)."""
    on_day("1404/04/05")
    b1 = post(world, wage_list(world.workshop_a.code, month=1)).bill
    b2 = post(world, wage_list(world.workshop_a.code, month=2)).bill
    assert b1.late_list_penalty > 0 and b2.late_list_penalty > 0
    return b1, b2


def _pay(world, staff, ref: str, amount: int, on: str):
    return billing.record_payment(
        staff, workshop=world.workshop_a, reference=ref, amount=amount, paid_on=J(on)
    )


def _agree(world, as_of: dt.date) -> billing.DebtStatement:
    """The statement and relief.positions give the same figures on `as_of`."""
    st = billing.statement(world.users[Role.ADMIN], world.workshop_a, as_of)
    pos = load_positions([world.workshop_a.pk], as_of)
    assert pos.principal.tolist() == [x.principal for x in st.lines]
    assert pos.penalty.tolist() == [x.penalty + x.penalty_relief for x in st.lines]
    assert pos.late_list_penalty.tolist() == [x.late_list_penalty for x in st.lines]
    assert pos.paid_principal.tolist() == [x.paid_principal for x in st.lines]
    assert pos.paid_penalty.tolist() == [x.paid_penalty for x in st.lines]
    assert pos.credit.get(world.workshop_a.pk, 0) == st.credit
    return st


def test_payments_settle_principals_first_then_penalties_oldest_bill_first(world, staff, on_day):
    b1, b2 = _late_pair(world, on_day)
    # Both principals, then 1,000 Rials more: it goes to bill 1's penalties, none to bill 2's.
    paid = _pay(world, staff, "P1", b1.amount + b2.amount + 1_000, "1404/04/10")
    st = _agree(world, J("1404/04/10"))
    l1, l2 = st.lines
    assert (l1.paid_principal, l2.paid_principal) == (b1.amount, b2.amount)
    assert (l1.paid_penalty, l2.paid_penalty) == (1_000, 0)
    lp1 = late_payment_penalty(
        np.array([b1.amount, b2.amount]),
        np.array([b1.due_on, b2.due_on], "datetime64[D]"),
        np.array([J("1404/04/10")] * 2, "datetime64[D]"),
    )
    assert l1.penalty == lp1[0] + b1.late_list_penalty and l2.penalty == lp1[1] + b2.late_list_penalty
    assert l1.late_payment_penalty == lp1[0] and l2.late_list_penalty == b2.late_list_penalty
    entry = paid.payment.pk
    from tamin.audit.models import AuditEntry

    audit = AuditEntry.objects.filter(action="payment.record", object_id=str(entry)).get()
    assert audit.after["allocation"][-1] == {"bill": b1.number, "principal": 0, "penalty": 1_000}
    # Enough for every penalty and 500 over: both settled, 500 is credit.
    rest = st.penalty - 1_000
    _pay(world, staff, "P2", rest + 500, "1404/04/10")
    st = _agree(world, J("1404/04/10"))
    assert [x.outstanding for x in st.lines] == [0, 0] and st.credit == 500 and st.outstanding == -500
    assert st.as_dict()["lines"][1]["late_list_penalty"] == b2.late_list_penalty


def test_credit_paid_before_the_deadline_settles_the_late_list_penalty_when_it_falls_due(
    world, staff, on_day
):
    # Month 2 (deadline 1404/03/31) paid in full with extra on 1404/03/20, its list sent late on 04/05.
    on_day("1404/04/05")
    bill = post(world, wage_list(world.workshop_a.code, month=2)).bill
    _pay(world, staff, "EARLY", bill.amount + 2_000_000, "1404/03/20")
    st = _agree(world, J("1404/03/25"))  # before the deadline: nothing owed but the credit
    assert st.lines[0].penalty == 0 and st.credit == 2_000_000
    st = _agree(world, J("1404/04/10"))  # the late-list penalty is owed from 04/01 and paid from the credit
    ll = bill.late_list_penalty
    assert ll > 2_000_000 and st.lines[0].late_list_penalty == ll
    assert st.lines[0].paid_penalty == 2_000_000 and st.credit == 0
    assert st.outstanding == ll - 2_000_000


def test_forgiveness_forgives_the_late_list_penalty_when_the_campaign_covers_it(world):
    # c1402_khordad: window 1402/03/01–1402/05/31, months up to 1402/01, covers both penalty kinds;
    # principal paid in full inside the window → 100 %.
    b = raw_bill(world.workshop_a, 1401, 10, 300_000_000)  # due 1401/11/30
    ll = int(billing.late_list_penalty(np.array([b.amount]), np.array([b.due_on], "datetime64[D]"),
                                       np.array([J("1401/12/10")], "datetime64[D]"))[0])  # fmt: skip
    assert ll == 30_000_000
    Bill.objects.filter(pk=b.pk).update(first_submitted_on=J("1401/12/10"), late_list_penalty=ll)
    raw_payment(world.workshop_a, "FULL", 300_000_000, "1402/04/10")
    admin = world.users[Role.ADMIN]
    before = billing.statement(admin, world.workshop_a, J("1402/04/15"))
    assert before.lines[0].late_list_penalty == ll and before.lines[0].penalty > ll
    report = apply_campaign(admin, "c1402_khordad", J("1402/04/15"))
    line = ForgivenessLine.objects.get(bill=b)
    assert (line.late_list_penalty, line.late_list_forgiven) == (ll, ll)
    assert report.forgiven["late_list"] == ll
    assert report.forgiven["total"] == ll + line.late_payment_forgiven == before.penalty
    after = _agree(world, J("1402/04/15"))
    assert after.lines[0].penalty == 0 and after.lines[0].penalty_relief == before.penalty
    assert after.outstanding == 0


def test_paid_penalty_counts_against_the_late_list_penalty_first_in_forgiveness(world):
    b = raw_bill(world.workshop_a, 1401, 10, 300_000_000)
    Bill.objects.filter(pk=b.pk).update(first_submitted_on=J("1401/12/10"), late_list_penalty=30_000_000)
    raw_payment(world.workshop_a, "FULL", 300_000_000 + 10_000_000, "1402/04/10")
    apply_campaign(world.users[Role.ADMIN], "c1402_khordad", J("1402/04/15"))
    line = ForgivenessLine.objects.get(bill=b)
    # 10,000,000 of the late-list penalty was paid: only the rest of it is forgiven.
    assert (line.late_list_penalty, line.late_list_forgiven) == (20_000_000, 20_000_000)


def test_statement_shows_the_column_in_json_page_and_pdf(world, on_day):
    on_day("1404/03/01")
    bill = post(world, wage_list(world.workshop_a.code, month=1)).bill
    employer = world.users[Role.EMPLOYER]
    st = billing.statement(employer, world.workshop_a, J("1404/05/01"))
    d = st.as_dict()
    assert d["lines"][0]["late_list_penalty"] == bill.late_list_penalty == d["late_list_penalty"]
    assert d["lines"][0]["late_payment_penalty"] + bill.late_list_penalty == d["lines"][0]["penalty"]
    client = Client()
    client.force_login(employer)
    url = reverse("portal:workshop_statement", kwargs={"code": world.workshop_a.code}) + "?as_of=1404/05/01"
    body = client.get(url).content.decode()
    assert f'data-testid="late-list-penalty">{format_rial(bill.late_list_penalty)}<' in body
    assert "جریمهٔ ارسال دیرهنگام لیست" in body
    html = statement_html(st, world.workshop_a)  # what the PDF is printed from
    assert f'<td class="n">{format_rial(bill.late_list_penalty)}</td>' in html


def test_migration_fills_existing_bills(world, on_day):
    on_day("1404/03/01")
    late = post(world, wage_list(world.workshop_a.code, month=1)).bill
    on_time = post(world, wage_list(world.workshop_a.code, month=2)).bill
    Bill.objects.update(first_submitted_on=None, late_list_penalty=0)
    migration = importlib.import_module("tamin.contributions.migrations.0002_bill_late_list_penalty")
    migration._fill(apps, SimpleNamespace(connection=connection))
    got = dict(Bill.objects.values_list("pk", "late_list_penalty"))
    assert got == {late.pk: ten_percent(late.amount), on_time.pk: 0}
    assert set(Bill.objects.values_list("first_submitted_on", flat=True)) == {J("1404/03/01")}
    assert JalaliMonth.of(late.due_on) == JalaliMonth(1404, 2)


@pytest.mark.parametrize("path", ["single", "batch"])
def test_the_day_a_list_arrives_dates_its_bill(world, path: str) -> None:
    # The importer's `today` is the day the list arrived: a 1404-02 list sent on 1404/03/20 is on time
    # (deadline 1404/03/31), whatever the calendar says when the import runs.
    from tamin.contributions import transfer

    wl = wage_list(world.workshop_a.code, 1404, 2, n=2)
    arrived = J("1404/03/20")
    admin = world.users[Role.ADMIN]
    if path == "single":
        outcome = transfer.import_list(wl, actor=admin, today=arrived)
    else:
        (outcome,) = batch.import_batch([wl], actor=admin, today=arrived)
    assert outcome.status == "posted", outcome.summary
    bill = Bill.objects.get()
    assert (bill.issued_on, bill.first_submitted_on, bill.late_list_penalty) == (arrived, arrived, 0)
