"""The demo build: a small province, built directly (no migrate/wipe), checked for calibration,
consistency, the demo users' scopes and the audit chain."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from tamin.accounts import scope
from tamin.accounts.models import User
from tamin.accounts.roles import SCOPE_FIELD, Role
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.core.idcodes import is_valid_legal_id, is_valid_national_code, valid_national_codes
from tamin.demo import calibration
from tamin.demo.build import AUDIT_ACTION, BuildOptions, build
from tamin.demo.population import YEAR
from tamin.demo.workforce import job_titles
from tamin.registry.models import (
    Employer,
    Employment,
    FamilyRelation,
    Person,
    Sequence,
    Workshop,
)
from tamin.registry.services.identifiers import (
    INSURANCE_NUMBER_SEQUENCE,
    new_insurance_number,
    new_workshop_code,
)

PROVINCE = "18"  # Bushehr: small, young, and 80 % covered (published), which stresses the calibration
SCALE = 0.002  # about 2,500 people
REFERENCE = dt.date(2025, 10, 1)  # 1404/07/09


@pytest.fixture
def demo(db):
    return build(BuildOptions(scale=SCALE, seed=11, province=PROVINCE, today=REFERENCE))


def _plan() -> calibration.ProvincePlan:
    return calibration.plan(calibration.load(), SCALE, [PROVINCE])[0]


def test_national_codes_are_valid_and_unique(demo):
    codes = list(Person.objects.values_list("national_code", flat=True))
    assert len(codes) == demo.counts["persons"] == _plan().persons
    assert len(set(codes)) == len(codes)
    assert valid_national_codes(np.array(codes)).all()
    assert all(is_valid_national_code(c) for c in codes[:200])
    # Born since 1368: the identity card number is the national code.
    young = Person.objects.filter(birth_date__gte=dt.date(1989, 3, 21))
    assert young.exists()
    assert not young.exclude(id_card_number=F("national_code")).exists()
    assert set(Person.objects.values_list("nationality", flat=True)) == {"IR"}


def test_age_and_sex_follow_the_province_census(demo):
    cal = calibration.load()
    table = cal.provinces[PROVINCE].age_sex.astype(float)
    expected = table / table.sum()
    got = np.zeros_like(expected)
    for born, sex in Person.objects.values_list("birth_date", "sex"):
        age = (REFERENCE - born).days / YEAR
        got[min(int(age // 5), len(cal.age_groups) - 1), 0 if sex == "male" else 1] += 1
    got /= got.sum()
    distance = np.abs(got - expected).sum() / 2  # total variation
    assert distance < 0.02, distance
    # Bushehr has many more men than women (oil and port work): the demo must show it.
    assert got[:, 0].sum() == pytest.approx(expected[:, 0].sum(), abs=0.01)
    assert got[:, 0].sum() > 0.52


def test_covered_share_and_split_match_targets(demo):
    plan = _plan()
    persons = Person.objects.count()
    heads = Person.objects.filter(insurance_number__isnull=False)
    dependants = Person.objects.filter(insurance_number__isnull=True, relation_of__isnull=False).distinct()
    covered = heads.count() + dependants.count()
    target = calibration.load().provinces[PROVINCE].coverage.value
    assert covered / persons == pytest.approx(target, abs=0.02)
    assert covered == demo.counts["covered"]
    shares = calibration.load().split_shares()
    current = Employment.objects.filter(end_date__isnull=True)
    main = heads.filter(employments__in=current).distinct().count()
    pensioners = heads.exclude(employments__in=current).count()
    assert main == demo.counts["main_insured"] == plan.main_insured
    assert main / covered == pytest.approx(shares["main_insured"], abs=0.03)
    assert pensioners / covered == pytest.approx(shares["main_pensioners"], abs=0.03)
    # Every insured worker has exactly one current job; pensioners only ended ones.
    jobs = Counter(current.values_list("person_id", flat=True))
    assert set(jobs.values()) == {1}
    assert not heads.exclude(employments__isnull=False).exists()
    # Residents the SSO does not cover have no insurance number and no relations as heads.
    assert not Person.objects.filter(insurance_number__isnull=True, relations__isnull=False).exists()


def test_insurance_numbers_are_unique_and_reserved(demo):
    numbers = list(Person.objects.exclude(insurance_number=None).values_list("insurance_number", flat=True))
    assert len(numbers) == len(set(numbers)) == demo.counts["insurance_numbers"]
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
    assert Sequence.objects.get(name=INSURANCE_NUMBER_SEQUENCE).last == max(int(n) for n in numbers)
    # A registration after the demo gets the next number, not one of the demo's.
    assert int(new_insurance_number()) == max(int(n) for n in numbers) + 1


def test_family_relations_are_consistent(demo):
    rels = FamilyRelation.objects.select_related("person", "relative")
    assert rels.count() == demo.counts["relations"] > 0
    for r in rels:
        assert r.person.insurance_number, "relations hang from a covered head"
        assert r.valid_from <= REFERENCE and r.valid_to is None
        if r.kind == "child":
            assert r.relative.birth_date > r.person.birth_date
            assert (r.relative.birth_date - r.person.birth_date).days >= 18 * 365
            assert r.valid_from == r.relative.birth_date
            assert r.relative.last_name == r.person.last_name
            assert r.relative.father_name == r.person.first_name
        else:
            assert r.kind == "spouse"
            assert r.person.sex != r.relative.sex
            assert r.valid_from >= max(r.person.birth_date, r.relative.birth_date) + dt.timedelta(
                days=16 * 365
            )
    # No one is married twice or a child of two heads.
    assert not rels.values("relative").annotate(n=Count("id")).filter(n__gt=1).exists()
    # A marriage comes before the children.
    first_child = {}
    for head, born in rels.filter(kind="child").values_list("person_id", "valid_from"):
        first_child[head] = min(born, first_child.get(head, born))
    for head, married in rels.filter(kind="spouse").values_list("person_id", "valid_from"):
        assert head not in first_child or married < first_child[head]


def test_workshops_employers_and_jobs(demo):
    workshops = list(Workshop.objects.select_related("branch", "employer"))
    assert len(workshops) == demo.counts["workshops"] == _plan().workshops
    codes = [w.code for w in workshops]
    assert len(set(codes)) == len(codes)
    for w in workshops:
        assert len(w.code) == 10 and w.code.isdigit()
        assert w.code[:3] == w.branch.code and w.code[3:6] == w.activity_code
        assert w.branch.county.province.code == PROVINCE
        assert w.status == "active" and w.name and w.address and len(w.postal_code) == 10
    for e in Employer.objects.all():
        if e.kind == "legal":
            assert is_valid_legal_id(e.national_id) and e.person_id is None
        else:
            assert e.person_id and e.national_id is None and e.name == e.person.full_name
    # Later registrations continue each branch/activity series after the demo's workshops.
    w = workshops[0]
    assert new_workshop_code(w.branch, w.activity_code) not in codes
    titles = job_titles()
    jobs = Employment.objects.values_list(
        "job_code", "job_title", "start_date", "end_date", "workshop__opened_on", "person__birth_date"
    )
    for code, title, start, end, opened, born in jobs:
        assert titles[code] == title
        assert opened <= start <= REFERENCE
        assert end is None or start <= end <= REFERENCE
        assert (start - born).days >= 16 * 365
    assert Employment.objects.filter(end_date__isnull=False).count() > 0  # job history


def test_demo_users_are_scoped_to_real_data(demo):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {f"demo-{r.value}" for r in Role}
    passwords = {u.username: u.password for u in demo.users}
    for role in Role:
        user = users[f"demo-{role.value}"]
        assert user.role == role
        assert len(passwords[user.username]) >= 12
        assert user.check_password(passwords[user.username])
        if SCOPE_FIELD[role]:
            assert user.scope_object is not None
    insured, employer = users["demo-insured"], users["demo-employer"]
    staff, manager = users["demo-branch_staff"], users["demo-province_manager"]
    job = Employment.objects.select_related("workshop").get(person=insured.person, end_date__isnull=True)
    assert job.workshop.branch_id == staff.branch_id
    assert job.workshop.employer_id == employer.employer_id
    assert manager.province_id == staff.branch.county.province_id
    assert insured.person.insurance_number
    kinds = set(FamilyRelation.objects.filter(person=insured.person).values_list("kind", flat=True))
    assert kinds == {"spouse", "child"}
    pensioner = users["demo-pensioner"].person
    assert pensioner.insurance_number and pensioner.is_pensioner
    assert not users["demo-insured"].person.is_pensioner
    assert not pensioner.employments.filter(end_date__isnull=True).exists()
    assert pensioner.employments.filter(end_date__lte=REFERENCE).exists()
    assert users["demo-provider"].provider_name
    # Through the deny-by-default scopes: the employer and the branch see the insured worker.
    assert scope.persons(employer).filter(pk=insured.person_id).exists()
    assert scope.workshops(employer).filter(pk=job.workshop_id).exists()
    assert scope.persons(staff).filter(pk=insured.person_id).exists()
    assert scope.family_relations(staff).filter(person=insured.person).count() >= 2
    assert scope.persons(insured).count() == 1
    assert users["demo-admin"].is_superuser and not users["demo-insured"].is_staff


def test_one_audit_entry_and_the_chain_verifies(demo):
    entries = AuditEntry.objects.all()
    assert entries.count() == 1
    entry = entries.get()
    assert entry.action == AUDIT_ACTION and entry.actor_id is None and entry.actor_name == "system"
    assert entry.after["seed"] == 11 and entry.after["counts"]["persons"] == demo.counts["persons"]
    assert verify().ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--province", "99"], "unknown province"),
        (["--province", "Tehran"], "unknown province"),
        (["--scale", "0"], "--scale"),
        (["--scale", "-0.01"], "--scale"),
        (["--scale", "0.06"], "--scale"),
        (["--port", "0"], "--port"),
        (["--date", "1404/13/01"], "--date"),
        (["--date", "yesterday"], "--date"),
    ],
)
def test_bad_options_are_command_errors(args, message):
    # Checked before the database is touched: no `db` fixture needed.
    with pytest.raises(CommandError, match=message):
        call_command("demo", "--no-serve", *args)


def test_refuses_to_wipe_data_it_did_not_make(db):
    Person.objects.create(
        national_code="0012345679",
        first_name="علی",
        last_name="رضایی",
        birth_date=dt.date(1980, 1, 1),
        sex="male",
    )
    with pytest.raises(CommandError, match="did not create"):
        call_command("demo", "--no-serve", "--province", "18", "--scale", "0.0005")
    assert Person.objects.count() == 1
