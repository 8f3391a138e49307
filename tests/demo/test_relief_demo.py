"""The demo's forgiven debts: old lists of a few workshops, paid inside c1402_khordad's window and
forgiven by the campaign run; the statements net the forgiveness; a second run forgives nothing."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from rich.console import Console

from tamin.accounts.models import User
from tamin.audit import triggers
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.contributions import billing
from tamin.contributions.models import Bill, ContributionList, Payment
from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.demo import relief
from tamin.demo import report as demo_report
from tamin.demo.build import BuildOptions, build, clear_population
from tamin.records.models import HistoryMonth
from tamin.registry.models import Workshop
from tamin.relief.forgiveness import apply_campaign
from tamin.relief.models import Basis, ForgivenessLine, ForgivenessRun
from tamin.rules import forgiveness as campaigns
from tamin.rules.penalties import late_payment_penalty
from tests.demo.test_contributions import MONTHS, PROVINCE, REFERENCE, SCALE, SEED

J = parse_jalali_date
START, DEADLINE = J("1402/03/01"), J("1402/05/31")  # c1402_khordad's window (forgiveness.yaml)
OLD = (JalaliMonth(1401, 11), JalaliMonth(1401, 12), JalaliMonth(1402, 1))  # the last months it covers


def _build(seed: int = SEED, forgiveness: bool | None = True):
    return build(
        BuildOptions(
            scale=SCALE, seed=seed, province=PROVINCE, today=REFERENCE, months=MONTHS, forgiveness=forgiveness
        )
    )


@pytest.fixture
def demo(db):
    return _build()


def _admin() -> User:
    return User.objects.get(username="demo-admin")


def _old_bills(code: str) -> list[Bill]:
    return [b for b in Bill.objects.filter(workshop__code=code).order_by("year", "month") if b.year < 1403]


def test_the_campaign_and_its_months_come_from_the_parameters():
    c = campaigns.campaign(relief.CAMPAIGN)
    assert (c.start, c.deadline) == (START, DEADLINE)
    assert relief.covered_months(c, 3) == OLD


def test_one_run_forgives_the_workshops_that_paid_in_the_window(demo):
    run = ForgivenessRun.objects.get()
    assert (run.campaign, run.as_of) == ("c1402_khordad", DEADLINE)
    lines = list(ForgivenessLine.objects.filter(run=run).select_related("workshop", "bill"))
    forgiven = sorted({line.workshop.code for line in lines})
    c = demo.counts
    assert c["forgiveness_runs"] == 1 and c["forgiveness_lines"] == len(lines) == run.bills > 0
    assert c["forgiveness_workshops"] == len(forgiven) == run.workshops == relief.FORGIVEN_WORKSHOPS
    assert c["forgiven"] == run.total_forgiven == sum(line.total_forgiven for line in lines) > 0
    assert c["forgiveness_missed"] == relief.MISSED_WORKSHOPS
    assert c["forgiveness_lists"] == (len(forgiven) + relief.MISSED_WORKSHOPS) * len(OLD)
    for line in lines:
        # Paid in full inside the window: 100 % of the late-payment penalty; the lists came in time.
        assert JalaliMonth(line.bill.year, line.bill.month) in OLD
        assert line.percent == 100 and line.basis == Basis.PAID
        assert line.late_list_penalty == line.late_list_forgiven == 0
        assert line.late_payment_forgiven == line.late_payment_penalty == line.total_forgiven > 0

    for code in forgiven:
        bills = _old_bills(code)
        assert [JalaliMonth(b.year, b.month) for b in bills] == list(OLD)
        pay = Payment.objects.get(workshop__code=code, reference=f"DEMO-{code}-C1402_KHORDAD")
        assert START <= pay.paid_on <= DEADLINE and pay.amount == sum(b.amount for b in bills)
        # The penalty each bill ran up from its due date to the payment, computed here apart.
        expected = late_payment_penalty(
            np.array([b.amount for b in bills]),
            np.array([b.due_on for b in bills], dtype="datetime64[D]"),
            np.full(len(bills), pay.paid_on, dtype="datetime64[D]"),
        ).tolist()
        mine = {line.bill_id: line.total_forgiven for line in lines if line.workshop.code == code}
        assert [mine[b.pk] for b in bills] == expected and min(expected) > 0

        workshop = Workshop.objects.get(code=code)
        before = billing.statement(_admin(), workshop, DEADLINE - dt.timedelta(days=1))
        after = billing.statement(_admin(), workshop, DEADLINE)
        today = billing.statement(_admin(), workshop, REFERENCE)
        old = {b.number for b in bills}
        for st in (after, today):
            assert st.penalty_relief == sum(mine.values())
            # The old bills' penalties are gone; the recent bills' are the statement's own.
            for line in st.lines:
                if line.bill in old:
                    assert line.penalty == 0 and line.penalty_relief == line.late_payment_penalty > 0
                    assert line.paid_principal == line.principal and line.outstanding == 0
        assert before.penalty_relief == 0
        assert before.penalty == after.penalty + after.penalty_relief == sum(expected)
        assert before.outstanding - after.outstanding == sum(expected)


def test_the_workshop_that_paid_after_the_deadline_keeps_its_penalties(demo):
    forgiven = set(ForgivenessLine.objects.values_list("workshop__code", flat=True))
    late = Payment.objects.filter(reference__endswith="-C1402_KHORDAD").exclude(workshop__code__in=forgiven)
    assert late.count() == relief.MISSED_WORKSHOPS
    pay = late.get()
    assert pay.paid_on > DEADLINE
    bills = _old_bills(pay.workshop.code)
    st = billing.statement(_admin(), pay.workshop, REFERENCE)
    owed = late_payment_penalty(
        np.array([b.amount for b in bills]),
        np.array([b.due_on for b in bills], dtype="datetime64[D]"),
        np.full(len(bills), pay.paid_on, dtype="datetime64[D]"),
    )
    lines = {line.bill: line for line in st.lines}
    assert [lines[b.number].penalty for b in bills] == owed.tolist() and owed.min() > 0
    assert st.penalty_relief == 0


def test_running_the_campaign_again_forgives_nothing_new(demo):
    hq = User.objects.get(username="demo-hq_manager")
    before = (ForgivenessRun.objects.count(), ForgivenessLine.objects.count())
    again = apply_campaign(hq, relief.CAMPAIGN, DEADLINE)
    assert again.status == "unchanged" and again.forgiven["total"] == demo.counts["forgiven"]
    assert (ForgivenessRun.objects.count(), ForgivenessLine.objects.count()) == before
    # Run again on the demo's day, as `tamin relief forgive` does: a new run with nothing in it.
    out = io.StringIO()
    call_command(
        "relief", "forgive", relief.CAMPAIGN, "--as-of", "1404/07/09", "--actor", hq.username, stdout=out
    )
    assert "total forgiven: 0 rial" in out.getvalue()
    assert ForgivenessRun.objects.count() == before[0] + 1
    assert ForgivenessLine.objects.count() == before[1]
    assert ForgivenessRun.objects.get(as_of=REFERENCE).total_forgiven == 0
    assert verify().ok


def test_old_lists_went_through_the_import_and_into_the_history(demo):
    old = ContributionList.objects.filter(year__lt=1403)
    assert old.count() == demo.counts["forgiveness_lists"]
    assert {(cl.year, cl.month) for cl in old} == {(m.year, m.month) for m in OLD}
    assert all(cl.status == "posted" for cl in old)
    rows = sum(old.values_list("rows", flat=True))
    assert rows == demo.counts["forgiveness_list_rows"] > 0
    assert HistoryMonth.objects.filter(source_list__in=old).count() == rows
    # Sent on the 15th of the next month, in time: no late-list penalty.
    assert not Bill.objects.filter(year__lt=1403, late_list_penalty__gt=0).exists()
    # Built from the registry's employments, the old lists change none of them.
    assert not AuditEntry.objects.filter(action="employment.from_lists").exists()


def test_summary_prints_the_forgiveness(demo):
    buf = io.StringIO()
    demo_report.print_summary(Console(file=buf, width=250), demo)
    text = buf.getvalue()
    assert "forgiveness" in text and f"{demo.counts['forgiven']:,} Rials of penalties forgiven" in text
    assert "c1402_khordad" in text


def test_same_seed_same_forgiveness_and_narrow_builds_have_none(db):
    def snapshot() -> list[tuple]:
        return sorted(ForgivenessLine.objects.values_list("workshop__code", "bill__number", "total_forgiven"))

    def clear() -> None:
        with triggers.suspended():
            clear_population(audit=True)

    first = _build()
    one = snapshot()
    assert one
    clear()
    again = _build()
    assert snapshot() == one and again.counts == first.counts
    clear()
    _build(forgiveness=None)  # months without a payroll: the cycle alone
    assert not ForgivenessRun.objects.exists() and not ContributionList.objects.filter(year__lt=1403).exists()


def test_a_demo_dated_before_the_deadline_has_no_forgiven_debts():
    # Returns before touching the database: the campaign's outcome is not known yet on that day.
    done = relief.run(DEADLINE, seed=SEED, usernames={}, workshop="")
    assert done.counts == {} and "deadline" in done.notes[0]
