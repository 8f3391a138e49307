"""Walks every API operation with every role (and no credentials) and checks who gets what.

The table is explicit; an operation added to the API without a row here fails
`test_every_operation_has_a_row`. Each request runs in a savepoint that is rolled back, so a write
by one role cannot change the next role's answer.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.api import api
from tamin.core.idcodes import with_check_digit

R = Role
ANON = "anonymous"
ALL = [r.value for r in Role]


def only(status: int, *roles: str, others: int = 403) -> dict[str, int]:
    table = {role: (status if role in roles else others) for role in ALL}
    table[ANON] = 401
    return table


def every(status: int) -> dict[str, int]:
    return only(status, *ALL)


READ_PERSON_A = only(
    200, R.INSURED, R.EMPLOYER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN
)
READ_WORKSHOP_A = READ_PERSON_A
READ_DEBT_A = only(200, R.EMPLOYER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN)

# (method, path template) -> (path values, body, expected status per role)
MATRIX: dict[tuple[str, str], tuple[dict, dict | None, dict[str, int]]] = {
    ("GET", "/me"): ({}, None, every(200)),
    ("GET", "/provinces"): ({}, None, every(200)),
    ("GET", "/provinces/{code}"): ({"code": "23"}, None, every(200)),
    ("GET", "/provinces/{code}/counties"): ({"code": "23"}, None, every(200)),
    ("GET", "/branches"): ({}, None, every(200)),
    ("GET", "/persons"): ({}, None, every(200)),
    ("POST", "/persons"): (
        {},
        {
            "national_code": with_check_digit("012345670"),
            "first_name": "سارا",
            "last_name": "محمدی",
            "birth_date": "1375/02/03",
            "sex": "female",
        },
        only(201, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/persons/{national_code}"): ({"national_code": "worker_a"}, None, READ_PERSON_A),
    ("PATCH", "/persons/{national_code}"): (
        {"national_code": "worker_a"},
        {"mobile": "09121234567"},
        only(200, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("POST", "/persons/{national_code}/insurance-number"): (
        {"national_code": "child_a"},
        None,
        only(200, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/persons/{national_code}/family"): ({"national_code": "worker_a"}, None, READ_PERSON_A),
    ("POST", "/persons/{national_code}/family"): (
        {"national_code": "worker_a"},
        {"relative": "unemployed", "kind": "spouse", "valid_from": "1400/01/01"},
        only(201, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("POST", "/family-relations/{relation_id}/end"): (
        {"relation_id": "spouse_relation"},
        {"date": "1402/01/01"},
        {**only(200, R.BRANCH_STAFF, R.ADMIN), R.HQ_MANAGER: 403, R.AUDITOR: 403},
    ),
    ("GET", "/persons/{national_code}/employments"): ({"national_code": "worker_a"}, None, READ_PERSON_A),
    ("GET", "/employers"): ({}, None, every(200)),
    ("POST", "/employers"): (
        {},
        {"kind": "legal", "name": "شرکت تازه", "national_id": "14000123453"},
        only(201, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/employers/{employer_id}"): (
        {"employer_id": "employer_a"},
        None,
        only(200, R.EMPLOYER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    ("GET", "/workshops"): ({}, None, every(200)),
    ("POST", "/workshops"): (
        {},
        {
            "name": "کارگاه تازه",
            "address": "تهران",
            "branch": "branch_a",
            "activity_code": "363",
            "activity": "تراشکاری",
            "employer": "employer_a",
            "opened_on": "1404/01/10",
        },
        only(201, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/workshops/{code}"): ({"code": "workshop_a"}, None, READ_WORKSHOP_A),
    ("PATCH", "/workshops/{code}"): (
        {"code": "workshop_a"},
        {"name": "تراشکاری نو"},
        only(200, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/workshops/{code}/employments"): ({"code": "workshop_a"}, None, READ_WORKSHOP_A),
    ("POST", "/employments"): (
        {},
        {"national_code": "unemployed", "workshop": "workshop_a", "start_date": "1404/01/15"},
        only(201, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("POST", "/employments/{employment_id}/end"): (
        {"employment_id": "job_a"},
        {"date": "1404/01/31"},
        only(200, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/eligibility/{national_code}"): (
        {"national_code": "worker_a"},
        None,
        only(200, R.PROVIDER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.ADMIN),
    ),
    ("GET", "/tokens"): ({}, None, every(200)),
    ("POST", "/tokens/{token_id}/revoke"): (
        {"token_id": "employer_token"},
        None,
        {**only(200, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN), R.HQ_MANAGER: 404, R.AUDITOR: 404},
    ),
    ("GET", "/audit"): ({}, None, only(200, R.AUDITOR, R.ADMIN)),
    ("GET", "/audit/verify"): ({}, None, only(200, R.AUDITOR, R.ADMIN)),
    # relief: debts are for the employer and SSO staff only. The world has no bills, so a request that
    # passes the access checks is refused for its zero debt (400); agreement 999999 does not exist, which
    # nationwide readers are told (404) and everyone else hears as "not yours" (403).
    ("GET", "/workshops/{code}/installments"): ({"code": "workshop_a"}, None, READ_DEBT_A),
    ("POST", "/workshops/{code}/installments"): (
        {"code": "workshop_a"},
        {"months": 12, "on": "1404/02/10"},
        only(400, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/installments/{agreement_id}"): (
        {"agreement_id": "999999"},
        None,
        only(404, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    ("POST", "/installments/{agreement_id}/approve"): (
        {"agreement_id": "999999"},
        {"on": "1404/02/15"},
        only(404, R.ADMIN),
    ),
    ("POST", "/installments/{agreement_id}/reject"): (
        {"agreement_id": "999999"},
        {"note": "بدهی قطعی نیست"},
        only(404, R.ADMIN),
    ),
    ("GET", "/workshops/{code}/relief"): ({"code": "workshop_a"}, None, READ_DEBT_A),
    ("GET", "/forgiveness/campaigns"): ({}, None, READ_DEBT_A),
    # wage lists: the walker sends no files, so a sender who passes the role check hears `upload.missing`
    # (400); the world has no posted list, so list 999999 is "not found" only to nationwide readers.
    ("POST", "/wagelists/check"): ({}, None, only(400, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN)),
    ("POST", "/wagelists"): ({}, None, only(400, R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN)),
    ("GET", "/wagelists"): ({}, None, READ_DEBT_A),
    ("GET", "/wagelists/{list_id}"): (
        {"list_id": "999999"},
        None,
        only(404, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    # debts and payments: the world has no bills, so a statement is empty but readable; a payment is
    # recorded (and rolled back) by the workshop's branch and the admin only.
    ("GET", "/workshops/{code}/statement"): ({"code": "workshop_a"}, None, READ_DEBT_A),
    ("GET", "/workshops/{code}/statement.pdf"): ({"code": "workshop_a"}, None, READ_DEBT_A),
    ("GET", "/workshops/{code}/payments"): ({"code": "workshop_a"}, None, READ_DEBT_A),
    ("POST", "/payments"): (
        {},
        {"reference": "AUTHZ-0001", "workshop": "workshop_a", "amount": 1_000_000, "paid_on": "1404/03/05"},
        only(201, R.BRANCH_STAFF, R.ADMIN),
    ),
    # insurance history: the person, their employer (its own months), their branch and up; objections
    # are filed by the person or at their branch, resolved by the branch (999999 does not exist).
    ("GET", "/persons/{national_code}/history"): ({"national_code": "worker_a"}, None, READ_PERSON_A),
    ("POST", "/persons/{national_code}/objections"): (
        {"national_code": "worker_a"},
        {"workshop": "workshop_a", "year": 1403, "month": 5, "kind": "missing", "statement": "کار کرده‌ام"},
        only(201, R.INSURED, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/objections"): ({}, None, every(200)),
    ("POST", "/objections/{objection_id}/resolve"): (
        {"objection_id": "999999"},
        {"accept": False, "reason": "سابقه‌ای نیست"},
        only(404, R.ADMIN),
    ),
    # pension claims: the person's own and SSO staff in scope read them (never the employer); the insured
    # applies for themself, branch staff and the admin for people in scope; only they prepare, approve,
    # reject. The world has no claim, so 999999 is "not found" to nationwide readers, "not yours" to others.
    ("GET", "/persons/{national_code}/pension-conditions"): (
        {"national_code": "worker_a"},
        None,
        only(200, R.INSURED, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    ("POST", "/pension-claims"): (
        {},
        {"national_code": "worker_a", "kind": "retirement", "application_date": "1404/07/15"},
        only(201, R.INSURED, R.BRANCH_STAFF, R.ADMIN),
    ),
    ("GET", "/pension-claims"): ({}, None, every(200)),
    ("GET", "/pension-claims/{claim_id}"): (
        {"claim_id": "999999"},
        None,
        only(404, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    ("POST", "/pension-claims/{claim_id}/prepare"): (
        {"claim_id": "999999"},
        {"notes": ""},
        only(404, R.ADMIN),
    ),
    ("POST", "/pension-claims/{claim_id}/approve"): ({"claim_id": "999999"}, None, only(404, R.ADMIN)),
    ("POST", "/pension-claims/{claim_id}/reject"): (
        {"claim_id": "999999"},
        {"reason": "مدارک ناقص است"},
        only(404, R.ADMIN),
    ),
    ("POST", "/pension-claims/{claim_id}/withdraw"): ({"claim_id": "999999"}, None, only(404, R.ADMIN)),
    ("GET", "/pension-claims/{claim_id}/award.pdf"): (
        {"claim_id": "999999"},
        None,
        only(404, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
    # pension estimate: the insured asks for their own, staff name a person in scope; with no date (and,
    # for staff, no national code) the answer is 400 naming the field; other roles are refused.
    ("GET", "/pensions/estimate"): (
        {},
        None,
        only(400, R.INSURED, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN),
    ),
}


def _operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    prefix = "/api/v1"
    return {
        (method.upper(), path[len(prefix) :])
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_has_a_row() -> None:
    assert _operations() == set(MATRIX)


def _resolve(world, value: str) -> str:
    """Path and body values name fixtures of the `world`; the rest are literal."""
    if value == "spouse_relation":
        return str(world.worker_a.relations.get(kind="spouse").pk)
    if value == "employer_token":
        return str(world.employer_token.pk)
    obj = getattr(world, value, None)
    if obj is None:
        return value
    for attr in ("national_code", "code"):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    return str(obj.pk)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda v: str(v))
def test_operation_by_role(world, client, method: str, path: str) -> None:
    values, body, expected = MATRIX[(method, path)]
    world.employer_token, _ = ApiToken.issue(world.users[R.EMPLOYER], "payroll")
    tokens = {role: ApiToken.issue(user)[1] for role, user in world.users.items()}
    url = "/api/v1" + path.format(**{k: _resolve(world, v) for k, v in values.items()})
    payload = {k: _resolve(world, v) if isinstance(v, str) else v for k, v in (body or {}).items()}
    if "employer" in payload:
        payload["employer"] = int(payload["employer"])
    got = {}
    for who in [ANON, *ALL]:
        headers = {} if who == ANON else {"Authorization": f"Bearer {tokens[who]}"}
        with transaction.atomic():
            response = client.generic(
                method,
                url,
                data=__import__("json").dumps(payload) if body else "",
                content_type="application/json",
                headers=headers,
            )
            transaction.set_rollback(True)
        got[who] = response.status_code
        if response.status_code >= 400:
            errors = response.json()["errors"]
            assert errors and all({"code", "message", "field"} <= set(e) for e in errors), response.content
    assert got == expected


def test_cross_scope_requests_are_refused(world, client) -> None:
    """Side A users against side B records, and the reverse: every one refused, none leaks data."""
    cases = [
        (world.users[R.INSURED], "GET", f"/persons/{world.worker_b.national_code}"),
        (world.insured_b, "GET", f"/persons/{world.worker_a.national_code}"),
        (world.users[R.BRANCH_STAFF], "GET", f"/persons/{world.worker_b.national_code}"),
        (world.staff_b, "PATCH", f"/persons/{world.worker_a.national_code}"),
        (world.users[R.EMPLOYER], "GET", f"/workshops/{world.workshop_b.code}"),
        (world.users[R.EMPLOYER], "GET", f"/persons/{world.worker_b.national_code}"),
        (world.users[R.PROVINCE_MANAGER], "GET", f"/workshops/{world.workshop_b.code}"),
        (world.users[R.INSURED], "GET", f"/persons/{world.child_a.national_code}"),
    ]
    for user, method, path in cases:
        token = ApiToken.issue(user)[1]
        response = client.generic(
            method,
            "/api/v1" + path,
            data='{"mobile": "09120000000"}',
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403, (user.username, path)
        assert response.json()["errors"][0]["code"] == "auth.out_of_scope"
        assert world.worker_b.last_name not in response.content.decode()


def test_lists_are_scoped(world, client) -> None:
    expected = {
        R.INSURED: {world.worker_a.national_code},
        R.PENSIONER: {world.unemployed.national_code},
        R.EMPLOYER: {world.worker_a.national_code},
        R.PROVIDER: set(),
        R.BRANCH_STAFF: {
            world.worker_a.national_code,
            world.owner_a.national_code,
            world.spouse_a.national_code,
            world.child_a.national_code,
        },
    }
    for role, codes in expected.items():
        token = ApiToken.issue(world.users[role])[1]
        body = client.get("/api/v1/persons?limit=100", headers={"Authorization": f"Bearer {token}"}).json()
        assert {p["national_code"] for p in body["items"]} == codes, role
    hq = ApiToken.issue(world.users[R.HQ_MANAGER])[1]
    body = client.get("/api/v1/workshops", headers={"Authorization": f"Bearer {hq}"}).json()
    assert body["count"] == 2
