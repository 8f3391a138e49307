"""A list import killed with SIGKILL in the middle of its transaction leaves no trace.

A subprocess imports a 20,000-row list (registering its 20,000 new persons on the way) and stops inside
the posting transaction, after the rows and history months are written (posting.after_rows_hook); the
test kills it with `kill -9` and checks that nothing is left: no list, row, history month, bill, person
or audit entry. Then the same import runs to the end, so the kill did interrupt a working import.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
WORKSHOP = "3763630099"

WORKER = r"""
import json, os, sys, time
import django
django.setup()
mode, ready = sys.argv[1], sys.argv[2]
if mode == "setup":
    import datetime as dt
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from tamin.registry.models import Branch, Employer, Workshop
    branch = Branch.objects.order_by("code").first()
    employer = Employer.objects.create(kind="legal", name="کارفرمای آزمون", national_id="10380284791")
    Workshop.objects.create(code=sys.argv[3], name="کارگاه آزمون", address="تهران", branch=branch,
                            activity_code="363", activity="تراشکاری", employer=employer,
                            opened_on=dt.date(2000, 1, 1))
    sys.exit(0)
from tamin.contributions import posting, transfer
from tests.contributions.db_factories import wage_list

def hold(cl):
    with open(ready, "w") as f:
        f.write(str(cl.pk))
    time.sleep(600)

if mode == "hold":
    posting.after_rows_hook = hold
wl = wage_list(sys.argv[3], n=int(sys.argv[4]), start=612_345_000)
outcome = transfer.import_list(wl, actor=posting.SystemActor())
print(json.dumps({"status": outcome.status, "errors": outcome.summary.get("errors")}, default=str))
"""

TABLES = (
    "contributions_contributionlist",
    "contributions_listrow",
    "records_history",
    "contributions_bill",
    "audit_auditentry",
    "registry_person",
)


def _run(script: Path, env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _kill_mid_import(script: Path, env: dict[str, str], ready: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(script), "hold", str(ready), WORKSHOP, str(ROWS)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not ready.exists():
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"the import ended before reaching the hold point: {out}\n{err[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the import did not reach the hold point in time")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def _env(url: str) -> dict[str, str]:
    env = {**os.environ, "TAMIN_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tamin.settings"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def test_kill9_sqlite_leaves_no_trace(tmp_path):
    db = tmp_path / "kill9.sqlite3"
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = _env(f"sqlite:///{db}")
    setup = _run(script, env, "setup", "-", WORKSHOP)
    assert setup.returncode == 0, setup.stderr[-3000:]

    def counts() -> dict[str, int]:
        with sqlite3.connect(db) as con:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    before = counts()
    _kill_mid_import(script, env, tmp_path / "ready")
    assert counts() == before
    done = _run(script, env, "finish", "-", WORKSHOP, str(ROWS))
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "posted", done.stderr[-3000:]
    after = counts()
    assert after["contributions_listrow"] == ROWS and after["records_history"] == ROWS
    assert after["registry_person"] == before["registry_person"] + ROWS
    assert after["audit_auditentry"] == before["audit_auditentry"] + 2  # the list; the employments it opened


@pytest.mark.django_db(transaction=True)
def test_kill9_postgresql_leaves_no_trace(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("run with TAMIN_DATABASE_URL=postgresql://… to test PostgreSQL")
    import datetime as dt

    from tamin.registry.models import Branch, Employer, Workshop

    db = settings.DATABASES["default"]
    if not Branch.objects.exists():
        # An earlier transactional test flushed the tables, reference data included.
        from django.apps import apps

        from tamin.registry import reference

        reference.load(apps)
    branch = Branch.objects.order_by("code").first()
    employer = Employer.objects.create(kind="legal", name="کارفرمای آزمون", national_id="10380284791")
    Workshop.objects.create(
        code=WORKSHOP, name="کارگاه آزمون", address="تهران", branch=branch, activity_code="363",
        activity="تراشکاری", employer=employer, opened_on=dt.date(2000, 1, 1),
    )  # fmt: skip
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = _env(f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")

    def counts() -> dict[str, int]:
        with connection.cursor() as cur:
            out = {}
            for t in TABLES:
                cur.execute(f"SELECT count(*) FROM {t}")
                out[t] = cur.fetchone()[0]
            return out

    before = counts()
    _kill_mid_import(script, env, tmp_path / "ready")
    # The server ends the dead client's transaction when it sees the socket close.
    with connection.cursor() as cur:
        for _ in range(200):
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [db["NAME"]],
            )
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    assert counts() == before
    done = _run(script, env, "finish", "-", WORKSHOP, str(ROWS))
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "posted", done.stderr[-3000:]
    after = counts()
    assert after["contributions_listrow"] == ROWS and after["records_history"] == ROWS
    assert after["audit_auditentry"] == before["audit_auditentry"] + 2  # the list; the employments it opened
