"""Registry services: validation, deduplication, scope on writes, and the audit entry each write leaves."""

from __future__ import annotations

import datetime as dt

import pytest

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.errors import Conflict, DomainError, Forbidden
from tamin.core.idcodes import with_check_digit
from tamin.registry import services
from tamin.registry.models import Employment, FamilyRelation, Person, Workshop

NEW_CODE = with_check_digit("012345670")


def person_data(**over: object) -> dict:
    data = {
        "national_code": NEW_CODE,
        "first_name": "علي",  # Arabic ye: must be stored as Persian ی
        "last_name": " كريمي ",
        "father_name": "حسن",
        "birth_date": "1370/01/15",
        "sex": "male",
        "id_card_number": "۱۲۳۴",
    }
    data.update(over)
    return data


def codes(err: DomainError) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in err.problems]


def test_register_normalises_and_audits(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    person = services.register_person(staff, person_data())
    assert person.first_name == "علی" and person.last_name == "کریمی"
    assert person.birth_date == dt.date(1991, 4, 4)
    assert person.id_card_number == "1234"
    assert person.branch == world.branch_a  # staff register into their own branch
    assert person.insurance_number and len(person.insurance_number) == 10
    entry = AuditEntry.objects.get(action="person.register")
    assert entry.actor_name == staff.username and entry.object_id == str(person.pk)
    assert entry.after["national_code"] == NEW_CODE and entry.before is None


def test_persian_digits_and_short_codes_are_the_same_person(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    services.register_person(staff, person_data())
    persian = NEW_CODE.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    with pytest.raises(Conflict) as exc:
        services.register_person(staff, person_data(national_code=persian))
    assert codes(exc.value) == [("person.duplicate", "national_code")]
    # An 8-digit code is the 10-digit one left-padded; find_or_register finds the same row.
    short = with_check_digit("006841594")
    first = services.register_person(staff, person_data(national_code=short))
    again, created = services.find_or_register_person(staff, person_data(national_code=short.lstrip("0")))
    assert again.pk == first.pk and created is False
    assert Person.objects.filter(national_code=short).count() == 1


def test_all_problems_reported_at_once_and_nothing_written(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    before = (Person.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as exc:
        services.register_person(
            staff, person_data(national_code="1234567890", first_name="", birth_date="1403/13/01", sex="x")
        )
    found = codes(exc.value)
    assert ("national_code.checksum", "national_code") in found
    assert ("field.required", "first_name") in found
    assert ("sex.invalid", "sex") in found
    assert any(code.startswith("jalali.") and field == "birth_date" for code, field in found)
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("role", [Role.INSURED, Role.EMPLOYER, Role.PROVIDER, Role.HQ_MANAGER, Role.AUDITOR])
def test_only_branch_staff_and_admin_register(world, role: str) -> None:
    with pytest.raises(Forbidden):
        services.register_person(world.users[role], person_data())
    assert not Person.objects.filter(national_code=NEW_CODE).exists()


def test_staff_cannot_register_into_another_branch(world) -> None:
    with pytest.raises(DomainError) as exc:
        services.register_person(world.users[Role.BRANCH_STAFF], person_data(), branch=world.branch_b)
    assert codes(exc.value) == [("branch.not_yours", "branch")]


def test_update_is_scoped_and_audited_with_before_and_after(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    person = services.update_person(staff, world.worker_a, {"mobile": "۰۹۱۲۱۲۳۴۵۶۷"})
    assert person.mobile == "09121234567"
    entry = AuditEntry.objects.get(action="person.update")
    assert entry.before == {"mobile": ""} and entry.after == {"mobile": "09121234567"}
    with pytest.raises(Forbidden) as exc:
        services.update_person(world.staff_b, world.worker_a, {"mobile": "09120000000"})
    assert exc.value.code == "auth.out_of_scope"
    with pytest.raises(DomainError) as exc:
        services.update_person(staff, world.worker_a, {"national_code": "0012345679"})
    assert codes(exc.value) == [("field.not_editable", "national_code")]


def test_insurance_number_issued_once(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    child = services.ensure_insurance_number(staff, world.child_a)  # a dependant of a worker of branch A
    number = child.insurance_number
    assert number and services.ensure_insurance_number(staff, child).insurance_number == number
    assert AuditEntry.objects.filter(action="person.insurance_number").count() == 1


def test_family_relations_checked(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    with pytest.raises(DomainError) as exc:
        services.add_family_relation(staff, world.child_a, world.worker_a, "child", "1395/01/01")
    assert ("relation.child_age", "relative") in codes(exc.value)
    with pytest.raises(Conflict):
        services.add_family_relation(staff, world.worker_a, world.spouse_a, "spouse", "1400/01/01")
    relation = FamilyRelation.objects.get(person=world.worker_a, kind="spouse")
    ended = services.end_family_relation(staff, relation, "1402/06/31")
    assert ended.valid_to == dt.date(2023, 9, 22)
    # After the end, a new spouse relation for a later period is allowed.
    services.add_family_relation(staff, world.worker_a, world.spouse_a, "spouse", "1403/01/01")
    assert FamilyRelation.objects.filter(person=world.worker_a, kind="spouse").count() == 2


def test_employer_and_workshop_registration(world) -> None:
    staff = world.users[Role.BRANCH_STAFF]
    with pytest.raises(DomainError) as exc:
        services.register_employer(staff, {"kind": "legal", "name": "شرکت", "national_id": "10380284791"})
    assert codes(exc.value) == [("legal_id.checksum", "national_id")]
    with pytest.raises(Conflict):
        services.register_employer(staff, {"kind": "legal", "name": "شرکت", "national_id": "10380284790"})
    employer = services.register_employer(staff, {"kind": "natural"}, person=world.worker_a)
    assert employer.name == "علی رضایی"
    first = services.register_workshop(
        staff,
        {
            "name": "نانوایی",
            "address": "تهران",
            "activity_code": "155",
            "activity": "نانوایی",
            "opened_on": "1403/02/01",
        },
        world.branch_a,
        employer,
    )
    second = services.register_workshop(
        staff,
        {
            "name": "نانوایی دوم",
            "address": "تهران",
            "activity_code": "155",
            "activity": "نانوایی",
            "opened_on": "1403/02/01",
        },
        world.branch_a,
        employer,
    )
    assert first.code == f"{world.branch_a.code}1550001" and second.code == f"{world.branch_a.code}1550002"
    with pytest.raises(DomainError) as exc:
        services.update_workshop(staff, first, {"status": "closed"})
    assert codes(exc.value) == [("workshop.closed_on", "closed_on")]
    closed = services.update_workshop(staff, first, {"status": "closed", "closed_on": "1404/01/15"})
    assert Workshop.objects.get(pk=closed.pk).status == "closed"


def test_employment_rules(world) -> None:
    employer_user = world.users[Role.EMPLOYER]
    job = services.start_employment(
        employer_user, world.unemployed, world.workshop_a, {"start_date": "1403/07/01", "job_code": "7223"}
    )
    with pytest.raises(Conflict):
        services.start_employment(
            employer_user, world.unemployed, world.workshop_a, {"start_date": "1403/08/01"}
        )
    with pytest.raises(Forbidden):  # not this employer's workshop
        services.start_employment(
            employer_user, world.unemployed, world.workshop_b, {"start_date": "1403/08/01"}
        )
    with pytest.raises(DomainError) as exc:
        services.end_employment(employer_user, job, "1403/06/01")
    assert codes(exc.value) == [("date.order", "end_date")]
    services.end_employment(employer_user, job, "1403/12/29")
    assert Employment.objects.get(pk=job.pk).end_date == dt.date(2025, 3, 19)


def test_eligibility(world) -> None:
    provider = world.users[Role.PROVIDER]
    main = services.check_eligibility(provider, world.worker_a.national_code)
    assert (main.covered, main.basis) == (True, "main")
    child = services.check_eligibility(provider, world.child_a.national_code)
    assert (child.covered, child.basis, child.through) == (True, "dependent", world.worker_a.national_code)
    none = services.check_eligibility(provider, world.unemployed.national_code)
    assert (none.covered, none.basis) == (False, "none")
    unknown = services.check_eligibility(provider, with_check_digit("999999990"))
    assert unknown.basis == "unknown"
    with pytest.raises(Forbidden):
        services.check_eligibility(world.users[Role.INSURED], world.worker_a.national_code)
