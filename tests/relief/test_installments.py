"""Instalment agreements: request → approve → pay → completed; missed → void; limits; who may do what."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions import billing
from tamin.core.errors import Conflict, DomainError, Forbidden
from tamin.relief import installments
from tamin.relief.models import AgreementStatus, Installment, InstallmentAgreement
from tamin.relief.services import load_positions, penalty_relief, standing
from tamin.rules import installments as plan_rules
from tamin.rules.params import PARAMETER_DIR, load_parameters
from tests.relief.factories import J, bill, payment

REQUEST_DAY, APPROVAL_DAY = J("1404/02/10"), J("1404/02/15")
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def debt(world):
    """Workshop A owes three months of 200 million rial, all overdue by the request day."""
    return [bill(world.workshop_a, 1403, m, 200_000_000) for m in (10, 11, 12)]


@pytest.fixture
def employer(world):
    return world.users[Role.EMPLOYER]


@pytest.fixture
def staff(world):
    return world.users[Role.BRANCH_STAFF]


def approved(world, employer, staff, months: int = 12) -> InstallmentAgreement:
    agreement = installments.request(employer, world.workshop_a, months=months, on=REQUEST_DAY)
    return installments.approve(staff, agreement, on=APPROVAL_DAY, note="با توجه به سابقهٔ پرداخت")


def test_request_approve_pay_completed(world, debt, employer, staff):
    audits = AuditEntry.objects.count()
    agreement = installments.request(employer, world.workshop_a, months=12, on=REQUEST_DAY)
    owed = billing.statement(staff, world.workshop_a, REQUEST_DAY - ONE_DAY).outstanding
    assert agreement.status == AgreementStatus.REQUESTED and agreement.requested_debt == owed > 600_000_000
    assert [b["bill"] for b in agreement.bills] == [b.number for b in debt]

    agreement = installments.approve(staff, agreement, on=APPROVAL_DAY)
    owed = billing.statement(staff, world.workshop_a, APPROVAL_DAY - ONE_DAY).outstanding
    rows = list(Installment.objects.filter(agreement=agreement).order_by("number"))
    assert agreement.status == AgreementStatus.ACTIVE and agreement.signed_on == APPROVAL_DAY
    assert len(rows) == 13 and rows[0].due_on == APPROVAL_DAY and rows[1].due_on == J("1404/03/31")
    assert sum(r.principal for r in rows) == agreement.debt == owed
    assert rows[0].principal == agreement.down_payment == (owed + 5) // 10  # 10 % (placeholder), half up
    assert agreement.total == sum(r.amount for r in rows) > owed  # SSL Art. 46 interest
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)[audits:])
    assert actions == ["installment.request", "installment.approve"]
    assert AuditEntry.objects.get(action="installment.approve").after["schedule"][12]["number"] == 12

    # Halfway through, the plan stops the penalty on the bills it covers: the statement keeps the
    # penalty of the signing day (the relief is exactly the penalty accrued since).
    for r in rows[:7]:
        billing.record_payment(
            staff, workshop=world.workshop_a, reference=f"I{r.number}", amount=r.amount, paid_on=r.due_on
        )
    mid = J("1404/09/05")
    status = standing(agreement, mid)
    assert status.state == "active" and status.missed == () and status.next_due == rows[7].due_on
    then, now = (
        load_positions([world.workshop_a.pk], APPROVAL_DAY - ONE_DAY),
        load_positions([world.workshop_a.pk], mid),
    )
    accrued = dict(zip(now.bill.tolist(), (now.penalty - then.penalty).tolist(), strict=True))
    assert penalty_relief(world.workshop_a, mid) == {b: a for b, a in accrued.items() if a}
    assert sum(accrued.values()) > 0

    for r in rows[7:]:
        billing.record_payment(
            staff, workshop=world.workshop_a, reference=f"I{r.number}", amount=r.amount, paid_on=r.due_on
        )
    end = rows[-1].due_on + dt.timedelta(days=1)
    assert standing(agreement, end).state == "completed"
    agreement = installments.refresh(staff, agreement, end)
    assert agreement.status == AgreementStatus.COMPLETED and agreement.completed_on == end
    assert AuditEntry.objects.order_by("-seq").first().action == "installment.completed"
    # The statement, net of the relief, shows nothing owed: the
    # penalty accrued after signing is not charged, and the plan's interest paid what was left of it.
    st = billing.statement(staff, world.workshop_a, end)
    relief = penalty_relief(world.workshop_a, end)
    assert st.outstanding == 0
    assert sum(x.penalty_relief for x in st.lines) == sum(relief.values()) > 0


def test_missed_instalment_voids_the_plan_and_the_penalty_runs_again(world, debt, employer, staff):
    agreement = approved(world, employer, staff)
    rows = list(agreement.rows.order_by("number"))
    payment(world.workshop_a, "DOWN", rows[0].amount, APPROVAL_DAY + dt.timedelta(days=1))
    # Instalment 1 is due 1404/03/31; its grace ends 1404/04/31; nothing paid: void from 1404/05/01.
    assert standing(agreement, J("1404/04/31")).state == "active"
    with pytest.raises(Conflict) as err:
        installments.request(employer, world.workshop_a, months=6, on=J("1404/04/31"))
    assert (err.value.code, err.value.field, err.value.status) == ("installment.open_exists", "workshop", 409)

    as_of = J("1404/05/20")
    status = standing(agreement, as_of)
    assert status.state == "void" and status.missed == (1,) and status.void_on == J("1404/05/01")
    assert status.outstanding > 0 and status.penalty > 0
    # Penalty stopped between signing and the void day only.
    then = load_positions([world.workshop_a.pk], APPROVAL_DAY - ONE_DAY)
    before_void = load_positions([world.workshop_a.pk], J("1404/04/31"))
    expected = {
        b: a
        for b, a in zip(then.bill.tolist(), (before_void.penalty - then.penalty).tolist(), strict=True)
        if a
    }
    assert penalty_relief(world.workshop_a, as_of) == expected

    # The next request stores the void state first (audited), then goes ahead.
    again = installments.request(employer, world.workshop_a, months=12, on=as_of)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.VOID and agreement.void_on == J("1404/05/01")
    assert AuditEntry.objects.filter(action="installment.void", object_id=str(agreement.pk)).count() == 1
    assert again.status == AgreementStatus.REQUESTED


@pytest.mark.parametrize(
    ("months", "code"),
    [(0, "installment.months"), (40, "installment.months"), (24, "installment.months_band")],
)
def test_out_of_limit_requests_are_refused_and_nothing_written(world, debt, employer, months, code):
    audits = AuditEntry.objects.count()
    with pytest.raises(DomainError) as err:
        installments.request(employer, world.workshop_a, months=months, on=REQUEST_DAY)
    assert (err.value.code, err.value.field) == (code, "requested_months")
    assert "قسط" in err.value.message or "اقساط" in err.value.message
    assert not InstallmentAgreement.objects.exists() and AuditEntry.objects.count() == audits


def test_small_instalments_and_no_debt_are_refused(world):
    staff_b = world.staff_b
    with pytest.raises(DomainError) as err:
        installments.request(staff_b, world.workshop_b, months=12, on=REQUEST_DAY)
    assert (err.value.code, err.value.field) == ("installment.debt", "debt")
    bill(world.workshop_b, 1404, 1, 60_000_000)
    with pytest.raises(DomainError) as err:
        installments.request(staff_b, world.workshop_b, months=12, on=J("1404/03/10"))
    assert (err.value.code, err.value.field) == ("installment.minimum", "requested_months")
    assert installments.request(staff_b, world.workshop_b, months=5, on=J("1404/03/10")).requested_months == 5
    assert InstallmentAgreement.objects.count() == 1


def test_wrong_role_or_branch_is_refused_and_nothing_written(world, debt, employer, staff):
    audits = AuditEntry.objects.count()
    cases = [
        (world.users[Role.INSURED], "auth.forbidden"),
        (world.users[Role.PROVIDER], "auth.forbidden"),
        (world.users[Role.HQ_MANAGER], "auth.forbidden"),
        (world.staff_b, "auth.out_of_scope"),
    ]
    for user, code in cases:
        with pytest.raises(Forbidden) as err:
            installments.request(user, world.workshop_a, months=12, on=REQUEST_DAY)
        assert err.value.code == code and err.value.status == 403, user.username
    agreement = installments.request(employer, world.workshop_a, months=12, on=REQUEST_DAY)
    audits += 1
    for user, code in [
        (employer, "auth.forbidden"),
        (world.staff_b, "auth.out_of_scope"),
        (world.users[Role.PROVINCE_MANAGER], "auth.forbidden"),
    ]:
        for decide in (
            lambda u: installments.approve(u, agreement, on=APPROVAL_DAY),
            lambda u: installments.reject(u, agreement, note="بدهی قطعی نیست"),
        ):
            with pytest.raises(Forbidden) as err:
                decide(user)
            assert err.value.code == code, user.username
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.REQUESTED and not Installment.objects.exists()
    assert AuditEntry.objects.count() == audits
    # A decision is taken once.
    installments.reject(staff, agreement, note="بدهی در حال رسیدگی است")
    with pytest.raises(Conflict) as err:
        installments.approve(staff, agreement, on=APPROVAL_DAY)
    assert err.value.code == "installment.not_pending"


def _api(client, user, method, path, body=None):
    token = ApiToken.issue(user)[1]
    response = client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


def test_api_request_approve_and_refusals(world, debt, employer, staff, client):
    code = world.workshop_a.code
    status, body = _api(
        client, employer, "POST", f"/workshops/{code}/installments", {"months": 30, "on": "1404/02/10"}
    )
    assert status == 400 and body["errors"][0]["code"] == "installment.months_band"
    assert body["errors"][0]["field"] == "requested_months"
    status, body = _api(
        client, employer, "POST", f"/workshops/{code}/installments", {"months": 12, "on": "1404/02/10"}
    )
    assert status == 201 and body["status"] == "requested" and body["schedule"] == []
    agreement_id = body["id"]
    status, body = _api(
        client, world.staff_b, "POST", f"/installments/{agreement_id}/approve", {"on": "1404/02/15"}
    )
    assert status == 403 and body["errors"][0]["code"] == "auth.out_of_scope"
    status, body = _api(
        client, employer, "POST", f"/installments/{agreement_id}/approve", {"on": "1404/02/15"}
    )
    assert status == 403 and body["errors"][0]["code"] == "auth.forbidden"
    assert not Installment.objects.exists()
    status, body = _api(client, staff, "POST", f"/installments/{agreement_id}/approve", {"on": "1404/02/15"})
    assert status == 200 and body["status"] == "active" and len(body["schedule"]) == 13
    assert body["standing"]["state"] == "active" and body["standing"]["next_due"] == "1404/02/15"
    status, body = _api(client, employer, "GET", f"/installments/{agreement_id}?as_of=1404/05/20")
    assert status == 200 and body["standing"]["state"] == "void"
    status, body = _api(client, employer, "GET", f"/workshops/{code}/relief?as_of=1404/03/20")
    assert status == 200 and {b["bill"] for b in body["bills"]} == {b.number for b in debt}
    assert all(b["waived"] > 0 and b["forgiven"] == 0 for b in body["bills"])
    status, body = _api(client, world.users[Role.INSURED], "GET", f"/workshops/{code}/installments")
    assert status == 403
    status, body = _api(client, employer, "GET", f"/workshops/{code}/installments")
    assert status == 200 and [a["id"] for a in body] == [agreement_id]


# --- approval by the debt's size -----------------------------------------------------------------------


def _ceilings(tmp_path, branch: int, province: int):
    """The shipped parameters plus approval ceilings from 1404/01/01 (none is shipped: none was found)."""
    for f in PARAMETER_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    extra = "".join(
        f"\ninstallment.approval.{level}.max_debt:\n  description: test\n  unit: rial\n  values:\n"
        f"    - from: 1404/01/01\n      value: {value}\n      source: test\n      confidence: unverified\n"
        "      note: test\n"
        for level, value in (("branch", branch), ("province", province))
    )
    path = tmp_path / "installments.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_parameters(tmp_path)


def test_a_debt_above_the_branch_ceiling_is_decided_by_the_province(
    world, debt, employer, staff, client, monkeypatch, tmp_path
):
    # Branch up to 100,000,000 rial, province up to 10,000,000,000: the ~600,000,000 debt is the
    # province office's to decide; neither the branch nor headquarters may.
    custom = _ceilings(tmp_path, 100_000_000, 10_000_000_000)
    monkeypatch.setattr(plan_rules, "default_parameters", lambda: custom)
    agreement = installments.request(employer, world.workshop_a, months=12, on=REQUEST_DAY)
    audits = AuditEntry.objects.count()
    for user in (staff, world.users[Role.HQ_MANAGER]):
        for decide in (
            lambda u: installments.approve(u, agreement, on=APPROVAL_DAY),
            lambda u: installments.reject(u, agreement, note="بدهی قطعی نیست"),
        ):
            with pytest.raises(Forbidden) as err:
                decide(user)
            assert (err.value.code, err.value.field) == ("installment.approval_level", "debt"), user.username
            assert "اداره کل استان" in err.value.message
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.REQUESTED and not Installment.objects.exists()
    assert AuditEntry.objects.count() == audits
    # The employer still may not decide anything.
    with pytest.raises(Forbidden) as err:
        installments.approve(employer, agreement, on=APPROVAL_DAY)
    assert err.value.code == "auth.forbidden"

    manager = world.users[Role.PROVINCE_MANAGER]
    status, body = _api(
        client, manager, "POST", f"/installments/{agreement.pk}/approve", {"on": "1404/02/15"}
    )
    assert status == 200 and body["status"] == "active" and len(body["schedule"]) == 13
    agreement.refresh_from_db()
    assert agreement.derivation["limits"]["approval"] == "province"
    assert "installment.approval.province.max_debt" in agreement.derivation["sources"]


def test_without_ceilings_only_the_branch_decides(world, debt, employer, staff):
    agreement = installments.request(employer, world.workshop_a, months=12, on=REQUEST_DAY)
    for user in (world.users[Role.PROVINCE_MANAGER], world.users[Role.HQ_MANAGER]):
        with pytest.raises(Forbidden) as err:
            installments.approve(user, agreement, on=APPROVAL_DAY)
        assert err.value.code == "auth.forbidden", user.username
    done = installments.approve(staff, agreement, on=APPROVAL_DAY)
    assert done.derivation["limits"]["approval"] == "branch"


def test_relief_permissions_live_in_the_one_table():
    from tamin.accounts.permissions import READERS, WRITERS
    from tamin.relief import services

    assert not hasattr(services, "ACTIONS")
    assert WRITERS["installment.request"] == {Role.EMPLOYER, Role.BRANCH_STAFF, Role.ADMIN}
    assert WRITERS["installment.decide"] == {Role.BRANCH_STAFF, Role.ADMIN}
    assert WRITERS["installment.decide.province"] == {Role.PROVINCE_MANAGER, Role.ADMIN}
    assert WRITERS["installment.decide.hq"] == {Role.HQ_MANAGER, Role.ADMIN}
    assert WRITERS["forgiveness.run"] == {Role.HQ_MANAGER, Role.ADMIN}
    assert READERS["relief.read"] == READERS["debt.read"]  # agreements and forgiveness are part of the debt
    assert set(services.DECIDE.values()) <= set(WRITERS)
