"""The wage-list API: check without writing, send (posted / unchanged / rejected), read in scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions import dbf, submission
from tamin.contributions.models import Bill, ContributionList, ListRow
from tamin.registry.models import Person
from tests.contributions.db_factories import national_codes, wage_list
from tests.contributions.factories import sample_paths

R = Role


def pair(wl, kar_name: str = "DSKKAR00.DBF", wor_name: str = "DSKWOR00.DBF") -> dict[str, SimpleUploadedFile]:
    kar, wor = dbf.list_bytes(wl)
    return {"kar": SimpleUploadedFile(kar_name, kar), "wor": SimpleUploadedFile(wor_name, wor)}


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


def post(client: Client, user, path: str, files: dict) -> object:
    return client.post("/api/v1" + path, files, headers=bearer(user))


def written() -> tuple[int, int, int, int]:
    return (
        ContributionList.objects.count(),
        ListRow.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


def test_check_prices_every_row_and_writes_nothing(world, client) -> None:
    before = written()
    wl = wage_list(
        world.workshop_a.code, codes=[world.worker_a.national_code, *national_codes(712_345_100, 2)]
    )
    r = post(client, world.users[R.EMPLOYER], "/wagelists/check", pair(wl))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["ok"] and body["workers"] == 3 and body["workshop"] == world.workshop_a.code
    assert body["month"] == "1404-02" and body["total_due"] > 0
    assert len(body["rows"]) == 3
    row = body["rows"][0]
    assert row["national_code"] == world.worker_a.national_code
    assert row["insured_share"] == (row["wage_subject"] * 7 + 50) // 100
    assert sum(x["employer_share"] for x in body["rows"]) == body["employer_share"]
    assert written() == before


def test_check_names_file_record_and_field_of_each_problem(world, client) -> None:
    wl = wage_list(world.workshop_a.code)
    wl.rows["PER_NATCOD"] = wl.rows["PER_NATCOD"].copy()
    wl.rows["PER_NATCOD"][1] = "1234567890"  # bad check digit
    wl.rows["DSW_ROOZ"] = wl.rows["DSW_ROOZ"].copy()
    wl.rows["DSW_ROOZ"][2] = 1_000
    r = post(client, world.users[R.BRANCH_STAFF], "/wagelists/check", pair(wl))
    assert r.status_code == 200
    body = r.json()
    assert not body["ok"]
    where = {(e["code"], e["file"], e["record"], e["field"]) for e in body["errors"]}
    assert ("row.national_code", "DSKWOR00.DBF", 2, "PER_NATCOD") in where
    assert ("row.below_minimum", "DSKWOR00.DBF", 3, "DSW_ROOZ") in where
    assert all(e["message"] for e in body["errors"])


def test_unreadable_files_are_400_naming_the_file(world, client) -> None:
    user = world.users[R.EMPLOYER]
    files = pair(wage_list(world.workshop_a.code))
    files["wor"] = SimpleUploadedFile("DSKWOR00.DBF", b"\x03not a dbf file at all")
    before = written()
    r = post(client, user, "/wagelists", files)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors and all(e["file"] == "DSKWOR00.DBF" for e in errors)
    assert all(e["code"].startswith("dbf.") and e["message"] for e in errors)
    r = post(client, user, "/wagelists/check", {"kar": files["kar"]})
    assert r.status_code == 400
    assert [(e["code"], e["field"]) for e in r.json()["errors"]] == [("upload.missing", "wor")]
    assert written() == before


def test_oversized_file_is_refused(world, client, monkeypatch) -> None:
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 1000)
    wl = wage_list(world.workshop_a.code, n=20)
    r = post(client, world.users[R.EMPLOYER], "/wagelists/check", pair(wl))
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert {e["code"] for e in errors} == {"upload.too_large"}
    assert {e["file"] for e in errors} >= {"DSKWOR00.DBF"}


def test_send_posts_bills_then_is_unchanged(world, client) -> None:
    user = world.users[R.EMPLOYER]
    wl = wage_list(world.workshop_a.code, codes=national_codes(712_345_200, 3))
    r = post(client, user, "/wagelists", pair(wl))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "posted" and body["bill"]["amount"] == body["total_due"] > 0
    assert body["bill"]["due_on"].startswith("1404/") and body["registered_persons"] == 3
    cl = ContributionList.objects.get(pk=body["list_id"])
    assert cl.workshop == world.workshop_a and cl.rows == 3 and cl.posted_by == user
    # The same pair again, the slots swapped: same list, nothing changes.
    files = pair(wl)
    files = {"kar": files["wor"], "wor": files["kar"]}
    r = post(client, user, "/wagelists", files)
    assert r.status_code == 200 and r.json()["status"] == "unchanged"
    assert ContributionList.objects.count() == 1 and Bill.objects.count() == 1


def test_rejected_list_is_400_with_every_problem_and_writes_nothing(world, client) -> None:
    wl = wage_list(world.workshop_a.code, codes=national_codes(712_345_300, 3))
    wl.rows["PER_NATCOD"] = wl.rows["PER_NATCOD"].copy()
    wl.rows["PER_NATCOD"][0] = "1111111112"
    wl.rows["DSW_DD"] = wl.rows["DSW_DD"].copy()
    wl.rows["DSW_DD"][2] = 40
    before = written()
    r = post(client, world.users[R.EMPLOYER], "/wagelists", pair(wl))
    assert r.status_code == 400
    body = r.json()
    where = {(e["code"], e["record"], e["field"], e["file"]) for e in body["errors"]}
    assert ("row.national_code", 1, "PER_NATCOD", "DSKWOR00.DBF") in where
    assert ("row.days", 3, "DSW_DD", "DSKWOR00.DBF") in where
    assert body["summary"]["status"] == "rejected"
    assert written() == before


def test_nobody_sends_or_checks_another_employers_list(world, client) -> None:
    wl = wage_list(world.workshop_b.code)
    before = written()
    for user in (world.users[R.EMPLOYER], world.users[R.BRANCH_STAFF]):
        for path in ("/wagelists/check", "/wagelists"):
            r = post(client, user, path, pair(wl))
            assert r.status_code == 403, (user.username, path)
            (error,) = r.json()["errors"]
            assert (error["code"], error["field"], error["file"]) == (
                "auth.out_of_scope",
                "DSK_ID",
                "DSKKAR00.DBF",
            )
    for role in (R.INSURED, R.PROVIDER, R.HQ_MANAGER, R.AUDITOR):
        r = post(client, world.users[role], "/wagelists", pair(wage_list(world.workshop_a.code)))
        assert r.status_code == 403 and r.json()["errors"][0]["code"] == "auth.forbidden"
    assert written() == before
    # Branch B's own staff may send it.
    r = post(client, world.staff_b, "/wagelists", pair(wl))
    assert r.status_code == 201, r.content


def test_unknown_workshop(world, client) -> None:
    wl = wage_list("9999999999")
    r = post(client, world.users[R.EMPLOYER], "/wagelists", pair(wl))
    assert r.status_code == 403  # not "unknown": an employer learns nothing about others' codes
    r = post(client, world.users[R.ADMIN], "/wagelists", pair(wl))
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "workshop.unknown"


@pytest.fixture
def two_lists(world, client):
    a = post(client, world.users[R.ADMIN], "/wagelists", pair(wage_list(world.workshop_a.code, month=2)))
    b = post(client, world.users[R.ADMIN], "/wagelists", pair(wage_list(world.workshop_b.code, month=3)))
    assert a.status_code == b.status_code == 201, (a.content, b.content)
    return a.json()["list_id"], b.json()["list_id"]


def test_lists_are_scoped(world, client, two_lists) -> None:
    a, b = two_lists
    expected = {
        world.users[R.EMPLOYER]: {a},
        world.users[R.BRANCH_STAFF]: {a},
        world.staff_b: {b},
        world.users[R.PROVINCE_MANAGER]: {a},
        world.users[R.HQ_MANAGER]: {a, b},
        world.users[R.AUDITOR]: {a, b},
    }
    for user, ids in expected.items():
        r = client.get("/api/v1/wagelists", headers=bearer(user))
        assert r.status_code == 200
        assert {x["id"] for x in r.json()["items"]} == ids, user.username
    for role in (R.INSURED, R.PENSIONER, R.PROVIDER):
        assert client.get("/api/v1/wagelists", headers=bearer(world.users[role])).status_code == 403
    hq = bearer(world.users[R.HQ_MANAGER])
    r = client.get(f"/api/v1/wagelists?workshop={world.workshop_b.code}", headers=hq)
    assert [x["id"] for x in r.json()["items"]] == [b]
    r = client.get("/api/v1/wagelists?month=1404/02", headers=hq)
    assert [x["id"] for x in r.json()["items"]] == [a]
    r = client.get("/api/v1/wagelists?month=14-99", headers=hq)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "month"


def test_list_detail_has_rows_price_and_bill(world, client, two_lists) -> None:
    a, b = two_lists
    r = client.get(f"/api/v1/wagelists/{a}", headers=bearer(world.users[R.EMPLOYER]))
    assert r.status_code == 200
    body = r.json()
    assert body["workshop"] == world.workshop_a.code and body["month"] == "1404-02"
    assert len(body["rows"]) == body["workers"] == 3
    assert sum(row["insured_share"] for row in body["rows"]) == body["insured_share"]
    assert body["bill"]["amount"] == body["total_due"] and body["derivation"]["ceiling"] > 0
    for user in (world.users[R.EMPLOYER], world.users[R.BRANCH_STAFF], world.users[R.PROVINCE_MANAGER]):
        r = client.get(f"/api/v1/wagelists/{b}", headers=bearer(user))
        assert r.status_code == 403 and world.workshop_b.name not in r.content.decode()
    assert client.get(f"/api/v1/wagelists/{b}", headers=bearer(world.staff_b)).status_code == 200
    hq = bearer(world.users[R.HQ_MANAGER])
    assert client.get(f"/api/v1/wagelists/{b + a + 100}", headers=hq).status_code == 404


def test_real_txt_pair_is_checked(world, client) -> None:
    kar, wor = sample_paths("txt_variant_1404-08")
    files = {
        "kar": SimpleUploadedFile(kar.name, kar.read_bytes()),
        "wor": SimpleUploadedFile(wor.name, wor.read_bytes()),
    }
    r = post(client, world.users[R.ADMIN], "/wagelists/check", files)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["layout"] == "TXT" and body["workers"] == len(body["rows"]) > 0 and body["ok"]
    assert body["month"] == "1404-08"
