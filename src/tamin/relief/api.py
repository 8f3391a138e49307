"""Instalment agreements and penalty forgiveness over the API. Every call goes through the services, which
check the role and the workshop's scope; dates are Jalali `YYYY/MM/DD`, amounts integer Rials."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.registry.services.lookups import get_workshop
from tamin.relief import installments
from tamin.relief.services import require, require_decider, scope_agreements

router = Router(tags=["relief"])


class InstallmentRequestIn(Schema):
    months: int = Field(..., description="number of monthly instalments after the down payment")
    on: str | None = Field(None, description="Jalali day of the request (default today)")


class DecisionIn(Schema):
    note: str = Field("", max_length=300)
    on: str | None = Field(None, description="Jalali day of the decision (default today)")


class InstallmentRowOut(Schema):
    number: int
    due_on: str
    principal: int
    interest: int
    amount: int


class StandingOut(Schema):
    as_of: str
    state: str
    paid: int
    missed: list[int]
    outstanding: int
    next_due: str | None
    void_on: str | None
    penalty: int


class AgreementOut(Schema):
    id: int
    workshop: str
    status: str
    status_fa: str
    requested_months: int
    requested_on: str
    requested_debt: int
    decision_note: str
    signed_on: str | None
    debt: int | None
    down_payment: int | None
    total: int | None
    bills: list[dict[str, Any]]
    schedule: list[InstallmentRowOut]
    standing: StandingOut | None


class CampaignOut(Schema):
    id: str
    title: str
    window: list[str]
    condition: str
    percent_by_months: dict[str, int]
    covers: list[str]
    source: str
    confidence: str


class BillReliefOut(Schema):
    bill: str
    forgiven: int
    waived: int


class WorkshopReliefOut(Schema):
    workshop: str
    as_of: str
    bills: list[BillReliefOut]
    agreements: list[AgreementOut]


def _day(value: str | None, field: str) -> dt.date | None:
    return parse_jalali_date(value, field=field) if value else None


@router.get(
    "/workshops/{code}/installments",
    response=list[AgreementOut],
    summary="A workshop's instalment requests and agreements",
)
def list_installments(request: HttpRequest, code: str, as_of: str | None = None):
    require(request.auth, "relief.read")
    workshop = get_workshop(request.auth, code)
    day = _day(as_of, "as_of")
    return [
        installments.describe(a, day)
        for a in scope_agreements(request.auth).filter(workshop=workshop).select_related("workshop")
    ]


@router.post(
    "/workshops/{code}/installments",
    response={201: AgreementOut},
    summary="Ask to pay a workshop's debt in monthly instalments",
)
def request_installments(request: HttpRequest, code: str, payload: InstallmentRequestIn):
    require(request.auth, "installment.request")
    workshop = get_workshop(request.auth, code)
    on = _day(payload.on, "on")
    agreement = installments.request(request.auth, workshop, months=payload.months, on=on)
    return Status(201, installments.describe(agreement, on))


@router.get("/installments/{agreement_id}", response=AgreementOut, summary="One instalment agreement")
def get_installments(request: HttpRequest, agreement_id: int, as_of: str | None = None):
    agreement = installments.get_agreement(request.auth, agreement_id)
    return installments.describe(agreement, _day(as_of, "as_of"))


@router.post(
    "/installments/{agreement_id}/approve",
    response=AgreementOut,
    summary="Approve an instalment request (staff of the level the debt's size calls for)",
)
def approve_installments(request: HttpRequest, agreement_id: int, payload: DecisionIn):
    require_decider(request.auth)
    agreement = installments.get_agreement(request.auth, agreement_id)
    on = _day(payload.on, "on")
    return installments.describe(installments.approve(request.auth, agreement, on=on, note=payload.note), on)


@router.post(
    "/installments/{agreement_id}/reject",
    response=AgreementOut,
    summary="Reject an instalment request, with the reason",
)
def reject_installments(request: HttpRequest, agreement_id: int, payload: DecisionIn):
    require_decider(request.auth)
    agreement = installments.get_agreement(request.auth, agreement_id)
    return installments.describe(installments.reject(request.auth, agreement, note=payload.note))


@router.get(
    "/workshops/{code}/relief",
    response=WorkshopReliefOut,
    summary="Penalties forgiven and stopped by instalment plans, per bill",
)
def workshop_relief(request: HttpRequest, code: str, as_of: str | None = None):
    from tamin.contributions.models import Bill
    from tamin.core import jalali
    from tamin.relief.services import relief

    require(request.auth, "relief.read")
    workshop = get_workshop(request.auth, code)
    day = _day(as_of, "as_of") or jalali.today()
    r = relief(workshop, day)
    ids = sorted(set(r.forgiven) | set(r.waived))
    numbers = dict(Bill.objects.filter(pk__in=ids).values_list("pk", "number"))
    return {
        "workshop": workshop.code,
        "as_of": format_jalali(day),
        "bills": [
            {"bill": numbers[b], "forgiven": r.forgiven.get(b, 0), "waived": r.waived.get(b, 0)} for b in ids
        ],
        "agreements": [
            installments.describe(a, day)
            for a in scope_agreements(request.auth).filter(pk__in=list(r.plans)).select_related("workshop")
        ],
    }


@router.get("/forgiveness/campaigns", response=list[CampaignOut], summary="Penalty forgiveness campaigns")
def list_campaigns(request: HttpRequest, on: str | None = None):
    from tamin.rules.forgiveness import campaigns

    require(request.auth, "relief.read")
    return [c.as_dict() for c in campaigns(_day(on, "on"))]
