"""The registry API: shapes, Jalali dates, and bad input answered with 4xx, a code, a message and a field."""

from __future__ import annotations

import json

import pytest

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.idcodes import with_check_digit
from tamin.registry.models import Person, Workshop

NEW = with_check_digit("012345670")


@pytest.fixture
def staff(world, client):
    token = ApiToken.issue(world.users[Role.BRANCH_STAFF])[1]

    def call(method: str, path: str, body: object = None, raw: str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return client.generic(
            method,
            "/api/v1" + path,
            data=data,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_openapi_document(client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Tamin API"
    assert "/api/v1/persons" in doc["paths"] and "/api/v1/workshops/{code}" in doc["paths"]
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_person_json_uses_english_fields_and_jalali_dates(world, staff) -> None:
    body = staff("GET", f"/persons/{world.worker_a.national_code}").json()
    assert body["first_name"] == "علی" and body["birth_date"] == "1364/01/01"
    assert body["sex"] == "male" and body["branch"] == world.branch_a.code
    jobs = staff("GET", f"/persons/{world.worker_a.national_code}/employments").json()
    assert jobs[0]["start_date"] == "1391/01/13" and jobs[0]["end_date"] is None
    family = staff("GET", f"/persons/{world.worker_a.national_code}/family").json()
    assert {f["kind"] for f in family} == {"spouse", "child"}


def test_register_then_duplicate(world, staff) -> None:
    payload = {
        "national_code": NEW,
        "first_name": "سارا",
        "last_name": "محمدي",
        "birth_date": "1375/02/03",
        "sex": "female",
        "mobile": "09121112233",
    }
    created = staff("POST", "/persons", payload)
    assert created.status_code == 201, created.content
    assert created.json()["last_name"] == "محمدی" and created.json()["insurance_number"]
    again = staff(
        "POST", "/persons", {**payload, "national_code": NEW.lstrip("0")}
    )  # the same code, unpadded
    assert again.status_code == 409
    assert again.json()["errors"] == [
        {
            "code": "person.duplicate",
            "message": "شخصی با این کد ملی پیش‌تر ثبت شده است.",
            "field": "national_code",
        }
    ]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"national_code": "0012345678"}, "national_code.checksum", "national_code"),
        ({"national_code": "1111111111"}, "national_code.same_digits", "national_code"),
        ({"national_code": "12ab"}, "national_code.format", "national_code"),
        ({"birth_date": "1403/07/31"}, None, "birth_date"),
        ({"birth_date": "14030"}, None, "birth_date"),
        ({"branch": "999"}, "branch.unknown", "branch"),
        ({"sex": "unknown"}, "sex.invalid", "sex"),
        ({"mobile": "1234"}, "mobile.format", "mobile"),
    ],
)
def test_bad_registration_is_refused_whole(world, staff, change, code, field) -> None:
    payload = {
        "national_code": NEW,
        "first_name": "سارا",
        "last_name": "محمدی",
        "birth_date": "1375/02/03",
        "sex": "female",
        **change,
    }
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = staff("POST", "/persons", payload)
    assert 400 <= response.status_code < 500
    errors = response.json()["errors"]
    assert any(e["field"] == field and (code is None or e["code"] == code) for e in errors), errors
    assert all(e["message"] and any("\u0600" <= ch <= "\u06ff" for ch in e["message"]) for e in errors)
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


def test_malformed_requests_get_400_with_the_field(world, staff) -> None:
    missing = staff("POST", "/persons", {"first_name": "سارا"})
    assert missing.status_code == 400
    fields = {e["field"] for e in missing.json()["errors"]}
    assert {"national_code", "last_name", "birth_date", "sex"} <= fields
    assert all(e["code"] == "request.invalid" for e in missing.json()["errors"])
    garbage = staff("POST", "/persons", raw="{not json")
    assert garbage.status_code == 400
    wrong_type = staff(
        "POST",
        "/workshops",
        {
            "name": "x",
            "address": "y",
            "branch": "001",
            "activity_code": "363",
            "activity": "z",
            "employer": "not-a-number",
            "opened_on": "1404/01/01",
        },
    )
    assert wrong_type.status_code == 400 and wrong_type.json()["errors"][0]["field"] == "employer"


def test_unknown_province_and_bad_lookups(world, staff) -> None:
    assert staff("GET", "/provinces/99").json()["errors"][0]["code"] == "province.unknown"
    assert staff("GET", "/provinces/99").status_code == 404
    bad = staff("GET", "/persons/0000000001")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "national_code"
    eligibility = staff("GET", f"/eligibility/{world.worker_a.national_code}?on=1404/13/01")
    assert eligibility.status_code == 400 and eligibility.json()["errors"][0]["field"] == "on"


def test_workshop_registration_issues_a_code(world, staff) -> None:
    response = staff(
        "POST",
        "/workshops",
        {
            "name": "نانوايي سنگك",
            "address": "تهران، ونک",
            "branch": world.branch_a.code,
            "activity_code": "155",
            "activity": "نانوایی",
            "employer": world.employer_a.pk,
            "opened_on": "۱۴۰۴/۰۱/۱۰",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith(world.branch_a.code + "155") and len(body["code"]) == 10
    assert body["name"] == "نانوایی سنگک" and body["opened_on"] == "1404/01/10"
    assert Workshop.objects.filter(code=body["code"]).exists()
    other_branch = staff(
        "POST",
        "/workshops",
        {
            "name": "x",
            "address": "y",
            "branch": world.branch_b.code,
            "activity_code": "155",
            "activity": "نانوایی",
            "employer": world.employer_a.pk,
            "opened_on": "1404/01/10",
        },
    )
    assert other_branch.status_code == 400
    assert other_branch.json()["errors"][0]["code"] == "branch.not_yours"


def test_session_writes_need_csrf(world) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users[Role.BRANCH_STAFF])
    assert browser.get("/api/v1/me").json()["role"] == "branch_staff"
    response = browser.patch(
        f"/api/v1/persons/{world.worker_a.national_code}",
        data='{"mobile": "09120000000"}',
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=world.worker_a.pk).mobile == ""


@pytest.mark.parametrize(
    "field",
    [
        "national_code",
        "first_name",
        "last_name",
        "father_name",
        "birth_date",
        "sex",
        "nationality",
        "id_card_number",
        "mobile",
        "branch",
    ],
)
def test_control_characters_are_refused_by_field(world, staff, field: str) -> None:
    # PostgreSQL cannot store NUL in text; it must be a 400 naming the field, never a 500.
    payload = {
        "national_code": NEW,
        "first_name": "سارا",
        "last_name": "محمدی",
        "birth_date": "1375/02/03",
        "sex": "female",
        "branch": world.branch_a.code,
    }
    payload[field] = str(payload.get(field, "")) + "\x00\x07"
    response = staff("POST", "/persons", payload)
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Person.objects.filter(national_code=NEW).exists()
