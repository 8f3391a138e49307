"""Instalment agreements: request, approve or reject, and follow them as payments come in.

The debt is the workshop's debt statement (`billing.statement`) as the day opens (the statement of the
day before): at the request for the employer to see, again at approval (the plan is made on the approval
day, for what is owed then). Payments from the signing day on, the down payment first, count toward the
instalments. The limits are the rule's (`tamin.rules.installments.installment_plan`): a request it refuses is
refused with its code and field, and nothing is written. Payments recorded after the signing day count
toward the instalments (oldest first); `missed()` says whether the plan is active, completed or void.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tamin.audit.services import record, snapshot
from tamin.core import jalali
from tamin.core.errors import Conflict, DomainError
from tamin.core.jalali import format_jalali
from tamin.registry.models import Workshop
from tamin.registry.services.lookups import out_of_scope
from tamin.relief.models import OPEN_STATUSES, AgreementStatus, Installment, InstallmentAgreement
from tamin.relief.services import (
    opening,
    require,
    require_decider,
    require_level,
    scope_agreements,
    standing,
)
from tamin.rules import installments as plan_rules


def _statement(actor: Any, workshop: Workshop, on: dt.date) -> Any:
    """What is owed as `on` opens: the statement of the day before."""
    from tamin.contributions import billing

    return billing.statement(actor, workshop, opening(on))


def _bills(st: Any) -> list[dict[str, Any]]:
    return [line.as_dict() for line in st.lines if line.outstanding]


def get_agreement(actor: Any, agreement_id: int) -> InstallmentAgreement:
    """An agreement in the actor's scope; out of scope looks the same as not there."""
    require(actor, "relief.read")
    found = scope_agreements(actor).select_related("workshop").filter(pk=agreement_id).first()
    if found is None:
        # Nationwide readers hear "not found"; everyone else "not yours", whether or not it exists.
        raise out_of_scope(actor, "installment", "قرارداد تقسیط", "agreement_id")
    return found


def refresh(actor: Any, agreement: InstallmentAgreement, as_of: dt.date) -> InstallmentAgreement:
    """Store what `missed()` says of an active plan on `as_of` if it changed (completed or void)."""
    if agreement.status != AgreementStatus.ACTIVE:
        return agreement
    status = standing(agreement, as_of)
    if status.state == "active":
        return agreement
    with transaction.atomic():
        locked = InstallmentAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.status != AgreementStatus.ACTIVE:
            return locked
        before = {"status": locked.status}
        locked.status = status.state
        if status.state == "void":
            locked.void_on = status.void_on
        else:
            locked.completed_on = as_of
        locked.save(update_fields=["status", "void_on", "completed_on"])
        record(
            actor,
            f"installment.{status.state}",
            locked,
            before=before,
            after={
                "status": locked.status,
                "as_of": format_jalali(as_of),
                "paid": status.paid,
                "missed": list(status.missed),
                "outstanding": status.outstanding,
                "void_on": format_jalali(status.void_on) if status.void_on else None,
            },
        )
    return locked


def request(
    actor: Any, workshop: Workshop, *, months: int, on: dt.date | None = None
) -> InstallmentAgreement:
    """An employer (or branch staff for them) asks to pay the workshop's debt on `on` in `months`."""
    require(actor, "installment.request", workshop)
    on = on or jalali.today()
    if isinstance(months, bool) or not isinstance(months, int):
        raise DomainError("installment.months", "تعداد اقساط باید عدد صحیح باشد.", "requested_months")
    for open_one in InstallmentAgreement.objects.filter(workshop=workshop, status=AgreementStatus.ACTIVE):
        refresh(actor, open_one, on)
    if InstallmentAgreement.objects.filter(workshop=workshop, status__in=OPEN_STATUSES).exists():
        raise Conflict(
            "installment.open_exists",
            "برای این کارگاه درخواست یا قرارداد تقسیط جاری وجود دارد.",
            "workshop",
        )
    st = _statement(actor, workshop, on)
    debt = int(st.outstanding)
    plan = plan_rules.installment_plan(debt, requested_months=months, on=on)  # refuses out-of-limits
    try:
        with transaction.atomic():
            agreement = InstallmentAgreement.objects.create(
                workshop=workshop,
                status=AgreementStatus.REQUESTED,
                requested_months=months,
                requested_on=on,
                requested_debt=debt,
                requested_by_id=getattr(actor, "pk", None),
                bills=_bills(st),
            )
            record(
                actor,
                "installment.request",
                agreement,
                after=snapshot(agreement) | {"preview": plan.rows(), "derivation": plan.derivation},
            )
    except IntegrityError:
        raise Conflict(
            "installment.open_exists",
            "برای این کارگاه درخواست یا قرارداد تقسیط جاری وجود دارد.",
            "workshop",
        ) from None
    return agreement


