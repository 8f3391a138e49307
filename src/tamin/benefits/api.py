"""Pension claims over the API: the conditions a person meets, the claim's steps (submit, prepare, approve,
reject, withdraw) and the award PDF. Reads start from the caller's scope; every step goes through
`tamin.benefits.claims`, which checks who may act and audits. Dates are Jalali `YYYY/MM/DD`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from tamin.accounts.permissions import allowed
from tamin.benefits import claims
from tamin.benefits.models import AwardKind, ClaimStatus, PensionClaim
from tamin.core.errors import DomainError, Forbidden
from tamin.core.idcodes import normalize_national_code
from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.pagination import Page
from tamin.records.schemas import local_jalali
from tamin.registry.services.lookups import get_person, out_of_scope

router = Router(tags=["pension claims"])

MAX_ID = 2**31 - 1
PDF_RESPONSE = {
    "responses": {200: {"description": "PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}}}
}


class ReasonOut(Schema):
    case: str | None = None
    message: str
    field: str | None = None


class ConditionsOut(Schema):
    national_code: str
    kind: str
    on: str = Field(..., description="the date the conditions are checked on, Jalali")
    eligible: bool
    case: str | None
    case_fa: str
    reasons: list[ReasonOut]
    credited_days: int
    credited_years: float
    average_wage: int
    pension: int = Field(..., description="the estimated monthly pension, Rials")
    open_claim: int | None = Field(None, description="the id of an open claim of this kind, if any")
    derivation: dict[str, Any]


class ClaimIn(Schema):
    national_code: str = Field(..., max_length=20)
    kind: str = Field("retirement", max_length=16, description="retirement, disability or survivors")
    application_date: str | None = Field(None, max_length=10, description="Jalali; today when left out")
    facts: dict[str, Any] | None = Field(
        None,
        description="disability: event_date, percent, work_related, dependants; survivors: death_date,"
        " work_related, deceased_pension, survivors [{relation, birth_date, studying, disabled, …}]",
    )


class PrepareIn(Schema):
    notes: str = Field("", max_length=2000)
    documents: dict[str, bool] = Field(
        default_factory=dict, description=f"checklist: {', '.join(claims.DOCUMENTS)}"
    )


class RejectIn(Schema):
    reason: str = Field(
        "", max_length=2000, description="required unless the engine found the case not eligible"
    )


class ClaimOut(Schema):
    id: int
    number: str
    national_code: str
    person_name: str
    kind: str
    kind_fa: str
    status: str
    status_fa: str
    application_date: str
    eligible: bool
    case: str | None
    case_fa: str
    reasons: list[ReasonOut]
    credited_days: int
    average_wage: int
    pension: int
    derivation: dict[str, Any]
    notes: str
    documents: dict[str, bool]
    rejection_reason: str
    award: int | None
    award_start: str | None = Field(None, description="Jalali month YYYY/MM the award is paid from")
    submitted_on: str | None
    prepared_on: str | None
    prepared_by: str | None
    decided_on: str | None
    decided_by: str | None

    @staticmethod
    def resolve_national_code(obj: PensionClaim) -> str:
        return obj.person.national_code

    @staticmethod
    def resolve_person_name(obj: PensionClaim) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_kind_fa(obj: PensionClaim) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_fa(obj: PensionClaim) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_application_date(obj: PensionClaim) -> str:
        return format_jalali(obj.application_date)

    @staticmethod
    def resolve_eligible(obj: PensionClaim) -> bool:
        return bool(obj.result.get("eligible"))

    @staticmethod
    def resolve_case(obj: PensionClaim) -> str | None:
        return obj.result.get("case")

    @staticmethod
    def resolve_case_fa(obj: PensionClaim) -> str:
        return claims.case_label(obj.result)

    @staticmethod
    def resolve_reasons(obj: PensionClaim) -> list[dict[str, Any]]:
        return obj.result.get("reasons", [])

    @staticmethod
    def resolve_credited_days(obj: PensionClaim) -> int:
        return int(obj.result.get("credited_days") or 0)

    @staticmethod
    def resolve_average_wage(obj: PensionClaim) -> int:
        return int(obj.result.get("average_wage") or 0)

    @staticmethod
    def resolve_pension(obj: PensionClaim) -> int:
        return int(obj.result.get("pension") or 0)

    @staticmethod
    def resolve_derivation(obj: PensionClaim) -> dict[str, Any]:
        return obj.result.get("derivation", {})

    @staticmethod
    def resolve_award(obj: PensionClaim) -> int | None:
        return obj.award_id

    @staticmethod
    def resolve_award_start(obj: PensionClaim) -> str | None:
        return f"{obj.award.start_year:04d}/{obj.award.start_month:02d}" if obj.award else None

    @staticmethod
    def resolve_submitted_on(obj: PensionClaim) -> str | None:
        return local_jalali(obj.submitted_at)

    @staticmethod
    def resolve_prepared_on(obj: PensionClaim) -> str | None:
        return local_jalali(obj.prepared_at)

    @staticmethod
    def resolve_decided_on(obj: PensionClaim) -> str | None:
        return local_jalali(obj.decided_at)

    @staticmethod
    def resolve_prepared_by(obj: PensionClaim) -> str | None:
        return obj.prepared_by.username if obj.prepared_by else None

    @staticmethod
    def resolve_decided_by(obj: PensionClaim) -> str | None:
        return obj.decided_by.username if obj.decided_by else None


def claim_in_scope(actor: Any, claim_id: int) -> PensionClaim:
    found = claims.claims_in_scope(actor).filter(pk=claim_id).first()
    if found is None:
        raise out_of_scope(actor, "claim", "درخواست مستمری", "id")
    return found


def _staff_claim(request: HttpRequest, action: str, claim_id: int) -> PensionClaim:
    if not allowed(request.auth, action):
        # The role first: who may not act learns nothing about which claims exist.
        raise Forbidden("auth.forbidden", "این کار با کارمند شعبه است.")
    return claim_in_scope(request.auth, claim_id)


@router.get(
    "/persons/{national_code}/pension-conditions",
    response=ConditionsOut,
    summary="Whether a person meets the conditions of a pension today (or `on`), why, and the estimate",
)
def get_conditions(
    request: HttpRequest,
    national_code: str,
    kind: str = Query("retirement", max_length=16),
    on: str | None = Query(None, max_length=10, description="Jalali date; today when left out"),
):
    if not allowed(request.auth, "claim.read"):
        raise Forbidden("auth.forbidden", "شما اجازهٔ دیدن شرایط مستمری را ندارید.")
    person = get_person(request.auth, national_code)
    day = parse_jalali_date(on, field="on") if on else None
    r = claims.check_conditions(person, day, kind)
    return {
        **{k: r[k] for k in ("kind", "on", "eligible", "case", "reasons", "credited_days", "credited_years")},
        **{k: r[k] for k in ("average_wage", "pension", "open_claim")},
        "national_code": person.national_code,
        "case_fa": r["case_label"],
        "derivation": r["result"].get("derivation", {}),
    }


@router.post(
    "/pension-claims",
    response={201: ClaimOut},
    summary="Apply for a pension (the insured for themself, branch staff for a person in scope)",
)
def submit_claim(request: HttpRequest, payload: ClaimIn):
    if not allowed(request.auth, "claim.submit"):
        raise Forbidden("auth.forbidden", "درخواست مستمری را خود بیمه‌شده یا کارمند شعبه ثبت می‌کند.")
    person = get_person(request.auth, payload.national_code)
    day = (
        parse_jalali_date(payload.application_date, field="application_date")
        if payload.application_date
        else None
    )
    claim = claims.submit(request.auth, person, payload.kind, day, payload.facts)
    return Status(201, claim)


@router.get("/pension-claims", response=list[ClaimOut], summary="Pension claims in the caller's scope")
@paginate(Page)
def list_claims(
    request: HttpRequest,
    status: str | None = Query(None, max_length=10, description="submitted, prepared, approved, rejected…"),
    kind: str | None = Query(None, max_length=16),
    national_code: str | None = Query(None, max_length=20),
):
    qs = claims.claims_in_scope(request.auth)
    if status:
        if status not in ClaimStatus.values:
            raise DomainError(
                "claim.status", f"وضعیت باید یکی از {', '.join(ClaimStatus.values)} باشد.", "status"
            )
        qs = qs.filter(status=status)
    if kind:
        if kind not in AwardKind.values:
            raise DomainError(
                "claim.kind", "نوع مستمری باید retirement، disability یا survivors باشد.", "kind"
            )
        qs = qs.filter(kind=kind)
    if national_code:
        qs = qs.filter(person__national_code=normalize_national_code(national_code, field="national_code"))
    return qs.order_by("application_date", "id")


@router.get("/pension-claims/{claim_id}", response=ClaimOut, summary="One pension claim with its computation")
def get_claim(request: HttpRequest, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    return claim_in_scope(request.auth, claim_id)


@router.post(
    "/pension-claims/{claim_id}/prepare",
    response=ClaimOut,
    summary="Maker: recompute with the rules engine as of the application date, with notes and documents",
)
def prepare_claim(request: HttpRequest, payload: PrepareIn, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    claim = _staff_claim(request, "claim.prepare", claim_id)
    return claims.prepare(request.auth, claim, notes=payload.notes, documents=payload.documents)


@router.post(
    "/pension-claims/{claim_id}/approve",
    response=ClaimOut,
    summary="Checker (not the maker): approve a prepared claim; the pension award is created",
)
def approve_claim(request: HttpRequest, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    claim = _staff_claim(request, "claim.approve", claim_id)
    return claims.approve(request.auth, claim)


@router.post(
    "/pension-claims/{claim_id}/reject", response=ClaimOut, summary="Reject an open claim with a reason"
)
def reject_claim(request: HttpRequest, payload: RejectIn, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    claim = _staff_claim(request, "claim.reject", claim_id)
    return claims.reject(request.auth, claim, payload.reason)


@router.post(
    "/pension-claims/{claim_id}/withdraw",
    response=ClaimOut,
    summary="The applicant withdraws a claim not yet prepared",
)
def withdraw_claim(request: HttpRequest, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    claim = _staff_claim(request, "claim.withdraw", claim_id)
    return claims.withdraw(request.auth, claim)


@router.get(
    "/pension-claims/{claim_id}/award.pdf",
    summary="The pension award (حکم برقراری مستمری) of an approved claim, as a PDF",
    response={200: None},
    openapi_extra=PDF_RESPONSE,
)
def get_award_pdf(request: HttpRequest, claim_id: int = Path(..., ge=1, le=MAX_ID)):
    from tamin.benefits.award_pdf import pdf_response

    return pdf_response(claim_in_scope(request.auth, claim_id))
