"""Employers: a natural person already in the registry, or a legal person with its national ID."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tamin.accounts.permissions import require
from tamin.audit.services import record, snapshot
from tamin.core.errors import Conflict, ProblemList
from tamin.core.idcodes import is_valid_legal_id
from tamin.registry.models import Employer, EmployerKind, Person
from tamin.registry.services import validation as v


def register_employer(actor: Any, data: dict[str, Any], person: Person | None = None) -> Employer:
    require(actor, "employer.register")
    problems = ProblemList()
    kind = str(data.get("kind") or "")
    registration_number = v.clean_digits(
        data.get("registration_number"), "registration_number", problems, lengths=tuple(range(1, 21))
    )
    national_id = None
    if kind == EmployerKind.NATURAL:
        if person is None:
            problems.add("employer.person_required", "کارفرمای حقیقی باید شخص ثبت‌شده باشد.", "national_code")
        name = person.full_name if person is not None else ""
    elif kind == EmployerKind.LEGAL:
        name = v.clean_text(data.get("name"), "name", problems, max_len=200)
        national_id = v.clean_digits(data.get("national_id"), "national_id", problems, (11,), required=True)
        if national_id and len(national_id) == 11 and not is_valid_legal_id(national_id):
            problems.add("legal_id.checksum", "شناسهٔ ملی شخص حقوقی معتبر نیست.", "national_id")
        person = None
    else:
        problems.add("employer.kind", "نوع کارفرما باید حقیقی (natural) یا حقوقی (legal) باشد.", "kind")
        name = ""
    problems.raise_if_any()
    with transaction.atomic():
        if national_id and Employer.objects.filter(national_id=national_id).exists():
            raise Conflict(
                "employer.duplicate", "کارفرمایی با این شناسهٔ ملی پیش‌تر ثبت شده است.", "national_id"
            )
        if person is not None and Employer.objects.filter(person=person).exists():
            raise Conflict(
                "employer.duplicate", "این شخص پیش‌تر به‌عنوان کارفرما ثبت شده است.", "national_code"
            )
        employer = Employer.objects.create(
            kind=kind,
            person=person,
            name=name,
            national_id=national_id or None,
            registration_number=registration_number,
        )
        record(actor, "employer.register", employer, after=snapshot(employer))
    return employer