def _pending(agreement: InstallmentAgreement) -> InstallmentAgreement:
    locked = InstallmentAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.REQUESTED:
        raise Conflict(
            "installment.not_pending",
            f"این درخواست پیش‌تر بررسی شده است (وضعیت: {AgreementStatus(locked.status).label}).",
            "status",
        )
    return locked


def approve(
    actor: Any, agreement: InstallmentAgreement, *, on: dt.date | None = None, note: str = ""
) -> InstallmentAgreement:
    """Staff of the level the debt's size calls for (the workshop's branch unless the parameters set
    approval ceilings) approve: the plan is made for the debt owed on `on`."""
    on = on or jalali.today()
    require_decider(actor, agreement.workshop, on)
    if on < agreement.requested_on:
        raise DomainError("installment.date", "تاریخ تأیید نمی‌تواند پیش از تاریخ درخواست باشد.", "on")
    st = _statement(actor, agreement.workshop, on)
    debt = int(st.outstanding)
    plan = plan_rules.installment_plan(debt, requested_months=agreement.requested_months, on=on)
    require_level(actor, plan.debt, on)
    with transaction.atomic():
        locked = _pending(agreement)
        before = snapshot(locked)
        locked.status = AgreementStatus.ACTIVE
        locked.signed_on = on
        locked.debt = plan.debt
        locked.down_payment = plan.down_payment
        locked.total = plan.total
        locked.bills = _bills(st)
        locked.derivation = plan.derivation
        locked.decided_by_id = getattr(actor, "pk", None)
        locked.decided_at = timezone.now()
        locked.decision_note = (note or "")[:300]
        locked.save()
        # At most 37 rows (SSL Art. 46): one INSERT.
        Installment.objects.bulk_create(
            Installment(agreement=locked, number=i, due_on=d.item(), principal=int(p), interest=int(r))
            for i, (d, p, r) in enumerate(zip(plan.due, plan.principal, plan.interest, strict=True))
        )
        record(
            actor,
            "installment.approve",
            locked,
            before=before,
            after=snapshot(locked) | {"schedule": plan.rows()},
        )
    return locked


def reject(actor: Any, agreement: InstallmentAgreement, *, note: str) -> InstallmentAgreement:
    """Refuse a request, with the reason; the level that would approve it (by the requested debt) decides."""
    require_decider(actor, agreement.workshop)
    require_level(actor, agreement.requested_debt, agreement.requested_on)
    note = (note or "").strip()
    if not note:
        raise DomainError("installment.reason", "دلیل رد درخواست را بنویسید.", "note")
    with transaction.atomic():
        locked = _pending(agreement)
        before = snapshot(locked)
        locked.status = AgreementStatus.REJECTED
        locked.decided_by_id = getattr(actor, "pk", None)
        locked.decided_at = timezone.now()
        locked.decision_note = note[:300]
        locked.save()
        record(actor, "installment.reject", locked, before=before, after=snapshot(locked))
    return locked


def describe(agreement: InstallmentAgreement, as_of: dt.date | None = None) -> dict[str, Any]:
    """The agreement for people: request, decision, schedule and, for an approved plan, where it stands."""
    as_of = as_of or jalali.today()
    out: dict[str, Any] = {
        "id": agreement.pk,
        "workshop": agreement.workshop.code,
        "status": agreement.status,
        "status_fa": AgreementStatus(agreement.status).label,
        "requested_months": agreement.requested_months,
        "requested_on": format_jalali(agreement.requested_on),
        "requested_debt": agreement.requested_debt,
        "decision_note": agreement.decision_note,
        "signed_on": format_jalali(agreement.signed_on) if agreement.signed_on else None,
        "debt": agreement.debt,
        "down_payment": agreement.down_payment,
        "total": agreement.total,
        "bills": agreement.bills,
        "schedule": [],
        "standing": None,
    }
    if agreement.signed_on is not None:
        out["schedule"] = [
            {
                "number": r.number,
                "due_on": format_jalali(r.due_on),
                "principal": r.principal,
                "interest": r.interest,
                "amount": r.amount,
            }
            for r in agreement.rows.order_by("number")
        ]
        s = standing(agreement, as_of)
        out["standing"] = {
            "as_of": format_jalali(as_of),
            "state": s.state,
            "paid": s.paid,
            "missed": list(s.missed),
            "outstanding": s.outstanding,
            "next_due": format_jalali(s.next_due) if s.next_due else None,
            "void_on": format_jalali(s.void_on) if s.void_on else None,
            "penalty": s.penalty,
        }
    return out
