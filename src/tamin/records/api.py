"""The insurance history and objections to it over the API. Reads start from the caller's scope; writes
go through `tamin.records.services`, which check who may file and who may resolve."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from tamin.accounts import scope
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import NATIONWIDE_READ, Role
from tamin.core.errors import DomainError, Forbidden
from tamin.core.idcodes import normalize_national_code
from tamin.core.text import normalize, to_ascii_digits
from tamin.pagination import Page
from tamin.records import services
from tamin.records.models import Objection, ObjectionStatus
from tamin.records.schemas import HistoryOut, ObjectionIn, ObjectionOut, ResolveIn
from tamin.registry.models import Person, Workshop
from tamin.registry.services.lookups import get_person, out_of_scope

router = Router(tags=["records"])

MAX_ID = 2**31 - 1


def objections_in_scope(actor: Any) -> QuerySet[Objection]:
    """Deny by default: a person sees their own objections; branch staff those of the people their
    branch serves (the ones they may resolve); a province its people's; nationwide readers all.
    Employers and treatment centres see none."""
    role = getattr(actor, "role", None) if getattr(actor, "is_authenticated", False) else None
    if role is None or not getattr(actor, "is_active", False):
        return Objection.objects.none()
    if role in (Role.INSURED, Role.PENSIONER):
        return (
            Objection.objects.filter(person=actor.person_id) if actor.person_id else Objection.objects.none()
        )
    if role in NATIONWIDE_READ:
        return Objection.objects.all()
    if role in (Role.BRANCH_STAFF, Role.PROVINCE_MANAGER):
        return Objection.objects.filter(person__in=scope.persons(actor).values("pk"))
    return Objection.objects.none()


def history_dict(actor: Any, person: Person) -> dict[str, Any]:
    h = services.history(actor, person).as_dict()
    for m in h["months"]:
        m["period"] = f"{m['year']:04d}/{m['month']:02d}"
    h["national_code"] = person.national_code
    return h


def workshop_named(code: str, field: str = "workshop") -> Workshop:
    """The workshop an objection names. A person may object about a workshop they have no recorded
    employment in (that is what a missing month often is), so this is not the reader's scope."""
    workshop = Workshop.objects.filter(code=to_ascii_digits(normalize(code or ""))).first()
    if workshop is None:
        raise DomainError("workshop.unknown", "کارگاهی با این کد وجود ندارد.", field)
    return workshop


def objection_in_scope(actor: Any, objection_id: int) -> Objection:
    found = objections_in_scope(actor).select_related("person", "workshop").filter(pk=objection_id).first()
    if found is None:
        raise out_of_scope(actor, "objection", "اعتراض", "id")
    return found


@router.get(
    "/persons/{national_code}/history",
    response=HistoryOut,
    summary="A person's insurance history: months, yearly totals, total days and whole years",
)
def get_history(request: HttpRequest, national_code: str):
    return history_dict(request.auth, get_person(request.auth, national_code))


@router.post(
    "/persons/{national_code}/objections",
    response={201: ObjectionOut},
    summary="Object to a missing or wrong month of a person's history",
)
def file_objection(request: HttpRequest, national_code: str, payload: ObjectionIn):
    person = get_person(request.auth, national_code)
    obj = services.file_objection(
        request.auth,
        person,
        workshop=workshop_named(payload.workshop),
        year=payload.year,
        month=payload.month,
        kind=payload.kind,
        statement=payload.statement,
        claimed_days=payload.claimed_days,
        claimed_wage=payload.claimed_wage,
    )
    return Status(201, obj)


@router.get("/objections", response=list[ObjectionOut], summary="Objections in the caller's scope")
@paginate(Page)
def list_objections(
    request: HttpRequest,
    status: str | None = Query(None, max_length=10, description="open, accepted or rejected"),
    national_code: str | None = Query(None, max_length=20),
):
    qs = objections_in_scope(request.auth).select_related("person", "workshop")
    if status:
        if status not in ObjectionStatus.values:
            raise DomainError("objection.status", "وضعیت باید open، accepted یا rejected باشد.", "status")
        qs = qs.filter(status=status)
    if national_code:
        qs = qs.filter(person__national_code=normalize_national_code(national_code, field="national_code"))
    # The queue is worked oldest first.
    return qs.order_by("filed_at", "id")


@router.post(
    "/objections/{objection_id}/resolve",
    response=ObjectionOut,
    summary="Accept (the month is added or corrected) or reject (with a reason) an objection",
)
def resolve_objection(
    request: HttpRequest, payload: ResolveIn, objection_id: int = Path(..., ge=1, le=MAX_ID)
):
    if not allowed(request.auth, "objection.resolve"):
        # The role first: who may not resolve learns nothing about which objections exist.
        raise Forbidden("auth.forbidden", "رسیدگی به اعتراض با کارمند شعبه است.")
    obj = objection_in_scope(request.auth, objection_id)
    return services.resolve_objection(
        request.auth,
        obj,
        accept=payload.accept,
        reason=payload.reason,
        days=payload.days,
        daily_wage=payload.daily_wage,
        wage=payload.wage,
        wage_subject=payload.wage_subject,
        job_code=payload.job_code,
    )
