"""`tamin wagelist check|import|export`: JSON per list, exit codes 0/1/2, no database needed."""

import io
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.contributions.factories import SAMPLE_LISTS, SAMPLES, make_list, reader, sample_paths, worker

TODAY = "1404/10/11"
SUMMARY_KEYS = {
    "workshop", "month", "list_no", "workers", "total_days", "total_wage_subject", "insured_share",
    "employer_share", "unemployment_share", "hard_job_share", "state_share", "total_due", "errors",
    "warnings",
}  # fmt: skip
ROW_KEYS = {
    "national_code", "first_name", "last_name", "days", "daily_wage", "monthly_wage", "benefits",
    "wage_subject", "insured_share", "employer_share", "unemployment_share", "hard_job_share",
}  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `tamin wagelist ...` through call_command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("wagelist", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_check_pair_json() -> None:
    reader()
    kar, wor = sample_paths("listdisk_v6_output_1403-09")
    code, out, _ = run("check", str(kar), str(wor), "--json", "--today", TODAY)
    assert code == 0
    (got,) = lines(out)
    assert set(got) >= SUMMARY_KEYS
    assert (got["workshop"], got["month"], got["list_no"]) == ("9000000001", "1403-09", "01")
    assert (got["workers"], got["total_days"]) == (22, 594)
    assert got["insured_share"] == got["declared"]["DSK_TBIME"] == 292_770_742
    assert got["employer_share"] == got["declared"]["DSK_TKOSO"] == 836_487_836
    assert got["total_wage_subject"] == 4_182_439_176
    assert got["state_share"] > 0 and got["hard_job_share"] == 0
    assert got["total_due"] == sum(got[k] for k in ("insured_share", "employer_share", "unemployment_share"))
    assert got["errors"] == [] and got["warnings"] == []
    assert "rows" not in got
    assert got["derivation"]["ceiling"] == 501_632_880


def test_check_rows() -> None:
    reader()
    kar, wor = sample_paths("txt_variant_1404-08")
    code, out, _ = run("check", str(kar), str(wor), "--json", "--rows", "--today", TODAY)
    assert code == 0
    (got,) = lines(out)
    assert len(got["rows"]) == 18 and set(got["rows"][0]) == ROW_KEYS
    assert sum(r["insured_share"] for r in got["rows"]) == 165_384_224
    assert got["rows"][0]["days"] == 30 and got["rows"][0]["daily_wage"] == 3_463_656
    assert got["rows"][0]["first_name"]  # decoded Persian text


def test_check_directory_one_object_per_list(tmp_path: Path) -> None:
    reader()
    for stem in SAMPLE_LISTS:
        for path in sample_paths(stem):
            shutil.copy(path, tmp_path / path.name)
    code, out, _ = run("check", str(tmp_path), "--json", "--today", TODAY)
    assert code == 0
    got = {d["month"]: d for d in lines(out)}
    assert set(got) == {"1401-05", "1403-09", "1404-07", "1404-08"}
    assert got["1404-07"]["workers"] == 652 and got["1404-07"]["errors"] == []
    assert {w["code"] for w in got["1404-07"]["warnings"]} == {"header.kind", "row.zero_days", "list.more"}


def test_unreadable_pair_exits_2_naming_the_file() -> None:
    # The shared samples folder also holds the ListDisk templates: a DSKKAR00 with no record.
    reader()
    code, out, err = run("check", str(SAMPLES), "--json", "--today", TODAY)
    assert code == 2
    assert len(lines(out)) == 4  # the readable lists are still reported
    assert "listdisk_v6_template_DSKKAR00.DBF" in err


def test_garbage_file_exits_2(tmp_path: Path) -> None:
    reader()
    kar, wor = tmp_path / "DSKKAR00.DBF", tmp_path / "DSKWOR00.DBF"
    kar.write_bytes(b"not a dbf file")
    wor.write_bytes(b"")
    code, _, err = run("check", str(kar), str(wor))
    assert code == 2 and "DSKKAR00.DBF" in err


def test_missing_file_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert run("check", str(tmp_path / "DSKKAR00.DBF"), str(tmp_path / "DSKWOR00.DBF"))[0] == 2
    assert run("check", str(tmp_path / "DSKKAR00.DBF"))[0] == 2
    assert run("check", str(tmp_path))[0] == 2  # a directory without lists
    assert run("check", "a", "b", "c")[0] == 2


def test_list_with_errors_exits_1_and_names_file_record_field(tmp_path: Path) -> None:
    dbf = reader()
    wl = make_list([worker(1), worker(2, DSW_ROOZ=1_000_000), worker(3)], month=7)
    kar, wor = dbf.write_list(wl, tmp_path)
    code, out, err = run("check", str(kar), str(wor), "--json", "--today", TODAY)
    assert code == 1 and "1 of 1" in err
    (got,) = lines(out)
    by_code = {e["code"]: e for e in got["errors"]}
    assert by_code["row.below_minimum"]["record"] == 2
    assert by_code["row.below_minimum"]["field"] == "DSW_ROOZ"
    assert by_code["row.below_minimum"]["file"].endswith("DSKWOR00.DBF")
    assert by_code["row.below_minimum"]["severity"] == "error"
    assert by_code["row.below_minimum"]["message"]


def test_readable_summary_without_json(tmp_path: Path) -> None:
    dbf = reader()
    kar, wor = dbf.write_list(make_list([worker(1), worker(2, DSW_ID1="0")]), tmp_path)
    code, out, _ = run("check", str(kar), str(wor), "--today", TODAY)
    assert code == 1
    assert "1404-07" in out and "total due" in out and "row.insurance_number" in out
    assert "ردیف 2" in out


def test_small_workshop_flag(tmp_path: Path) -> None:
    dbf = reader()
    kar, wor = dbf.write_list(make_list([worker(1), worker(2)]), tmp_path)
    _, out, _ = run("check", str(kar), str(wor), "--json", "--small-workshop", "--today", TODAY)
    (got,) = lines(out)
    assert got["employer_share"] == 0 and got["employer_exempt"] == 2 * 26_981_936


@pytest.mark.parametrize("returned", [0, 3])
def test_import_and_export_hand_over_to_transfer(monkeypatch: pytest.MonkeyPatch, returned: int) -> None:
    calls: list[tuple] = []

    def import_paths(paths: list[Path], *, actor: str | None, as_json: bool, out: io.TextIOBase) -> int:
        calls.append(("import", paths, actor, as_json))
        out.write("imported")
        return returned

    def export_list(workshop: str, month: str, directory: Path, out: io.TextIOBase) -> int:
        calls.append(("export", workshop, month, directory))
        return returned

    fake = types.ModuleType("tamin.contributions.transfer")
    fake.import_paths = import_paths  # type: ignore[attr-defined]
    fake.export_list = export_list  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tamin.contributions.transfer", fake)
    code, out, _ = run("import", "K.DBF", "W.DBF", "--json", "--actor", "clerk")
    assert (code, out.strip()) == (returned, "imported")
    code, _, _ = run("export", "9000000001", "1404-07", "/tmp/x")
    assert code == returned
    assert calls == [
        ("import", [Path("K.DBF"), Path("W.DBF")], "clerk", True),
        ("export", "9000000001", "1404-07", Path("/tmp/x")),
    ]


def test_console_script_without_a_database() -> None:
    # The installed `tamin` script, pointed at a database that does not exist: check must not care.
    reader()
    script = Path(sys.executable).with_name("tamin")
    kar, wor = sample_paths("extended_26x31_layout_1404-07")
    env = {**os.environ, "TAMIN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run(
        [str(script), "wagelist", "check", str(kar), str(wor), "--json", "--today", TODAY],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (got,) = lines(done.stdout)
    assert got["workers"] == 652 and got["insured_share"] == 14_647_346_879
    assert got["employer_share"] == 41_849_562_534
