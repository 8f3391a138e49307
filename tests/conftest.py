"""Shared fixtures: a small registry with two branches in two provinces and one user per role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tamin.accounts.models import User
from tamin.accounts.roles import Role
from tamin.core.idcodes import with_check_digit
from tamin.registry.models import Branch, Employer, Employment, FamilyRelation, Person, Workshop

PASSWORD = "Tamin-test-password-1404"


def make_person(
    serial: int,
    first: str,
    last: str,
    sex: str = "male",
    born: dt.date | None = None,
    branch: Branch | None = None,
    insured: bool = True,
) -> Person:
    return Person.objects.create(
        national_code=with_check_digit(f"{serial:09d}"),
        insurance_number=f"{9000000000 + serial}" if insured else None,
        first_name=first,
        last_name=last,
        father_name="حسن",
        birth_date=born or dt.date(1985, 3, 21),
        sex=sex,
        branch=branch,
    )


def make_user(username: str, role: str, **scope: object) -> User:
    user = User(username=username, role=role, **scope)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    """Branch A (Tehran province) and branch B (Khuzestan), each with an employer, a workshop,
    a worker and the worker's family; one user per role scoped to side A, plus a few on side B."""
    branch_a = Branch.objects.filter(county__province__code="23").order_by("code").first()
    branch_b = Branch.objects.filter(county__province__code="06").order_by("code").first()
    assert branch_a and branch_b, "reference data migration did not load branches"
    w = SimpleNamespace(
        branch_a=branch_a,
        branch_b=branch_b,
        province_a=branch_a.county.province,
        province_b=branch_b.county.province,
    )
    w.worker_a = make_person(123456001, "علی", "رضایی", branch=branch_a)
    w.spouse_a = make_person(123456002, "زهرا", "رضایی", sex="female", insured=False)
    w.child_a = make_person(123456003, "مریم", "رضایی", sex="female", born=dt.date(2015, 5, 1), insured=False)
    w.worker_b = make_person(123456004, "حسین", "کریمی", branch=branch_b)
    w.owner_a = make_person(123456005, "محمد", "احمدی", branch=branch_a)
    w.unemployed = make_person(123456006, "رضا", "حسینی", insured=False)
    FamilyRelation.objects.create(
        person=w.worker_a, relative=w.spouse_a, kind="spouse", valid_from=dt.date(2010, 1, 1)
    )
    FamilyRelation.objects.create(
        person=w.worker_a, relative=w.child_a, kind="child", valid_from=dt.date(2015, 5, 1)
    )
    w.employer_a = Employer.objects.create(kind="natural", person=w.owner_a, name="محمد احمدی")
    w.employer_b = Employer.objects.create(kind="legal", name="شرکت نمونه جنوب", national_id="10380284790")
    w.workshop_a = Workshop.objects.create(
        code=f"{branch_a.code}3630001",
        name="تراشکاری احمدی",
        address="تهران، خیابان آزادی",
        branch=branch_a,
        activity_code="363",
        activity="تراشکاری",
        employer=w.employer_a,
        opened_on=dt.date(2005, 1, 1),
    )
    w.workshop_b = Workshop.objects.create(
        code=f"{branch_b.code}1010001",
        name="کارخانه جنوب",
        address="اهواز، کیانپارس",
        branch=branch_b,
        activity_code="101",
        activity="تولید",
        employer=w.employer_b,
        opened_on=dt.date(2000, 1, 1),
    )
    w.job_a = Employment.objects.create(
        person=w.worker_a, workshop=w.workshop_a, start_date=dt.date(2012, 4, 1), job_code="722301"
    )
    w.job_b = Employment.objects.create(
        person=w.worker_b, workshop=w.workshop_b, start_date=dt.date(2018, 4, 1), job_code="811101"
    )
    w.users = {
        Role.INSURED: make_user("insured-a", Role.INSURED, person=w.worker_a),
        Role.PENSIONER: make_user("pensioner-a", Role.PENSIONER, person=w.unemployed),
        Role.EMPLOYER: make_user("employer-a", Role.EMPLOYER, employer=w.employer_a),
        Role.PROVIDER: make_user("provider-a", Role.PROVIDER, provider_name="درمانگاه نمونه"),
        Role.BRANCH_STAFF: make_user("staff-a", Role.BRANCH_STAFF, branch=branch_a),
        Role.PROVINCE_MANAGER: make_user("manager-a", Role.PROVINCE_MANAGER, province=w.province_a),
        Role.HQ_MANAGER: make_user("hq", Role.HQ_MANAGER),
        Role.AUDITOR: make_user("auditor", Role.AUDITOR),
        Role.ADMIN: make_user("admin", Role.ADMIN),
    }
    w.staff_b = make_user("staff-b", Role.BRANCH_STAFF, branch=branch_b)
    w.insured_b = make_user("insured-b", Role.INSURED, person=w.worker_b)
    return w


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request: pytest.FixtureRequest) -> None:
    """argon2 is slow by design; tests that are about hashing ask for it with `real_hashing`."""
    if "real_hashing" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def real_hashing() -> None:
    """Marker fixture: keep the configured (argon2) password hashers."""


@pytest.fixture
def api_client():
    """A Django test client that speaks to the API with a bearer token or a session."""
    from django.test import Client

    return Client()
