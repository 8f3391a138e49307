"""The `tamin demo` and `tamin serve` commands end to end, in subprocesses with their own SQLite file."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# A fixed reference date: the two builds must not straddle midnight in Tehran.
DEMO = ["demo", "--no-serve", "--province", "18", "--scale", "0.0005", "--seed", "7", "--date", "1404/07/09"]


def _run(args: list[str], var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TAMIN_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["TAMIN_VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "-m", "tamin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _persons_digest(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM registry_person ORDER BY id").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_builds_writes_credentials_and_rebuilds_identically(tmp_path):
    first = _run(DEMO, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "persons" in first.stdout and "demo-insured" in first.stdout
    assert "reference date 2025-10-01" in first.stdout
    db = tmp_path / "tamin.sqlite3"
    digest = _persons_digest(db)

    credentials = tmp_path / "demo-credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    data = json.loads(credentials.read_text(encoding="utf-8"))
    assert len(data) == 9
    assert {v["role"] for v in data.values()} == {
        "insured",
        "pensioner",
        "employer",
        "provider",
        "branch_staff",
        "province_manager",
        "hq_manager",
        "auditor",
        "admin",
    }
    insured = data["demo-insured"]
    assert {"password", "national_code", "workshop", "branch", "province"} <= set(insured)
    assert insured["province"] == "18" and len(insured["password"]) >= 12
    assert data["demo-employer"]["workshop"] == insured["workshop"]
    assert data["demo-branch_staff"]["branch"] == insured["branch"]
    assert insured["password"] not in db.read_bytes().decode("latin-1")  # stored hashed

    # Again: the previous demo is replaced, the same seed gives the same rows (ids included).
    second = _run(DEMO, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Removed the previous demo" in second.stdout
    assert _persons_digest(db) == digest
    assert (
        json.loads(credentials.read_text(encoding="utf-8"))["demo-insured"]["password"] != insured["password"]
    )


def test_serve_refuses_without_a_database(tmp_path):
    result = _run(["serve", "--port", "8765"], tmp_path)
    assert result.returncode != 0
    assert "tamin demo" in result.stderr
    assert not (tmp_path / "tamin.sqlite3").exists()


@pytest.mark.parametrize("args", [["--province", "99"], ["--scale", "0.5"]])
def test_bad_input_exits_non_zero(tmp_path, args):
    result = _run(["demo", "--no-serve", *args], tmp_path)
    assert result.returncode != 0
    assert "CommandError" in result.stderr or "Error" in result.stderr
    assert not (tmp_path / "tamin.sqlite3").exists()
