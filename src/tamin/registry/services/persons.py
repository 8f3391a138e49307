"""Registering and correcting persons. One national code is one person, however it was typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tamin.accounts import scope
from tamin.accounts.permissions import require
from tamin.accounts.roles import Role
from tamin.audit.services import record, snapshot
from tamin.core.errors import Conflict, DomainError, ProblemList
from tamin.core.idcodes import InvalidNationalCode, normalize_national_code
from tamin.registry.models import Branch, Person, Sex
from tamin.registry.services import validation as v
from tamin.registry.services.identifiers import new_insurance_number

EARLIEST_BIRTH = dt.date(1900, 1, 1)
EDITABLE = (
    "first_name",
    "last_name",
    "father_name",
    "birth_date",
    "sex",
    "nationality",
    "id_card_number",
    "mobile",
    "death_date",
)


def _clean(data: dict[str, Any], problems: ProblemList, partial: bool = False) -> dict[str, Any]:
    """Normalise and check the person fields present in `data` (all of them unless `partial`)."""
    out: dict[str, Any] = {}

    def has(name: str) -> bool:
        return not partial or name in data

    if has("first_name"):
        out["first_name"] = v.clean_name(data.get("first_name"), "first_name", problems)
    if has("last_name"):
        out["last_name"] = v.clean_name(data.get("last_name"), "last_name", problems)
    if has("father_name"):
        out["father_name"] = v.clean_name(data.get("father_name"), "father_name", problems, required=False)
    if has("birth_date"):
        born = v.clean_date(data.get("birth_date"), "birth_date", problems)
        if born is not None and born < EARLIEST_BIRTH:
            problems.add("date.range", "تاریخ تولد پذیرفتنی نیست.", "birth_date")
        out["birth_date"] = born
    if has("sex"):
        sex = str(data.get("sex") or "")
        if sex not in Sex.values:
            problems.add("sex.invalid", "جنسیت باید «male» یا «female» باشد.", "sex")
        out["sex"] = sex
    if "nationality" in data:
        nat = str(data.get("nationality") or "IR").upper()
        if len(nat) != 2 or not nat.isalpha():
            problems.add("nationality.invalid", "تابعیت باید کد دوحرفی کشور باشد (مثلاً IR).", "nationality")
        out["nationality"] = nat
    if "id_card_number" in data:
        out["id_card_number"] = v.clean_digits(
            data.get("id_card_number"), "id_card_number", problems, lengths=tuple(range(1, 11))
        )
    if "mobile" in data:
        out["mobile"] = v.clean_mobile(data.get("mobile"), "mobile", problems)
    if "death_date" in data:
        out["death_date"] = v.clean_date(data.get("death_date"), "death_date", problems, required=False)
    born, died = out.get("birth_date"), out.get("death_date")
    if born and died and died < born:
        problems.add("date.order", "تاریخ فوت پیش از تاریخ تولد است.", "death_date")
    return out


def _national_code(raw: object, problems: ProblemList) -> str:
    try:
        return normalize_national_code(str(raw or ""))
    except InvalidNationalCode as err:
        problems.extend(err)
        return ""


def _registration_branch(actor: Any, branch: Branch | None) -> Branch | None:
    if getattr(actor, "role", None) == Role.BRANCH_STAFF:
        if branch is not None and branch.pk != actor.branch_id:
            raise DomainError("branch.not_yours", "فقط در شعبهٔ خودتان می‌توانید ثبت کنید.", "branch")
        return actor.branch
    return branch


def register_person(actor: Any, data: dict[str, Any], branch: Branch | None = None) -> Person:
    """First registration with the SSO: the person gets an insurance number."""
    require(actor, "person.register")
    problems = ProblemList()
    code = _national_code(data.get("national_code"), problems)
    fields = _clean(data, problems)
    problems.raise_if_any()
    branch = _registration_branch(actor, branch)
    with transaction.atomic():
        if Person.objects.filter(national_code=code).exists():
            raise Conflict("person.duplicate", "شخصی با این کد ملی پیش‌تر ثبت شده است.", "national_code")
        try:
            person = Person.objects.create(
                national_code=code, insurance_number=new_insurance_number(), branch=branch, **fields
            )
        except IntegrityError as exc:  # a concurrent registration of the same code won the race
            raise Conflict(
                "person.duplicate", "شخصی با این کد ملی پیش‌تر ثبت شده است.", "national_code"
            ) from exc
        record(actor, "person.register", person, after=snapshot(person))
    return person


def find_or_register_person(
    actor: Any, data: dict[str, Any], branch: Branch | None = None
) -> tuple[Person, bool]:
    """The person with this national code, registering them if new. Used where people arrive in
    bulk (wage lists): a second arrival of the same code never makes a second person."""
    problems = ProblemList()
    code = _national_code(data.get("national_code"), problems)
    problems.raise_if_any()
    existing = Person.objects.filter(national_code=code).first()
    if existing is not None:
        return existing, False
    return register_person(actor, {**data, "national_code": code}, branch), True


def ensure_insurance_number(actor: Any, person: Person) -> Person:
    """Issue an insurance number to a person known only from the civil registry."""
    require(actor, "person.update", person, scope.persons(actor))
    if person.insurance_number:
        return person
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.insurance_number:
            return locked
        before = snapshot(locked, ["insurance_number"])
        locked.insurance_number = new_insurance_number()
        locked.save(update_fields=["insurance_number", "updated_at"])
        record(
            actor,
            "person.insurance_number",
            locked,
            before=before,
            after=snapshot(locked, ["insurance_number"]),
        )
    return locked


def update_person(actor: Any, person: Person, changes: dict[str, Any]) -> Person:
    require(actor, "person.update", person, scope.persons(actor))
    unknown = sorted(set(changes) - set(EDITABLE))
    problems = ProblemList()
    for name in unknown:
        problems.add("field.not_editable", "این مورد را نمی‌توان این‌جا تغییر داد.", name)
    fields = _clean(changes, problems, partial=True)
    born = fields.get("birth_date")
    if born and "death_date" not in fields and person.death_date and person.death_date < born:
        problems.add("date.order", "تاریخ تولد پس از تاریخ فوت است.", "birth_date")
    problems.raise_if_any()
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        before = snapshot(locked, fields)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        record(actor, "person.update", locked, before=before, after=snapshot(locked, fields))
    return locked
