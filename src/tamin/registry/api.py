"""Registry endpoints. Every read starts from the caller's scope; every write goes through a service."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.core.errors import DomainError, NotFound
from tamin.core.idcodes import normalize_national_code
from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.core.text import normalize, to_ascii_digits
from tamin.pagination import Page
from tamin.registry import services
from tamin.registry.models import Branch, Employer, Person
from tamin.registry.schemas import (
    BranchOut,
    CountyOut,
    EligibilityOut,
    EmployerIn,
    EmployerOut,
    EmploymentIn,
    EmploymentOut,
    EndIn,
    MeOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ProvinceOut,
    RelationIn,
    RelationOut,
    WorkshopIn,
    WorkshopOut,
    WorkshopPatch,
)
from tamin.registry.services.lookups import out_of_scope

router = Router(tags=["registry"])


def _branch(code: str | None, field: str = "branch") -> Branch | None:
    if not code:
        return None
    branch = Branch.objects.filter(code=to_ascii_digits(code)).first()
    if branch is None:
        raise DomainError("branch.unknown", "شعبه‌ای با این کد وجود ندارد.", field)
    return branch


def _registered(raw: str, field: str, message: str) -> Person:
    """A person named by national code, whether or not the caller may read their file."""
    person = Person.objects.filter(national_code=normalize_national_code(raw, field=field)).first()
    if person is None:
        raise DomainError("person.unknown", message, field)
    return person


def _employer(user, employer_id: int, field: str = "employer") -> Employer:
    if user.role == Role.BRANCH_STAFF:
        # Branch staff register a workshop for an employer who may have none in their branch yet.
        employer = Employer.objects.filter(pk=employer_id).first()
        if employer is None:
            raise DomainError("employer.unknown", "کارفرمایی با این شناسه وجود ندارد.", field)
        return employer
    return services.get_employer(user, employer_id)


@router.get("/me", response=MeOut, summary="The signed-in user and their scope")
def me(request: HttpRequest) -> dict:
    user = request.auth
    return {
        "username": user.username,
        "role": user.role,
        "role_fa": Role(user.role).label,
        "national_code": user.person.national_code if user.person_id else None,
        "employer": user.employer_id,
        "branch": user.branch.code if user.branch_id else None,
        "province": user.province.code if user.province_id else None,
    }


@router.get("/provinces", response=list[ProvinceOut], summary="Provinces")
def list_provinces(request: HttpRequest):
    return scope.provinces(request.auth)


@router.get("/provinces/{code}", response=ProvinceOut, summary="One province")
def get_province(request: HttpRequest, code: str):
    province = scope.provinces(request.auth).filter(code=code).first()
    if province is None:
        raise NotFound("province.unknown", "استانی با این کد وجود ندارد.", "code")
    return province


@router.get("/provinces/{code}/counties", response=list[CountyOut], summary="Counties of a province")
def list_counties(request: HttpRequest, code: str):
    get_province(request, code)
    return scope.counties(request.auth).filter(province__code=code).select_related("province")


@router.get("/branches", response=list[BranchOut], summary="Branches")
@paginate(Page)
def list_branches(request: HttpRequest, province: str | None = None):
    qs = scope.branches(request.auth).select_related("county__province")
    if province:
        qs = qs.filter(county__province__code=province)
    return qs


@router.get("/persons", response=list[PersonOut], summary="Persons in the caller's scope")
@paginate(Page)
def list_persons(request: HttpRequest, q: str | None = None):
    qs = scope.persons(request.auth).select_related("branch")
    if q:
        text = to_ascii_digits(normalize(q))
        qs = qs.filter(Q(national_code=text) | Q(insurance_number=text) | Q(last_name__startswith=text))
    return qs.order_by("id")


@router.post("/persons", response={201: PersonOut}, summary="Register a person with the SSO")
def register_person(request: HttpRequest, payload: PersonIn):
    data = payload.dict()
    branch = _branch(data.pop("branch"))
    return Status(201, services.register_person(request.auth, data, branch))


@router.get("/persons/{national_code}", response=PersonOut, summary="One person")
def get_person(request: HttpRequest, national_code: str):
    return services.get_person(request.auth, national_code)


@router.patch("/persons/{national_code}", response=PersonOut, summary="Correct a person's details")
def update_person(request: HttpRequest, national_code: str, payload: PersonPatch):
    person = services.get_person(request.auth, national_code)
    return services.update_person(request.auth, person, payload.dict(exclude_unset=True))


@router.post(
    "/persons/{national_code}/insurance-number",
    response=PersonOut,
    summary="Issue an insurance number to a person known only from the civil registry",
)
def issue_insurance_number(request: HttpRequest, national_code: str):
    person = services.get_person(request.auth, national_code)
    return services.ensure_insurance_number(request.auth, person)


@router.get("/persons/{national_code}/family", response=list[RelationOut], summary="A person's family")
def list_family(request: HttpRequest, national_code: str):
    person = services.get_person(request.auth, national_code)
    return scope.family_relations(request.auth).filter(person=person).select_related("person", "relative")


@router.post("/persons/{national_code}/family", response={201: RelationOut}, summary="Add a family member")
def add_family(request: HttpRequest, national_code: str, payload: RelationIn):
    person = services.get_person(request.auth, national_code)
    # The relative may be outside the caller's scope (a spouse registered elsewhere).
    relative = _registered(payload.relative, "relative", "خویشاوند با این کد ملی ثبت نشده است.")
    return Status(
        201,
        services.add_family_relation(
            request.auth, person, relative, payload.kind, payload.valid_from, payload.valid_to
        ),
    )


@router.post("/family-relations/{relation_id}/end", response=RelationOut, summary="End a family relation")
def end_family(request: HttpRequest, relation_id: int, payload: EndIn):
    relation = (
        scope.family_relations(request.auth)
        .select_related("person", "relative")
        .filter(pk=relation_id)
        .first()
    )
    if relation is None:
        raise out_of_scope(request.auth, "relation", "نسبت", "id")
    return services.end_family_relation(request.auth, relation, payload.date)


@router.get(
    "/persons/{national_code}/employments", response=list[EmploymentOut], summary="A person's employments"
)
def list_person_employments(request: HttpRequest, national_code: str):
    person = services.get_person(request.auth, national_code)
    return scope.employments(request.auth).filter(person=person).select_related("person", "workshop")


@router.get("/employers", response=list[EmployerOut], summary="Employers in the caller's scope")
@paginate(Page)
def list_employers(request: HttpRequest):
    return scope.employers(request.auth).select_related("person").order_by("id")


@router.post("/employers", response={201: EmployerOut}, summary="Register an employer")
def register_employer(request: HttpRequest, payload: EmployerIn):
    data = payload.dict()
    person = None
    if data.get("national_code"):
        person = _registered(data["national_code"], "national_code", "شخصی با این کد ملی ثبت نشده است.")
    return Status(201, services.register_employer(request.auth, data, person))


@router.get("/employers/{employer_id}", response=EmployerOut, summary="One employer")
def get_employer(request: HttpRequest, employer_id: int):
    return services.get_employer(request.auth, employer_id)


@router.get("/workshops", response=list[WorkshopOut], summary="Workshops in the caller's scope")
@paginate(Page)
def list_workshops(request: HttpRequest, branch: str | None = None, status: str | None = None):
    qs = scope.workshops(request.auth).select_related("branch", "employer")
    if branch:
        qs = qs.filter(branch__code=branch)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


@router.post("/workshops", response={201: WorkshopOut}, summary="Register a workshop")
def register_workshop(request: HttpRequest, payload: WorkshopIn):
    data = payload.dict()
    branch = _branch(data.pop("branch"))
    if branch is None:
        raise DomainError("field.required", "این مورد باید پر شود.", "branch")
    employer = _employer(request.auth, data.pop("employer"))
    return Status(201, services.register_workshop(request.auth, data, branch, employer))


@router.get("/workshops/{code}", response=WorkshopOut, summary="One workshop")
def get_workshop(request: HttpRequest, code: str):
    return services.get_workshop(request.auth, code)


@router.patch("/workshops/{code}", response=WorkshopOut, summary="Change a workshop's details or status")
def update_workshop(request: HttpRequest, code: str, payload: WorkshopPatch):
    workshop = services.get_workshop(request.auth, code)
    return services.update_workshop(request.auth, workshop, payload.dict(exclude_unset=True))


@router.get("/workshops/{code}/employments", response=list[EmploymentOut], summary="A workshop's workers")
@paginate(Page)
def list_workshop_employments(request: HttpRequest, code: str, current: bool = False):
    workshop = services.get_workshop(request.auth, code)
    qs = scope.employments(request.auth).filter(workshop=workshop).select_related("person", "workshop")
    if current:
        qs = qs.filter(end_date__isnull=True)
    return qs.order_by("id")


@router.post("/employments", response={201: EmploymentOut}, summary="Start an employment")
def start_employment(request: HttpRequest, payload: EmploymentIn):
    workshop = services.get_workshop(request.auth, payload.workshop)
    person = _registered(
        payload.national_code, "national_code", "شخصی با این کد ملی ثبت نشده است؛ نخست او را ثبت کنید."
    )
    return Status(201, services.start_employment(request.auth, person, workshop, payload.dict()))


@router.post("/employments/{employment_id}/end", response=EmploymentOut, summary="End an employment")
def end_employment(request: HttpRequest, employment_id: int, payload: EndIn):
    employment = (
        scope.employments(request.auth).select_related("person", "workshop").filter(pk=employment_id).first()
    )
    if employment is None:
        raise out_of_scope(request.auth, "employment", "اشتغال", "id")
    return services.end_employment(request.auth, employment, payload.date)


@router.get(
    "/eligibility/{national_code}",
    response=EligibilityOut,
    summary="Is this person covered today (for treatment centres)",
)
def eligibility(request: HttpRequest, national_code: str, on: str | None = Query(None)):
    date = parse_jalali_date(on, field="on") if on else None
    answer = services.check_eligibility(request.auth, national_code, date)
    return {**answer.__dict__, "on": format_jalali(answer.on)}
