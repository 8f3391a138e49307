"""The demo's contribution cycle: lists that check clean, bills, payments, history, relief, determinism."""

from __future__ import annotations

import datetime as dt
import io

import jdatetime
import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rich.console import Console

from tamin.accounts.models import User
from tamin.audit import triggers
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.contributions import billing
from tamin.contributions.batch import content_hashes
from tamin.contributions.checking import check_list
from tamin.contributions.models import Bill, ContributionList, ListRow, Payment
from tamin.core.jalali import JalaliMonth
from tamin.demo import contributions, report
from tamin.demo.build import BuildOptions, build, clear_population
from tamin.records.models import HistoryMonth, Objection
from tamin.records.services import history
from tamin.registry.models import Person, Workshop
from tamin.relief.models import AgreementStatus, InstallmentAgreement
from tamin.rules.wages import minimum_daily_wage

PROVINCE = "18"
SCALE = 0.0005
SEED = 7
MONTHS = 4
REFERENCE = dt.date(2025, 10, 1)  # 1404/07/09: the window is 1404/03–1404/06


def _build(seed: int = SEED) -> object:
    return build(BuildOptions(scale=SCALE, seed=seed, province=PROVINCE, today=REFERENCE, months=MONTHS))


@pytest.fixture
def demo(db):
    return _build()


def _user(role: str) -> User:
    return User.objects.get(username=f"demo-{role}")


def _focus() -> str:
    return Person.objects.get(pk=_user("insured").person_id).national_code


def test_window_and_send_days():
    assert contributions.window(REFERENCE, 3) == (
        JalaliMonth(1404, 4),
        JalaliMonth(1404, 5),
        JalaliMonth(1404, 6),
    )
    assert contributions.window(REFERENCE, 0) == ()
    # Sent on the 15th of the next month, or on the reference day when that comes first.
    assert contributions.send_day(JalaliMonth(1404, 4), REFERENCE) == JalaliMonth(
        1404, 5
    ).first_day() + dt.timedelta(days=14)
    assert contributions.send_day(JalaliMonth(1404, 6), REFERENCE) == REFERENCE


def test_jalali_numbers_match_jdatetime():
    rng = np.random.default_rng(0)
    days = np.datetime64("1925-01-01") + rng.integers(0, 40_000, 500)
    expected = [int(jdatetime.date.fromgregorian(date=d).strftime("%Y%m%d")) for d in days.tolist()]
    assert contributions.jalali_numbers(days).tolist() == expected
    fixed = np.array(["2025-03-21", "2025-10-01", "NaT"], dtype="datetime64[D]")
    assert contributions.jalali_numbers(fixed).tolist() == [14040101, 14040709, 0]


def test_every_posted_list_checks_clean(demo):
    lists = contributions.build_lists(REFERENCE, MONTHS, SEED, focus=_focus())
    assert len(lists.lists) == demo.counts["lists"] == ContributionList.objects.count() > 0
    # The posted lists are these lists, byte for byte.
    posted = set(ContributionList.objects.values_list("content_hash", flat=True))
    assert set(content_hashes(lists.lists)) == posted
    workers = set()
    for group, day, month in zip(lists.by_month, lists.send_days, lists.months, strict=True):
        minimum = minimum_daily_wage(month.first_day())
        for wl in group:
            result = check_list(wl, today=day)
            assert result.ok, (wl.workshop, str(month), [p.code for p in result.errors])
            assert not result.warnings, (wl.workshop, str(month), [p.code for p in result.warnings])
            assert wl.month == month and (wl.column("DSW_ROOZ") >= minimum).all()
            workers.update(wl.column("PER_NATCOD").tolist())
    days = np.concatenate([wl.column("DSW_DD") for wl in lists.lists])
    full = np.concatenate([np.full(wl.n, wl.month.days) for wl in lists.lists])
    # Mostly whole months; some part months (hires, leavers, absences).
    assert 0.7 < (days == full).mean() < 1.0
    assert ((days > 0) & (days <= full)).all()
    hires = np.concatenate([wl.column("DSW_SDATE") for wl in lists.lists])
    assert (hires != "").any()
    # Wages spread by occupation: not everyone at the minimum.
    rooz = np.concatenate([wl.column("DSW_ROOZ") for wl in lists.lists])
    assert np.unique(rooz).size > 10


def test_history_months_are_the_posted_rows(demo):
    rows = set(
        ListRow.objects.values_list("contribution_list_id", "row_no", "person_id", "days", "wage_subject")
    )
    months = set(
        HistoryMonth.objects.values_list("source_list_id", "source_row", "person_id", "days", "wage_subject")
    )
    assert rows == months
    assert len(months) == demo.counts["history_months"] == demo.counts["list_rows"]
    assert sum(ContributionList.objects.values_list("rows", flat=True)) == len(rows)


def test_the_demo_insured_person_has_recent_history_and_an_open_objection(demo):
    insured = _user("insured")
    person = Person.objects.get(pk=insured.person_id)
    h = history(insured, person)
    window = contributions.window(REFERENCE, MONTHS)
    seen = {(m["year"], m["month"]) for m in h.months}
    assert {(m.year, m.month) for m in window[-2:]} <= seen
    assert h.total_days > 0
    objection = Objection.objects.get()
    assert objection.person_id == person.pk and objection.status == "open" and objection.kind == "wrong"
    month = JalaliMonth(objection.year, objection.month)
    assert objection.claimed_days == month.days
    # The month objected to is a list row as posted (no recorded month until the objection is accepted).
    assert objection.history_month is None
    row = HistoryMonth.objects.get(
        person=person, workshop=objection.workshop_id, year=objection.year, month=objection.month
    )
    assert row.source_list_id is not None and row.days == month.days - contributions.FOCUS_FEWER_DAYS
    assert demo.counts["objections"] == 1


