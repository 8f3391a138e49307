"""The insurance history and objections over the API: totals, scope, filing, the queue, resolving."""

from __future__ import annotations

import json

import pytest

from tamin.accounts.models import ApiToken
from tamin.accounts.permissions import WRITERS
from tamin.accounts.roles import Role
from tamin.records import services
from tamin.records.models import HistoryMonth, Objection
from tests.records.test_history import month, second_workshop  # noqa: F401  (fixture)

R = Role


def call(client, user, method: str, path: str, body: dict | None = None):
    token = ApiToken.issue(user)[1]
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def objection(world, **change):
    return {
        "workshop": world.workshop_a.code,
        "year": 1403,
        "month": 5,
        "kind": "missing",
        "statement": "در این ماه کار کرده‌ام",
        "claimed_days": 31,
        "claimed_wage": 120_000_000,
    } | change


def test_resolver_row_matches_the_service():
    assert WRITERS["objection.resolve"] == services.RESOLVERS


def test_history_months_yearly_totals_and_whole_years(client, world, second_workshop):  # noqa: F811
    w = world.worker_a
    for m in range(1, 13):
        month(w, world.workshop_a, 1402, m, 31 if m <= 6 else 30 if m < 12 else 29)
    month(w, second_workshop, 1402, 1, 31)
    month(w, world.workshop_a, 1403, 1, 10)
    response = call(client, world.users[R.INSURED], "GET", f"/persons/{w.national_code}/history")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total_days"], body["total_years"], body["remaining_days"], body["days_per_year"]) == (
        375,
        1,
        10,
        365,
    )
    assert [(y["year"], y["days"], y["reported_days"], y["months"]) for y in body["years"]] == [
        (1402, 365, 396, 12),
        (1403, 10, 10, 1),
    ]
    assert len(body["months"]) == 14 and body["national_code"] == w.national_code
    first = body["months"][0]
    assert first["period"] == "1402/01" and first["days"] == 31 and first["wage_subject"] == 100_000_000
    assert first["source_list"] is None
    # The employer sees only what its own workshop reported.
    mine = call(client, world.users[R.EMPLOYER], "GET", f"/persons/{w.national_code}/history").json()
    assert {m["workshop"] for m in mine["months"]} == {world.workshop_a.code}
    assert mine["total_days"] == 375


def test_history_refusals(client, world):
    month(world.worker_a, world.workshop_a, 1403, 1, 31)
    path = f"/persons/{world.worker_a.national_code}/history"
    for user in (world.insured_b, world.staff_b, world.users[R.PENSIONER], world.users[R.PROVIDER]):
        response = call(client, user, "GET", path)
        assert response.status_code == 403, user.username
        assert response.json()["errors"][0]["code"] == "auth.out_of_scope"
        assert "wage_subject" not in response.content.decode()
    assert call(client, world.users[R.INSURED], "GET", "/persons/12345/history").status_code == 400
    anonymous = client.get("/api/v1" + path)
    assert anonymous.status_code == 401


