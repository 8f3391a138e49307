"""`tamin wagelist import / export` on the database side: files in, registry checks, facts, status, bill."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions import dbf, exemptions, transfer
from tamin.contributions.models import Bill, ContributionList, ListRow
from tamin.records.models import HistoryMonth
from tamin.registry.models import Employment, Person
from tests.contributions.db_factories import national_codes, wage_list


def write(wl, path):
    path.mkdir(parents=True, exist_ok=True)
    dbf.write_list(wl, path)
    return path


def run(paths, actor=None):
    out = io.StringIO()
    code = transfer.import_paths(paths, actor=actor, as_json=True, out=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_import_posts_then_unchanged_corrected_supplementary(world, tmp_path):
    code = world.workshop_a.code
    codes = national_codes(712_345_000, 4)
    exit_code, (first,) = run([write(wage_list(code, codes=codes[:3]), tmp_path / "a")])
    assert exit_code == 0, first["errors"]
    assert first["status"] == "posted" and first["bill"]["amount"] == first["total_due"] > 0
    assert first["registered_persons"] == 3 and first["workers"] == 3
    # The pair as files, given file by file this time, in either order.
    again_dir = write(wage_list(code, codes=codes[:3]), tmp_path / "b")
    exit_code, (again,) = run([again_dir / "DSKWOR00.DBF", again_dir / "DSKKAR00.DBF"])
    assert exit_code == 0 and again["status"] == "unchanged"
    exit_code, (corrected,) = run([write(wage_list(code, codes=codes), tmp_path / "c")])
    assert (
        corrected["status"] == "corrected" and corrected["bill"]["previous_amount"] == first["bill"]["amount"]
    )
    assert corrected["bill"]["difference"] == corrected["bill"]["amount"] - first["bill"]["amount"] > 0
    exit_code, (extra,) = run(
        [write(wage_list(code, list_no="02", codes=national_codes(713_456_000, 2)), tmp_path / "d")]
    )
    assert extra["status"] == "supplementary"
    assert ContributionList.objects.count() == 2 and Bill.objects.count() == 2
    assert ListRow.objects.count() == HistoryMonth.objects.count() == 6
    assert Person.objects.filter(national_code__in=codes).count() == 4
    registered = Person.objects.get(national_code=codes[0])
    assert registered.branch == world.branch_a and registered.birth_date == dt.date(1986, 3, 21)
    assert registered.insurance_number == "0080000000" and registered.sex == "male"


def test_unknown_or_inactive_workshop_is_rejected_without_writing(world, tmp_path):
    audits = AuditEntry.objects.count()
    exit_code, (out,) = run([write(wage_list("9999999999"), tmp_path / "x")])
    assert exit_code == 1 and out["status"] == "rejected" and out["bill"] is None
    assert {(e["code"], e["field"], e["record"]) for e in out["errors"]} >= {
        ("workshop.unknown", "DSK_ID", 1)
    }
    world.workshop_a.status = "closed"
    world.workshop_a.save()
    exit_code, (out,) = run([write(wage_list(world.workshop_a.code), tmp_path / "y")])
    assert exit_code == 1 and out["errors"][0]["code"] == "workshop.inactive"
    assert ContributionList.objects.count() == 0 and AuditEntry.objects.count() == audits
    assert not Person.objects.filter(national_code__in=national_codes(712_345_000, 3)).exists()


def test_a_bad_list_is_rejected_whole(world, tmp_path):
    wl = wage_list(world.workshop_a.code)
    wl.rows["PER_NATCOD"] = wl.rows["PER_NATCOD"].copy()
    wl.rows["PER_NATCOD"][1] = "1234567890"  # bad check digit
    exit_code, (out,) = run([write(wl, tmp_path / "bad")])
    assert exit_code == 1 and out["status"] == "rejected"
    assert any(e["field"] == "PER_NATCOD" and e["record"] == 2 for e in out["errors"])
    assert (
        ContributionList.objects.count() == 0
        and Person.objects.filter(last_name__startswith="کارگر").count() == 0
    )


def test_registry_facts_price_the_list(world, tmp_path):
    codes = national_codes(714_456_000, 3)
    wl = wage_list(world.workshop_a.code, codes=[world.worker_a.national_code, *codes[:2]])
    # Row 1's person holds a certified hard job here; row 2's is a working pensioner.
    Employment.objects.filter(pk=world.job_a.pk).update(hard_job=True)
    Person.objects.create(
        national_code=codes[0], first_name="احمد", last_name="بازنشسته", birth_date=dt.date(1960, 1, 1),
        sex="male", is_pensioner=True,
    )  # fmt: skip
    world.workshop_a.small_workshop_exempt = True
    world.workshop_a.save()
    exit_code, (out,) = run([write(wl, tmp_path / "f")])
    assert exit_code == 0, out["errors"]
    rows = list(ListRow.objects.order_by("row_no"))
    assert [r.hard_job for r in rows] == [True, False, False]
    assert rows[0].hard_job_share > 0 and rows[1].hard_job_share == 0
    assert rows[1].unemployment_share == 0 and rows[2].unemployment_share > 0
    assert out["employer_exempt"] > 0  # ≤ 5 workers: the state pays the employer share
    # The derivation says why row 2 pays no unemployment premium, with the law and the switch.
    why = [e for e in ContributionList.objects.get().derivation["exemptions"] if e.startswith("unemployment")]
    assert why == [
        "unemployment: 1 rows exempt from contribution.rate.unemployment",
        "unemployment exempt as pensioner: 1 rows — " + exemptions.BASIS["pensioner"]
        + " (unemployment.exempt.pensioners)",
    ]  # fmt: skip
    assert out["derivation"]["exemptions"] == ContributionList.objects.get().derivation["exemptions"]
    assert HistoryMonth.objects.get(source_row=1).hard_job
    bill = Bill.objects.get()
    assert bill.due_on == dt.date(2025, 7, 22)  # 1404/04/31: second month after Ordibehesht


def test_actor_is_checked_and_recorded(world, tmp_path):
    path = write(wage_list(world.workshop_a.code), tmp_path / "g")
    exit_code, (out,) = run([path], actor="nobody")
    assert exit_code == 2 and out["errors"][0]["code"] == "actor.unknown"
    exit_code, (out,) = run([path], actor=world.staff_b.username)  # another branch's workshop
    assert exit_code == 1 and out["errors"][0]["code"] == "auth.out_of_scope"
    exit_code, (out,) = run([path], actor="employer-a")
    assert exit_code == 0 and out["status"] == "posted"
    assert AuditEntry.objects.order_by("-seq").first().actor == world.users[Role.EMPLOYER]


def test_export_writes_the_pair_back(world, tmp_path):
    wl = wage_list(world.workshop_a.code, n=3)
    run([write(wl, tmp_path / "in")])
    out = io.StringIO()
    assert transfer.export_list(world.workshop_a.code, "1404-02", tmp_path / "out", out) == 0
    info = json.loads(out.getvalue())
    back = dbf.read_list(info["kar"], info["wor"])
    original = dbf.read_list(tmp_path / "in" / "DSKKAR00.DBF", tmp_path / "in" / "DSKWOR00.DBF")
    for name in (
        "PER_NATCOD",
        "DSW_FNAME",
        "DSW_LNAME",
        "DSW_DD",
        "DSW_ROOZ",
        "DSW_MAH",
        "DSW_MASH",
        "DSW_JOB",
    ):
        assert np.array_equal(back.rows[name], original.rows[name]), name
    assert back.header["DSK_TMASH"] == original.header["DSK_TMASH"] and back.list_no == "01"
    # Re-importing what was exported changes nothing.
    _, (again,) = run([tmp_path / "out"])
    assert again["status"] == "unchanged"
    assert transfer.export_list(world.workshop_a.code, "1404-03", tmp_path / "none", io.StringIO()) == 2
    assert transfer.export_list(world.workshop_a.code, "bad", tmp_path / "none", io.StringIO()) == 2


def test_management_command_import(world, tmp_path):
    path = write(wage_list(world.workshop_a.code), tmp_path / "cmd")
    out = io.StringIO()
    call_command("wagelist", "import", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "posted"
    with pytest.raises(CommandError):
        call_command(
            "wagelist", "import", str(write(wage_list("9999999999"), tmp_path / "bad")), stdout=io.StringIO()
        )
