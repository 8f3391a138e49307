"""Debts and payments over the API: a workshop's debt statement (JSON or PDF), bank payments recorded
once per reference, and the payments a workshop made. Every call goes through `billing`, which checks
the role; the workshop is found inside the caller's scope first, so a workshop that is not yours is
refused the same way whether or not it exists."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Strict

from tamin.contributions import billing
from tamin.contributions.models import Payment
from tamin.core.errors import Forbidden
from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.pagination import Page
from tamin.registry.models import Workshop
from tamin.registry.services.lookups import get_workshop

router = Router(tags=["billing"])

# A bank never moves a trillion-trillion Rials; the bound keeps absurd numbers out of BIGINT columns.
MAX_RIALS = 10**15
Rials = Annotated[int, Strict(), Field(gt=0, le=MAX_RIALS)]


class StatementLineOut(Schema):
    bill: str
    month: str = Field(..., description="Jalali month YYYY-MM")
    list_no: str
    due_on: str
    principal: int
    penalty: int = Field(
        ..., description="every penalty owed (late payment + late list), net of forgiveness and plan relief"
    )
    late_list_penalty: int = Field(
        0, description="the one-time penalty of a list sent after its deadline (SSL Art. 39), before relief"
    )
    late_payment_penalty: int = Field(0, description="the late-payment penalty, before relief")
    penalty_relief: int = Field(0, description="penalty forgiven by a campaign or stopped by a plan")
    paid_principal: int
    paid_penalty: int
    paid: int
    outstanding: int


class StatementOut(Schema):
    workshop: str
    as_of: str
    allocation_rule: str
    lines: list[StatementLineOut]
    principal: int
    penalty: int
    late_list_penalty: int = 0
    penalty_relief: int = 0
    paid: int
    credit: int
    outstanding: int


class PaymentIn(Schema):
    reference: str = Field(..., min_length=1, max_length=40, description="the bank's payment reference")
    workshop: str = Field(..., max_length=20, description="workshop code")
    amount: Rials
    paid_on: str = Field(..., max_length=10, description="Jalali day the bank received it, 1404/08/30")


class PaymentOut(Schema):
    reference: str
    workshop: str
    amount: int
    paid_on: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_workshop(obj: Any) -> str:
        return obj.workshop.code if isinstance(obj, Payment) else obj["workshop"]

    @staticmethod
    def resolve_paid_on(obj: Any) -> str:
        return format_jalali(obj.paid_on if isinstance(obj, Payment) else obj["paid_on"])


class PaymentRecordedOut(PaymentOut):
    created: bool = Field(..., description="false: this reference was already recorded with the same data")


def readable_workshop(actor: Any, code: str) -> Workshop:
    """The workshop whose debt `actor` may read: the role first (a worker may see the workshop, not
    its debt), then the scope."""
    if getattr(actor, "role", None) not in billing.STATEMENT_READERS:
        raise Forbidden("auth.forbidden", "شما اجازهٔ دیدن بدهی کارگاه را ندارید.")
    return get_workshop(actor, code)


def statement_for(actor: Any, code: str, as_of: str | None) -> billing.DebtStatement:
    workshop = readable_workshop(actor, code)
    day = parse_jalali_date(as_of, field="as_of") if as_of else None
    return billing.statement(actor, workshop, day)


@router.get(
    "/workshops/{code}/statement",
    response=StatementOut,
    summary="A workshop's debt statement: per bill principal, penalty, paid and outstanding",
)
def get_statement(request: HttpRequest, code: str, as_of: str | None = Query(None, max_length=10)):
    return statement_for(request.auth, code, as_of).as_dict()


@router.get(
    "/workshops/{code}/statement.pdf",
    summary="The debt statement as a PDF (Persian, right to left)",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {"description": "PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}}
        }
    },
)
def get_statement_pdf(request: HttpRequest, code: str, as_of: str | None = Query(None, max_length=10)):
    from tamin.contributions.statement_pdf import pdf_response

    workshop = readable_workshop(request.auth, code)
    day = parse_jalali_date(as_of, field="as_of") if as_of else None
    return pdf_response(billing.statement(request.auth, workshop, day), workshop)


@router.post(
    "/payments",
    response={200: PaymentRecordedOut, 201: PaymentRecordedOut},
    summary="Record a bank payment (201); the same reference with the same data again is acknowledged "
    "(200); with other data it is refused (409)",
)
def record_payment(request: HttpRequest, payload: PaymentIn) -> Any:
    workshop = get_workshop(request.auth, payload.workshop)
    result = billing.record_payment(
        request.auth,
        workshop=workshop,
        reference=payload.reference,
        amount=payload.amount,
        paid_on=parse_jalali_date(payload.paid_on, field="paid_on"),
    )
    p = result.payment
    body = {
        "reference": p.reference,
        "workshop": workshop.code,
        "amount": p.amount,
        "paid_on": p.paid_on,
        "recorded_at": p.recorded_at,
        "created": result.created,
    }
    return Status(201 if result.created else 200, body)


@router.get("/workshops/{code}/payments", response=list[PaymentOut], summary="A workshop's payments")
@paginate(Page)
def list_payments(request: HttpRequest, code: str) -> HttpResponse | Any:
    workshop = readable_workshop(request.auth, code)
    return Payment.objects.filter(workshop=workshop).select_related("workshop").order_by("paid_on", "id")