def test_file_objection_and_who_may(client, world):
    path = f"/persons/{world.worker_a.national_code}/objections"
    response = call(client, world.users[R.INSURED], "POST", path, objection(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["kind"], body["year"], body["month"], body["claimed_days"]) == (
        "open",
        "missing",
        1403,
        5,
        31,
    )
    assert body["national_code"] == world.worker_a.national_code and body["filed_on"]
    for user, status, code in [
        (world.users[R.EMPLOYER], 403, "auth.forbidden"),
        (world.users[R.PROVINCE_MANAGER], 403, "auth.forbidden"),
        (world.insured_b, 403, "auth.out_of_scope"),
        (world.staff_b, 403, "auth.out_of_scope"),
    ]:
        refused = call(client, user, "POST", path, objection(world, month=6))
        assert (refused.status_code, refused.json()["errors"][0]["code"]) == (status, code), user.username
    staff = call(client, world.users[R.BRANCH_STAFF], "POST", path, objection(world, month=7))
    assert staff.status_code == 201  # on the person's behalf, at the counter
    assert Objection.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"kind": "wrong"}, 404, "objection.no_month", "kind"),  # nothing recorded to call wrong
        ({"kind": "other"}, 400, "objection.kind", "kind"),
        ({"statement": "  "}, 400, "objection.statement", "statement"),
        ({"workshop": "0000000000"}, 400, "workshop.unknown", "workshop"),
        ({"month": 13}, 400, "request.invalid", "month"),
        ({"claimed_days": 40}, 400, "objection.days", "claimed_days"),
        ({"claimed_wage": 10**20}, 400, "request.invalid", "claimed_wage"),
        ({"claimed_wage": 1.5}, 400, "request.invalid", "claimed_wage"),
    ],
)
def test_objection_input_is_checked(client, world, change, status, code, field):
    path = f"/persons/{world.worker_a.national_code}/objections"
    response = call(client, world.users[R.INSURED], "POST", path, objection(world, **change))
    assert response.status_code == status, response.content
    error = response.json()["errors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert not Objection.objects.exists()


def test_objection_for_a_month_already_recorded_must_say_wrong(client, world):
    month(world.worker_a, world.workshop_a, 1403, 5, 10)
    path = f"/persons/{world.worker_a.national_code}/objections"
    clash = call(client, world.users[R.INSURED], "POST", path, objection(world))
    assert clash.status_code == 409 and clash.json()["errors"][0]["code"] == "objection.month_exists"
    assert (
        call(client, world.users[R.INSURED], "POST", path, objection(world, kind="wrong")).status_code == 201
    )


def _file(world, person=None, m=5):
    person = person or world.worker_a
    user = world.users[R.INSURED] if person == world.worker_a else world.insured_b
    workshop = world.workshop_a if person == world.worker_a else world.workshop_b
    return services.file_objection(
        user, person, workshop=workshop, year=1403, month=m, kind="missing", statement="کار کرده‌ام"
    )


def test_objection_list_is_scoped(client, world):
    a = _file(world)
    b = _file(world, world.worker_b)
    seen = {
        R.INSURED: {a.pk},
        R.PENSIONER: set(),
        R.EMPLOYER: set(),
        R.PROVIDER: set(),
        R.BRANCH_STAFF: {a.pk},
        R.PROVINCE_MANAGER: {a.pk},
        R.HQ_MANAGER: {a.pk, b.pk},
        R.AUDITOR: {a.pk, b.pk},
    }
    for role, ids in seen.items():
        body = call(client, world.users[role], "GET", "/objections").json()
        assert {o["id"] for o in body["items"]} == ids, role
    assert {o["id"] for o in call(client, world.staff_b, "GET", "/objections").json()["items"]} == {b.pk}
    services.resolve_objection(world.users[R.BRANCH_STAFF], a, accept=False, reason="سابقه‌ای نیست")
    staff = world.users[R.BRANCH_STAFF]
    assert call(client, staff, "GET", "/objections?status=open").json()["count"] == 0
    rejected = call(client, staff, "GET", "/objections?status=rejected").json()["items"]
    assert [(o["id"], o["status_fa"], o["resolution"]) for o in rejected] == [(a.pk, "ردشده", "سابقه‌ای نیست")]
    bad = call(client, staff, "GET", "/objections?status=lost")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"


def test_resolve_accept_adds_the_month_and_cannot_be_resolved_twice(client, world):
    obj = _file(world)
    path = f"/objections/{obj.pk}/resolve"
    accept = {"accept": True, "reason": "فیش حقوقی دیده شد", "days": 31, "wage_subject": 120_000_000}
    for user, status, code in [
        (world.users[R.INSURED], 403, "auth.forbidden"),  # the person cannot decide their own case
        (world.users[R.EMPLOYER], 403, "auth.forbidden"),
        (world.users[R.PROVINCE_MANAGER], 403, "auth.forbidden"),
        (world.staff_b, 403, "auth.out_of_scope"),
        (world.users[R.HQ_MANAGER], 403, "auth.forbidden"),
    ]:
        refused = call(client, user, "POST", path, accept)
        assert (refused.status_code, refused.json()["errors"][0]["code"]) == (status, code), user.username
    short = call(client, world.users[R.BRANCH_STAFF], "POST", path, accept | {"days": 32})
    assert short.status_code == 400 and short.json()["errors"][0]["code"] == "objection.days"
    done = call(client, world.users[R.BRANCH_STAFF], "POST", path, accept)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["resolved_on"] is not None) == ("accepted", True)
    hm = HistoryMonth.objects.get(person=world.worker_a, year=1403, month=5)
    assert (hm.days, hm.wage_subject, hm.source_list) == (31, 120_000_000, None)
    again = call(client, world.users[R.BRANCH_STAFF], "POST", path, {"accept": False, "reason": "دوباره"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "objection.resolved"


def test_resolve_reject_needs_a_reason_and_unknown_ids(client, world):
    obj = _file(world)
    staff = world.users[R.BRANCH_STAFF]
    blank = call(client, staff, "POST", f"/objections/{obj.pk}/resolve", {"accept": False, "reason": " "})
    assert blank.status_code == 400 and blank.json()["errors"][0]["code"] == "objection.reason"
    done = call(client, staff, "POST", f"/objections/{obj.pk}/resolve", {"accept": False, "reason": "نبود"})
    assert done.json()["status"] == "rejected" and not HistoryMonth.objects.exists()
    missing = call(
        client, world.users[R.ADMIN], "POST", "/objections/999999/resolve", {"accept": False, "reason": "x"}
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "objection.not_found"
    hidden = call(client, staff, "POST", "/objections/999999/resolve", {"accept": False, "reason": "x"})
    assert hidden.status_code == 403  # outside a nationwide view, absent and not-yours read the same
    huge = call(client, staff, "POST", f"/objections/{2**40}/resolve", {"accept": False, "reason": "x"})
    assert huge.status_code == 400