def test_the_demo_employer_has_bills_a_statement_and_an_instalment_plan(demo):
    employer = _user("employer")
    code = next(u.scope["workshop"] for u in demo.users if u.role == "employer")
    workshop = Workshop.objects.get(employer_id=employer.employer_id, code=code)
    bills = Bill.objects.filter(workshop=workshop)
    assert bills.count() == MONTHS
    st = billing.statement(employer, workshop, REFERENCE)
    assert len(st.lines) == MONTHS and st.outstanding > 0 and st.penalty > 0
    # Its last three bills were left unpaid: the instalment plan took them over.
    agreement = InstallmentAgreement.objects.get()
    assert agreement.workshop_id == workshop.pk and agreement.status == AgreementStatus.ACTIVE
    assert agreement.requested_by_id == employer.pk and agreement.decided_by_id == _user("branch_staff").pk
    assert agreement.debt > 0 and agreement.rows.count() >= 2
    down = Payment.objects.get(workshop=workshop, paid_on=REFERENCE)
    assert down.amount == agreement.down_payment
    assert demo.counts["agreements"] == 1


def test_payments_on_time_late_and_missing(demo):
    bills = {b.pk: b for b in Bill.objects.all()}
    payments = list(Payment.objects.exclude(reference__endswith="-INSTALMENT-0"))
    assert payments and all(p.paid_on < REFERENCE for p in payments)
    by_bill = {p.reference.removeprefix("DEMO-"): p for p in payments}
    numbers = {b.number: b for b in bills.values()}
    assert set(by_bill) <= set(numbers)
    late = [p for n, p in by_bill.items() if p.paid_on > numbers[n].due_on]
    on_time = [p for n, p in by_bill.items() if p.paid_on <= numbers[n].due_on]
    assert on_time and late and len(on_time) > len(late)
    assert all(p.amount == numbers[n].amount for n, p in by_bill.items())
    overdue_unpaid = [b for n, b in numbers.items() if n not in by_bill and b.due_on < REFERENCE]
    assert overdue_unpaid
    c = demo.counts
    assert c["bills"] == len(bills) and c["billed"] == sum(b.amount for b in bills.values())
    assert c["payments"] == Payment.objects.count() and c["paid"] == sum(
        p.amount for p in Payment.objects.all()
    )
    assert c["late_payments"] == len(late) and c["penalties"] > 0 and c["outstanding"] > 0


def test_payment_audit_entries_say_what_the_statement_allocates(demo):
    """The bulk-written payments carry the allocation record_payment would have audited."""
    entries = {
        e.object_id: e.after
        for e in AuditEntry.objects.filter(action="payment.record").only("object_id", "after")
    }
    assert len(entries) == Payment.objects.count()
    for workshop in Workshop.objects.filter(payments__isnull=False).distinct():
        replay = billing._replay(workshop, REFERENCE)
        expected: dict[str, list[dict]] = {}
        for pid, bill, principal, penalty in replay.allocations:
            expected.setdefault(str(pid), []).append(
                {"bill": bill, "principal": principal, "penalty": penalty}
            )
        for pid in map(str, Payment.objects.filter(workshop=workshop).values_list("id", flat=True)):
            assert entries[pid]["allocation"] == expected.get(pid, []), (workshop.code, pid)


def test_audit_chain_verifies_after_the_cycle(demo):
    report = verify()
    assert report.ok, report
    actions = dict.fromkeys(["wagelist.posted", "payment.record", "installment.approve", "objection.file"], 0)
    for a in AuditEntry.objects.values_list("action", flat=True):
        if a in actions:
            actions[a] += 1
    assert actions["wagelist.posted"] == demo.counts["lists"]
    assert actions["payment.record"] == demo.counts["payments"]
    assert actions["installment.approve"] == actions["objection.file"] == 1


def test_same_seed_same_lists_and_bills(db):
    def snapshot() -> tuple:
        return (
            sorted(
                ContributionList.objects.values_list(
                    "workshop__code", "year", "month", "list_no", "content_hash"
                )
            ),
            sorted(Bill.objects.values_list("number", "amount", "due_on", "late_list_penalty")),
            sorted(Payment.objects.values_list("reference", "amount", "paid_on")),
            sorted(
                HistoryMonth.objects.values_list(
                    "person__national_code", "year", "month", "days", "wage_subject"
                )
            ),
        )

    def clear() -> None:
        # The cycle's audit entries name the demo users: they go with them (append-only suspended).
        with triggers.suspended():
            clear_population(audit=True)

    first = _build(SEED)
    one = snapshot()
    clear()
    again = _build(SEED)
    assert snapshot() == one and again.counts == first.counts
    clear()
    _build(SEED + 1)
    assert snapshot()[0] != one[0]


def test_summary_prints_the_cycle(demo):
    buf = io.StringIO()
    report.print_summary(Console(file=buf, width=200), demo)
    text = buf.getvalue()
    assert "wage lists" in text and f"{demo.counts['lists']:,}" in text
    assert "1404-03–1404-06" in text and "instalment plan" in text
    assert "posting" in text and "payments" in text  # the timing line names the added phases


def test_no_months_no_cycle(db):
    result = build(BuildOptions(scale=SCALE, seed=SEED, province=PROVINCE, today=REFERENCE))
    assert "lists" not in result.counts and not ContributionList.objects.exists()


@pytest.mark.parametrize("months", ["-1", "25"])
def test_bad_months_is_a_command_error(db, months):
    with pytest.raises(CommandError, match="--months"):
        call_command("demo", "--no-serve", "--months", months)
