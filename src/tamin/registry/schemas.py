"""API shapes of registry records. Field names are English; dates are Jalali text `1404/07/01`."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from tamin.core.jalali import format_jalali


def jalali_or_none(value: dt.date | None) -> str | None:
    return format_jalali(value) if value else None


class ProvinceOut(Schema):
    code: str
    iso_code: str
    name_fa: str
    name_en: str
    capital_fa: str
    population_1395: int
    sso_type: int | None
    sso_type_source: str


class CountyOut(Schema):
    code: str
    province: str
    name_fa: str
    population_1395: int | None

    @staticmethod
    def resolve_province(obj) -> str:
        return obj.province.code


class BranchOut(Schema):
    code: str
    name_fa: str
    county: str
    province: str
    address: str

    @staticmethod
    def resolve_county(obj) -> str:
        return obj.county.code

    @staticmethod
    def resolve_province(obj) -> str:
        return obj.county.province.code


class PersonOut(Schema):
    national_code: str
    insurance_number: str | None
    first_name: str
    last_name: str
    father_name: str
    birth_date: str
    sex: str
    nationality: str
    id_card_number: str
    death_date: str | None
    branch: str | None

    @staticmethod
    def resolve_birth_date(obj) -> str:
        return format_jalali(obj.birth_date)

    @staticmethod
    def resolve_death_date(obj) -> str | None:
        return jalali_or_none(obj.death_date)

    @staticmethod
    def resolve_branch(obj) -> str | None:
        return obj.branch.code if obj.branch_id else None


class PersonIn(Schema):
    national_code: str
    first_name: str
    last_name: str
    father_name: str = ""
    birth_date: str
    sex: str
    nationality: str = "IR"
    id_card_number: str = ""
    mobile: str = ""
    branch: str | None = None


class PersonPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    father_name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    nationality: str | None = None
    id_card_number: str | None = None
    mobile: str | None = None
    death_date: str | None = None


class RelationOut(Schema):
    id: int
    person: str
    relative: str
    relative_name: str
    kind: str
    valid_from: str
    valid_to: str | None

    @staticmethod
    def resolve_person(obj) -> str:
        return obj.person.national_code

    @staticmethod
    def resolve_relative(obj) -> str:
        return obj.relative.national_code

    @staticmethod
    def resolve_relative_name(obj) -> str:
        return obj.relative.full_name

    @staticmethod
    def resolve_valid_from(obj) -> str:
        return format_jalali(obj.valid_from)

    @staticmethod
    def resolve_valid_to(obj) -> str | None:
        return jalali_or_none(obj.valid_to)


class RelationIn(Schema):
    relative: str
    kind: str
    valid_from: str
    valid_to: str | None = None


class EndIn(Schema):
    date: str


class EmployerOut(Schema):
    id: int
    kind: str
    name: str
    national_id: str | None
    national_code: str | None
    registration_number: str

    @staticmethod
    def resolve_national_code(obj) -> str | None:
        return obj.person.national_code if obj.person_id else None


class EmployerIn(Schema):
    kind: str
    name: str = ""
    national_id: str = ""
    national_code: str = ""
    registration_number: str = ""


class WorkshopOut(Schema):
    code: str
    name: str
    address: str
    postal_code: str
    branch: str
    activity_code: str
    activity: str
    employer: int
    employer_name: str
    status: str
    opened_on: str
    closed_on: str | None

    @staticmethod
    def resolve_branch(obj) -> str:
        return obj.branch.code

    @staticmethod
    def resolve_employer(obj) -> int:
        return obj.employer_id

    @staticmethod
    def resolve_employer_name(obj) -> str:
        return obj.employer.name

    @staticmethod
    def resolve_opened_on(obj) -> str:
        return format_jalali(obj.opened_on)

    @staticmethod
    def resolve_closed_on(obj) -> str | None:
        return jalali_or_none(obj.closed_on)


class WorkshopIn(Schema):
    name: str
    address: str
    postal_code: str = ""
    branch: str
    activity_code: str
    activity: str
    employer: int
    opened_on: str


class WorkshopPatch(Schema):
    name: str | None = None
    address: str | None = None
    postal_code: str | None = None
    status: str | None = None
    closed_on: str | None = None


class EmploymentOut(Schema):
    id: int
    national_code: str
    person_name: str
    workshop: str
    workshop_name: str
    start_date: str
    end_date: str | None
    job_code: str
    job_title: str

    @staticmethod
    def resolve_national_code(obj) -> str:
        return obj.person.national_code

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_workshop(obj) -> str:
        return obj.workshop.code

    @staticmethod
    def resolve_workshop_name(obj) -> str:
        return obj.workshop.name

    @staticmethod
    def resolve_start_date(obj) -> str:
        return format_jalali(obj.start_date)

    @staticmethod
    def resolve_end_date(obj) -> str | None:
        return jalali_or_none(obj.end_date)


class EmploymentIn(Schema):
    national_code: str
    workshop: str
    start_date: str
    job_code: str = ""
    job_title: str = ""


class EligibilityOut(Schema):
    national_code: str
    covered: bool
    basis: str
    through: str | None
    on: str
    reason: str


class MeOut(Schema):
    username: str
    role: str
    role_fa: str
    national_code: str | None
    employer: int | None
    branch: str | None
    province: str | None
