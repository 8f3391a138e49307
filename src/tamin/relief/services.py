"""What relief services share: who may do what (the roles live in tamin.accounts.permissions), the bills
and payments as columns, and the relief the debt statement must subtract (forgiven penalties, and the
penalty an instalment plan stops).

The statement (`tamin.contributions.billing.statement`) calls `penalty_relief(workshop, as_of)`; nothing
here imports billing at module level, so the two never load each other in a loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet, Sum

from tamin.accounts import permissions, scope
from tamin.contributions.models import Bill, Payment
from tamin.core import jalali
from tamin.core.errors import Forbidden
from tamin.core.jalali import JalaliMonth
from tamin.core.money import format_rial
from tamin.registry.models import Workshop
from tamin.relief.models import (
    AgreementStatus,
    Basis,
    ForgivenessLine,
    Installment,
    InstallmentAgreement,
)
from tamin.relief.positions import Positions, positions
from tamin.rules import installments as plan_rules

APPROVED = (AgreementStatus.ACTIVE, AgreementStatus.COMPLETED, AgreementStatus.VOID)
# The permission (accounts.permissions.WRITERS) to decide a request at each approval level.
DECIDE = {
    "branch": "installment.decide",
    "province": "installment.decide.province",
    "hq": "installment.decide.hq",
}


def require(actor: Any, action: str, workshop: Workshop | None = None) -> None:
    """Refuse unless the role may do `action` (accounts.permissions) and, when given, the workshop is in
    the actor's scope."""
    permissions.require(actor, action)
    if workshop is not None and not scope.workshops(actor).filter(pk=workshop.pk).exists():
        raise Forbidden("auth.out_of_scope", "این کارگاه در حوزهٔ دسترسی شما نیست.", "workshop")


def require_decider(actor: Any, workshop: Workshop | None = None, on: dt.date | None = None) -> None:
    """Refuse unless the role decides instalment requests at some approval level the rules use on `on`
    (only the branch's, unless the parameters set approval ceilings)."""
    levels = plan_rules.approval_levels(on or jalali.today())
    action = next((DECIDE[lv] for lv in levels if permissions.allowed(actor, DECIDE[lv])), DECIDE[levels[0]])
    require(actor, action, workshop)


def require_level(actor: Any, debt: int, on: dt.date) -> str:
    """Refuse unless the role decides requests for a debt of this size; returns the level."""
    level = plan_rules.approval_level(debt, on)
    if not permissions.allowed(actor, DECIDE[level]):
        raise Forbidden(
            "installment.approval_level",
            f"تصمیم دربارهٔ تقسیط بدهی {format_rial(debt)} ریال با {plan_rules.APPROVAL_FA[level]} است.",
            "debt",
        )
    return level


def scope_agreements(actor: Any) -> QuerySet[InstallmentAgreement]:
    """Agreements of the workshops the actor may see, for the roles that may see debts; else none."""
    if not permissions.allowed(actor, "relief.read"):
        return InstallmentAgreement.objects.none()
    return InstallmentAgreement.objects.filter(workshop__in=scope.workshops(actor))


# --- bills and payments as columns -------------------------------------------------------------------


def _begun_by(as_of: dt.date) -> Q:
    m = JalaliMonth.of(as_of)
    return Q(year__lt=m.year) | Q(year=m.year, month__lte=m.month)


def load_positions(workshop_ids: list[int] | None, as_of: dt.date) -> Positions:
    """Every bill of these workshops (None: all) as the statement sees it on `as_of`: two queries."""
    bills = Bill.objects.filter(_begun_by(as_of))
    pays = Payment.objects.filter(paid_on__lte=as_of)
    if workshop_ids is not None:
        bills, pays = bills.filter(workshop_id__in=workshop_ids), pays.filter(workshop_id__in=workshop_ids)
    b = list(
        bills.order_by("workshop_id", "due_on", "year", "month", "id").values_list(
            "id", "workshop_id", "year", "month", "due_on", "amount", "late_list_penalty"
        )
    )
    p = list(pays.order_by("workshop_id", "paid_on", "id").values_list("workshop_id", "paid_on", "amount"))
    bcol = np.array([(*r[:4], r[5], r[6]) for r in b], dtype=np.int64).reshape(-1, 6)
    pcol = np.array([(r[0], r[2]) for r in p], dtype=np.int64).reshape(-1, 2)
    return positions(
        {
            "id": bcol[:, 0],
            "workshop": bcol[:, 1],
            "month": bcol[:, 2] * 100 + bcol[:, 3],
            "due": np.array([r[4] for r in b], dtype="datetime64[D]"),
            "amount": bcol[:, 4],
            "late_list": bcol[:, 5],
        },
        {
            "workshop": pcol[:, 0],
            "on": np.array([r[1] for r in p], dtype="datetime64[D]"),
            "amount": pcol[:, 1],
        },
        as_of,
    )


# --- instalment plans: where they stand ----------------------------------------------------------------


def opening(day: dt.date) -> dt.date:
    """A plan signed on `day` covers what was owed as that day opened, i.e. at the end of the day before;
    payments from `day` on (the down payment is due that day) count toward its instalments."""
    return day - dt.timedelta(days=1)


def plan_of(agreement: InstallmentAgreement) -> plan_rules.Plan:
    """The approved schedule as the rule's Plan, from the stored rows."""
    rows = list(
        Installment.objects.filter(agreement=agreement)
        .order_by("number")
        .values_list("due_on", "principal", "interest")
    )
    return plan_rules.Plan(
        debt=int(agreement.debt or 0),
        on=agreement.signed_on,
        months=len(rows) - 1,
        due=np.array([r[0] for r in rows], dtype="datetime64[D]"),
        principal=np.array([r[1] for r in rows], dtype=np.int64),
        interest=np.array([r[2] for r in rows], dtype=np.int64),
        derivation=agreement.derivation,
    )


