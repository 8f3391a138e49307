"""`tamin calc pension|benefit --input CASE.json`: JSON out with the derivation; bad input names the field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tamin.core.jalali import JalaliMonth


def months(last: str, n: int, wage: int, hard: bool = False) -> list[dict]:
    end = JalaliMonth.parse(last)
    return [{"month": str(end - i), "days": (end - i).days, "wage": wage, "hard_job": hard} for i in range(n)]


def run(tmp_path: Path, what: str, case: dict) -> dict:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    out = StringIO()
    call_command("calc", what, "--input", str(path), stdout=out)
    return json.loads(out.getvalue())


def fail(tmp_path: Path, what: str, case: dict | str) -> str:
    path = tmp_path / "case.json"
    path.write_text(case if isinstance(case, str) else json.dumps(case), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("calc", what, "--input", str(path), stdout=StringIO())
    assert err.value.returncode == 2
    return str(err.value)


RETIREMENT = {
    "kind": "retirement",
    "sex": "male",
    "birth_date": "1345/05/10",
    "application_date": "1404/07/01",
    "history": months("1404-06", 31 * 12, 200_000_000),
}


def test_retirement_case(tmp_path: Path) -> None:
    r = run(tmp_path, "pension", RETIREMENT)
    days = sum(m["days"] for m in RETIREMENT["history"])
    assert r["eligible"] and r["case"] == "long_service" and r["credited_days"] == days
    # 200,000,000 × days / 10,950, rounded half up
    assert r["average_wage"] == 200_000_000 and r["pension"] == (200_000_000 * days * 2 + 10_950) // (
        2 * 10_950
    )
    assert (
        isinstance(r["credited_years"], float) and r["derivation"]["parameters"] and r["derivation"]["steps"]
    )


def test_refusal_lists_reasons(tmp_path: Path) -> None:
    r = run(
        tmp_path, "pension", {**RETIREMENT, "birth_date": "1370/01/01", "history": months("1404-06", 60, 1)}
    )
    assert not r["eligible"] and r["pension"] == 0 and r["reasons"]


def test_disability_and_survivors(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        "pension",
        {
            **RETIREMENT,
            "kind": "disability",
            "event_date": "1404/06/20",
            "disability_percent": 70,
            "work_related": True,
            "dependants": True,
        },
    )
    assert r["eligible"] and r["case"] == "total" and r["pension"] >= 103_909_680
    r = run(
        tmp_path,
        "pension",
        {
            **RETIREMENT,
            "kind": "survivors",
            "death_date": "1404/06/20",
            "survivors": [{"relation": "spouse"}, {"relation": "child", "birth_date": "1395/01/01"}],
        },
    )
    assert r["eligible"] and r["pension"] == sum(s["pension"] for s in r["survivors"])


def test_benefits(tmp_path: Path) -> None:
    h = months("1404-03", 24, 93_000_000)
    r = run(
        tmp_path, "benefit", {"kind": "sickness", "history": h, "start_date": "1404/04/10", "sick_days": 10}
    )
    assert r["amount"] == 7 * 2_000_000  # 279M / 93 days = 3,000,000 a day × 2/3 × 7
    r = run(tmp_path, "benefit", {"kind": "maternity", "history": h, "child_birth_date": "1404/04/10"})
    assert r["eligible"] and r["days"] == 270
    r = run(tmp_path, "benefit", {"kind": "marriage", "history": h, "marriage_date": "1404/03/20"})
    assert r["eligible"] and r["amount"] == 93_000_000
    assert run(tmp_path, "benefit", {"kind": "funeral", "death_date": "1404/07/01"})["amount"] == 103_909_680


def test_bad_input_names_the_field(tmp_path: Path) -> None:
    bad = {**RETIREMENT, "history": [*RETIREMENT["history"][:3], {"month": "1404-13", "days": 30, "wage": 1}]}
    assert "history.3.month" in fail(tmp_path, "pension", bad)
    msg = fail(tmp_path, "pension", {**RETIREMENT, "sex": "x", "birth_date": "1345/13/01"})
    assert "sex:" in msg and "birth_date:" in msg
    assert "history.0.month" in fail(tmp_path, "pension", {**RETIREMENT, "history": months("1404-08", 1, 1)})
    assert "input:" in fail(tmp_path, "pension", "{not json")
    assert "disability_percent" in fail(
        tmp_path, "pension", {**RETIREMENT, "kind": "disability", "disability_percent": 101}
    )
    assert "survivors.0.relation" in fail(
        tmp_path,
        "pension",
        {
            **RETIREMENT,
            "kind": "survivors",
            "death_date": "1404/06/01",
            "survivors": [{"relation": "cousin"}],
        },
    )
    # No rule is encoded before the 1371/12/16 amendment: refused, naming the missing parameter.
    assert "parameter.no_value" in fail(
        tmp_path,
        "pension",
        {**RETIREMENT, "application_date": "1369/01/01", "history": months("1368-12", 400, 1)},
    )


def test_tamin_command_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(RETIREMENT), encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tamin.settings"}
    ok = subprocess.run(
        [sys.executable, "-m", "tamin", "calc", "pension", "--input", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["eligible"] is True
    path.write_text(json.dumps({**RETIREMENT, "application_date": "1404/07/32"}), encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "tamin", "calc", "pension", "--input", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "application_date" in bad.stderr
