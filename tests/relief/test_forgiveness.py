"""A forgiveness campaign applied in batch: the figures on a small constructed set, re-runs that change
nothing, a dry run that writes nothing, a later run that adds only what is new, void plans taking their
forgiveness back, and the `tamin relief forgive` command."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions.posting import SystemActor
from tamin.core.errors import DomainError, Forbidden
from tamin.registry.models import Workshop
from tamin.relief import installments
from tamin.relief.forgiveness import apply_campaign
from tamin.relief.models import Basis, ForgivenessLine, ForgivenessRun
from tamin.relief.services import relief
from tamin.rules.penalties import late_payment_penalty, mul_div_half_up
from tests.relief.factories import J, bill, payment

CAMPAIGN = "c1402_khordad"  # window 1402/03/01–1402/05/31; list months up to 1402/01; 18 months → 85 %
SYSTEM = SystemActor()


def penalty(b, until: str) -> int:
    return int(
        late_payment_penalty(
            np.array([b.amount]), np.array([b.due_on], "datetime64[D]"), np.array([J(until)], "datetime64[D]")
        )[0]
    )


@pytest.fixture
def scene(world):
    """A pays its two covered months in full inside the window; B signs an 18-month plan; C owes and
    has not paid yet."""
    a, b = world.workshop_a, world.workshop_b
    c = Workshop.objects.create(
        code=f"{world.branch_a.code}3630002",
        name="کارگاه دوم",
        address="تهران",
        branch=world.branch_a,
        activity_code="363",
        activity="تراشکاری",
        employer=world.employer_a,
        opened_on=dt.date(2010, 1, 1),
    )
    s = type("Scene", (), {})()
    s.a, s.b, s.c = a, b, c
    s.a_bills = [bill(a, 1401, 10, 300_000_000), bill(a, 1401, 11, 250_000_000)]
    payment(a, "A-FULL", 550_000_000, "1402/04/10")
    s.b_old = bill(b, 1401, 12, 1_200_000_000)
    s.b_new = bill(b, 1402, 2, 100_000_000)  # not a month the campaign covers
    agreement = installments.request(world.staff_b, b, months=18, on=J("1402/03/20"))
    s.plan = installments.approve(world.staff_b, agreement, on=J("1402/03/25"))
    payment(b, "B-DOWN", s.plan.down_payment, "1402/03/26")
    s.c_bill = bill(c, 1401, 9, 80_000_000)
    return s


def counts() -> tuple[int, int, int]:
    return ForgivenessRun.objects.count(), ForgivenessLine.objects.count(), AuditEntry.objects.count()


def test_batch_figures_rerun_and_dry_run(world, scene):
    s = scene
    a_expected = [penalty(x, "1402/04/10") for x in s.a_bills]  # paid in full → 100 %
    b_frozen = penalty(s.b_old, "1402/03/24")  # the plan keeps the penalty of its opening day
    b_expected = int(mul_div_half_up(np.array([b_frozen]), 85, 100)[0])
    assert min(a_expected) > 0 and b_expected > 0

    before = counts()
    dry = apply_campaign(SYSTEM, CAMPAIGN, J("1402/04/15"), dry_run=True)
    assert counts() == before
    assert dry.status == "dry_run" and dry.run_id is None

    report = apply_campaign(SYSTEM, CAMPAIGN, J("1402/04/15"))
    assert report.status == "applied"
    for r in (dry, report):
        assert (r.workshops, r.bills) == (2, 3)
        assert r.forgiven == {
            "late_list": 0,
            "late_payment": sum(a_expected) + b_expected,
            "total": sum(a_expected) + b_expected,
        }
        assert (r.covered_bills, r.pending_bills) == (4, 1)  # C's bill waits for its payment
    lines = {x.bill_id: x for x in ForgivenessLine.objects.all()}
    assert [lines[x.pk].late_payment_forgiven for x in s.a_bills] == a_expected
    assert {lines[x.pk].basis for x in s.a_bills} == {Basis.PAID} and lines[s.b_old.pk].percent == 85
    assert lines[s.b_old.pk].basis == Basis.INSTALLMENT and lines[s.b_old.pk].agreement_id == s.plan.pk
    assert lines[s.b_old.pk].late_payment_penalty == b_frozen
    after = counts()
    assert after == (before[0] + 1, before[1] + 3, before[2] + 1)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "forgiveness.run" and entry.after["forgiven"]["total"] == report.forgiven["total"]

    # The same campaign on the same day again: nothing changes, the stored figures come back.
    again = apply_campaign(SYSTEM, CAMPAIGN, J("1402/04/15"))
    assert counts() == after
    assert again.status == "unchanged" and again.run_id == report.run_id
    assert again.as_dict(lines=True)["by_workshop"] == report.as_dict(lines=True)["by_workshop"]
    assert again.summary() | {"status": "x"} == report.summary() | {"run": report.run_id, "status": "x"}

    # The statement's relief: A's penalties are gone; B's forgiveness stands while its plan does.
    assert relief(s.a, J("1402/04/20")).forgiven == {
        x.pk: p for x, p in zip(s.a_bills, a_expected, strict=True)
    }
    assert relief(s.b, J("1402/05/31")).forgiven == {s.b_old.pk: b_expected}
    # Instalment 1 (due 1402/04/31) unpaid past its grace (1402/05/31): the plan is void and takes
    # back the forgiveness it bought.
    late = relief(s.b, J("1402/06/15"))
    assert late.plans[s.plan.pk].state == "void" and late.forgiven == {}


def test_later_run_adds_only_what_is_new(world, scene):
    s = scene
    apply_campaign(SYSTEM, CAMPAIGN, J("1402/04/15"))
    payment(s.c, "C-FULL", 80_000_000, "1402/05/20")
    later = apply_campaign(SYSTEM, CAMPAIGN, J("1402/05/31"))
    assert (later.workshops, later.bills) == (1, 1)
    assert later.forgiven["late_payment"] == penalty(s.c_bill, "1402/05/20")
    assert ForgivenessLine.objects.filter(bill=s.a_bills[0]).count() == 1
    # After the window: no one else qualifies, and what was forgiven is not forgiven twice.
    closed = apply_campaign(SYSTEM, CAMPAIGN, J("1402/07/01"))
    assert (closed.bills, closed.forgiven["total"], closed.pending_bills) == (0, 0, 0)


def test_refusals(world, scene):
    with pytest.raises(Forbidden):
        apply_campaign(world.users[Role.BRANCH_STAFF], CAMPAIGN, J("1402/04/15"))
    with pytest.raises(DomainError) as err:
        apply_campaign(SYSTEM, CAMPAIGN, J("1402/02/15"))
    assert (err.value.code, err.value.field) == ("forgiveness.not_open", "as_of")
    with pytest.raises(DomainError) as err:
        apply_campaign(SYSTEM, "no_such_campaign", J("1402/04/15"))
    assert err.value.code == "forgiveness.unknown"
    assert not ForgivenessRun.objects.exists()


def test_command(world, scene):
    out = io.StringIO()
    call_command("relief", "forgive", CAMPAIGN, "--as-of", "1402/04/15", "--dry-run", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["status"] == "dry_run" and body["bills"] == 3 and not ForgivenessRun.objects.exists()
    assert [g["workshop"] for g in body["by_workshop"]] == sorted([scene.a.code, scene.b.code])
    assert sum(g["total"] for g in body["by_workshop"]) == body["forgiven"]["total"]
    out = io.StringIO()
    call_command("relief", "forgive", CAMPAIGN, "--as-of", "1402/04/15", stdout=out)
    assert "workshops: 2" in out.getvalue() and "bills: 3" in out.getvalue()
    assert ForgivenessRun.objects.get().ran_by == "system:tamin-cli"
    out = io.StringIO()
    call_command("relief", "forgive", CAMPAIGN, "--as-of", "1402/04/15", stdout=out)
    assert "تغییری نکرد" in out.getvalue() and ForgivenessRun.objects.count() == 1
    with pytest.raises(CommandError) as err:
        call_command("relief", "forgive", CAMPAIGN, "--as-of", "1402/13/40")
    assert err.value.returncode == 2
    out = io.StringIO()
    call_command("relief", "campaigns", "--json", stdout=out)
    assert CAMPAIGN in {c["id"] for c in json.loads(out.getvalue())}