def standing(agreement: InstallmentAgreement, as_of: dt.date) -> plan_rules.PlanStatus:
    """Active, completed or void on `as_of`, from the workshop's payments made from the signing day on."""
    pays = Payment.objects.filter(
        workshop_id=agreement.workshop_id, paid_on__gte=agreement.signed_on, paid_on__lte=as_of
    ).values_list("paid_on", "amount")
    return plan_rules.missed(plan_of(agreement), list(pays), as_of)


@dataclass(frozen=True)
class Relief:
    """Per bill id: penalty forgiven by campaigns, and penalty not charged while a plan runs."""

    forgiven: dict[int, int] = field(default_factory=dict)
    waived: dict[int, int] = field(default_factory=dict)
    plans: dict[int, plan_rules.PlanStatus] = field(default_factory=dict)  # agreement id -> standing

    def total(self) -> dict[int, int]:
        out = dict(self.forgiven)
        for bill, amount in self.waived.items():
            out[bill] = out.get(bill, 0) + amount
        return {b: a for b, a in out.items() if a}


def _covered(pos: Positions, workshop_id: int, signed_on: dt.date) -> np.ndarray:
    m = JalaliMonth.of(signed_on)
    return (pos.workshop == workshop_id) & (pos.month <= m.year * 100 + m.month)


def waivers(agreements: list[InstallmentAgreement], as_of: dt.date) -> tuple[dict[int, int], dict]:
    """The penalty a plan stops: on the bills it covers, the late-payment penalty stays what it was as the
    signing day opened while the plan is active or completed; a void plan's debt accrues again from its
    void day.
    Returns (bill id -> waived Rials, agreement id -> standing)."""
    waived: dict[int, int] = {}
    plans: dict[int, plan_rules.PlanStatus] = {}
    cache: dict[dt.date, Positions] = {}
    ids = sorted({a.workshop_id for a in agreements})

    def at(day: dt.date) -> Positions:
        if day not in cache:
            cache[day] = load_positions(ids, day)
        return cache[day]

    for agreement in agreements:
        if agreement.signed_on is None or agreement.signed_on > as_of:
            continue
        status = standing(agreement, as_of)
        plans[agreement.pk] = status
        end = as_of
        if status.state == "void" and status.void_on is not None:
            end = min(as_of, status.void_on - dt.timedelta(days=1))
        start = opening(agreement.signed_on)
        if end <= start:
            continue
        then, now = at(start), at(end)
        mask_then = _covered(then, agreement.workshop_id, start)
        # A plan stops the late-payment penalty accruing; a late-list penalty is a one-time fine for a
        # list sent late, which a plan signed before the deadline does not excuse.
        lp_then, lp_now = then.late_payment_penalty, now.late_payment_penalty
        frozen = dict(zip(then.bill[mask_then].tolist(), lp_then[mask_then].tolist(), strict=True))
        mask_now = np.isin(now.bill, then.bill[mask_then])
        for bill, pen in zip(now.bill[mask_now].tolist(), lp_now[mask_now].tolist(), strict=True):
            extra = pen - frozen.get(bill, 0)
            if extra > 0:
                waived[bill] = waived.get(bill, 0) + extra
    return waived, plans


def forgiven_amounts(
    workshop_ids: list[int] | None, as_of: dt.date, plans: dict[int, plan_rules.PlanStatus]
) -> dict[int, int]:
    """Bill id -> penalty forgiven by runs up to `as_of`, without what void plans took back."""
    lines = ForgivenessLine.objects.filter(run__as_of__lte=as_of)
    if workshop_ids is not None:
        lines = lines.filter(workshop_id__in=workshop_ids)
    lost = [aid for aid, s in plans.items() if s.state == "void" and s.void_on and s.void_on <= as_of]
    lines = lines.exclude(basis=Basis.INSTALLMENT, agreement_id__in=lost)
    return {b: int(t) for b, t in lines.values_list("bill_id").annotate(t=Sum("total_forgiven"))}


def relief(workshop: Workshop | int, as_of: dt.date) -> Relief:
    """Everything that lowers a workshop's penalties on `as_of` (read-only; the caller checked scope)."""
    wid = workshop if isinstance(workshop, int) else workshop.pk
    agreements = list(
        InstallmentAgreement.objects.filter(workshop_id=wid, status__in=APPROVED, signed_on__lte=as_of)
    )
    waived, plans = waivers(agreements, as_of)
    return Relief(forgiven_amounts([wid], as_of, plans), waived, plans)


def penalty_relief(workshop: Workshop | int, as_of: dt.date) -> dict[int, int]:
    """Bill id -> Rials the statement subtracts from that bill's penalty on `as_of`, never more than the
    penalty still unpaid (a penalty already paid is not refunded by a later forgiveness)."""
    wid = workshop if isinstance(workshop, int) else workshop.pk
    wanted = relief(wid, as_of).total()
    if not wanted:
        return {}
    pos = load_positions([wid], as_of)
    open_penalty = dict(zip(pos.bill.tolist(), pos.open_penalty.tolist(), strict=True))
    return {
        b: min(a, max(open_penalty.get(b, 0), 0)) for b, a in wanted.items() if open_penalty.get(b, 0) > 0
    }
