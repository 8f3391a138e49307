"""Benchmark: a national-shaped month of wage lists, checked, priced and imported in batches.

    .venv/bin/python benchmarks/bench_import.py                 # 90,000 lists, SQLite then PostgreSQL
    .venv/bin/python benchmarks/bench_import.py --scale 1       # the full 100,000 lists (≈ 10 min)
    .venv/bin/python benchmarks/bench_import.py --scale 0.1 --db sqlite

--scale 1 is the national shape: 100,000 lists, 80 % with 1–5 workers and a log-normal tail up to 5,000
(≈1.27 M rows); it takes ≈ 10 min for both databases on the 2-core machine, so the default is 0.9.
Each database is built from scratch (SQLite: a temporary file; PostgreSQL: the database named by
--pg-url is dropped and recreated, then dropped at the end). Workshops and persons are
registered first, set-based, with an employment per worker at its workshop (a steady-state month: the
workers were on last month's lists), so the import measures the month's cycle.

Measured, per database, in one run:
* check + price: `batch_check.check_batch` over every list (and `check_list` one by one on a sample,
  compared list by list with the batch's results, for the speed-up);
* import: `batch.import_batch` (what `tamin wagelist import DIR` runs for many lists) in transactions
  of --batch lists: workshops and persons looked up, lists checked and priced, rows (the history
  view reads them), bills and one audit entry per list written; "write" is the part inside
  `batch.post_batch`, and "the lists' own write" is that without the employments it opens or closes
  (`employments.sync_from_lists`, another table's write, timed apart);
* the baseline: the same rows written into an equivalent bare table (ListRow's columns, no keys,
  constraints or indexes) with one plain COPY (PostgreSQL) or one executemany (SQLite), before and
  after the import (their mean is the baseline);
* the ratios import / baseline against the ≤ 2× target, a sample of persons' histories read through
  the history view over the rows just posted, and `audit verify` over the whole chain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
TARGET = 2.0
PG_URL = "postgresql://postgres@127.0.0.1:5432/f_bench"


def _prepare_database(args: argparse.Namespace) -> None:
    if args.db == "postgresql":
        import psycopg

        base, name = args.pg_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        os.environ["TAMIN_DATABASE_URL"] = args.pg_url
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["TAMIN_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamin.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop_database(args: argparse.Namespace) -> None:
    from django.db import connection

    connection.close()
    if args.db == "postgresql":
        import psycopg

        base, name = args.pg_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        path = Path(os.environ["TAMIN_DATABASE_URL"].removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def list_sizes(n_lists: int, rng: np.random.Generator) -> np.ndarray:
    """Most lists 1–5 workers, a log-normal tail up to 5,000 (mean ≈ 11 rows per list)."""
    small = rng.integers(1, 6, n_lists)
    tail = np.clip(np.rint(rng.lognormal(3.0, 1.35, n_lists)), 6, 5000).astype(np.int64)
    return np.where(rng.random(n_lists) < 0.8, small, tail)


def build_lists(n_lists: int, seed: int):
    from tamin.contributions.dbf.synthetic import synthetic_list
    from tamin.contributions.wagelist import SourceFile, WageList
    from tamin.core.idcodes import with_check_digits
    from tamin.registry.models import Branch

    rng = np.random.default_rng(seed)
    sizes = list_sizes(n_lists, rng)
    total = int(sizes.sum())
    big = synthetic_list(total, seed=seed, yy=3, mm=9)
    big.rows["PER_NATCOD"] = with_check_digits(np.arange(100_100_100, 100_100_100 + total))
    # One insurance number per worker (the generator draws them at random: in a list of thousands, two
    # workers would now and then share one, which the check rightly rejects).
    big.rows["DSW_ID1"] = np.arange(20_000_000, 20_000_000 + total).astype(str)
    branches = list(Branch.objects.order_by("code").values_list("code", flat=True))
    i = np.arange(n_lists)
    nb = len(branches)
    codes = [f"{branches[k % nb]}{100 + (k // nb) // 9999:03d}{(k // nb) % 9999 + 1:04d}" for k in i.tolist()]
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    sums = {
        name: np.add.reduceat(big.rows[name], bounds[:-1])
        for name in (
            "DSW_DD",
            "DSW_ROOZ",
            "DSW_MAH",
            "DSW_MAZ",
            "DSW_MASH",
            "DSW_TOTL",
            "DSW_BIME",
            "DSW_SPOUSE",
        )
    }
    inc_days = np.add.reduceat(big.rows["DSW_INC"] * big.rows["DSW_DD"], bounds[:-1])
    lists = []
    for k in range(n_lists):
        a, b = int(bounds[k]), int(bounds[k + 1])
        rows = {name: col[a:b] for name, col in big.rows.items()}
        rows["DSW_ID"] = np.full(b - a, codes[k])
        header = dict(big.header)
        header.update(
            DSK_ID=codes[k],
            DSK_NUM=b - a,
            DSK_TDD=int(sums["DSW_DD"][k]),
            DSK_TROOZ=int(sums["DSW_ROOZ"][k]),
            DSK_TMAH=int(sums["DSW_MAH"][k]),
            DSK_TMAZ=int(sums["DSW_MAZ"][k]),
            DSK_TMASH=int(sums["DSW_MASH"][k]),
            DSK_TTOTL=int(sums["DSW_TOTL"][k]),
            DSK_TBIME=int(sums["DSW_BIME"][k]),
            DSK_TKOSO=int((sums["DSW_MASH"][k] * 20 + 50) // 100),
            DSK_BIC=int((sums["DSW_MASH"][k] * 3 + 50) // 100),
            DSK_INC=int(inc_days[k]),
            DSK_SPOUSE=int(sums["DSW_SPOUSE"][k]),
        )
        lists.append(
            WageList(
                SourceFile("DSKKAR00.DBF", "B", "iran_system"),
                SourceFile("DSKWOR00.DBF", "B", "iran_system"),
                header,
                rows,
            )
        )
    return lists, codes, big


def register(codes: list[str], big, sizes: np.ndarray, employments: bool = True) -> None:
    """Workshops, persons and their employments, set-based: what the registry holds before a month's
    lists in the steady state (last month's lists opened the employments; this month creates few)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tamin.contributions.posting import bulk_insert
    from tamin.registry.models import Branch, Employer, Employment, Person, Workshop

    employer = Employer.objects.create(kind="legal", name="کارفرمای آزمون", national_id="10380284791")
    branch_ids = dict(Branch.objects.values_list("code", "id"))
    n = len(codes)
    now = timezone.now()
    stamp = now.isoformat() if connection.vendor == "postgresql" else now.replace(tzinfo=None).isoformat(" ")
    with transaction.atomic():
        bulk_insert(
            Workshop._meta.db_table,
            {
                "code": np.array(codes),
                "name": np.full(n, "کارگاه"),
                "address": np.full(n, "تهران"),
                "postal_code": np.full(n, ""),
                "branch_id": np.array([branch_ids[c[:3]] for c in codes], dtype=np.int64),
                "activity_code": np.array([c[3:6] for c in codes]),
                "activity": np.full(n, "تولید"),
                "employer_id": np.full(n, employer.pk, dtype=np.int64),
                "status": np.full(n, "active"),
                "opened_on": np.full(n, "2000-01-01"),
                "small_workshop_exempt": np.zeros(n, dtype=bool),
            },
        )
        m = len(big.rows["PER_NATCOD"])
        bulk_insert(
            Person._meta.db_table,
            {
                "national_code": big.rows["PER_NATCOD"],
                "insurance_number": np.strings.zfill(np.arange(m).astype(str), 10),
                "first_name": big.rows["DSW_FNAME"],
                "last_name": big.rows["DSW_LNAME"],
                "father_name": np.full(m, ""),
                "birth_date": np.full(m, "1980-01-01"),
                "sex": np.full(m, "male"),
                "nationality": np.full(m, "IR"),
                "id_card_number": np.full(m, ""),
                "mobile": np.full(m, ""),
                "is_pensioner": np.zeros(m, dtype=bool),
                "registered_at": np.full(m, stamp),
                "updated_at": np.full(m, stamp),
            },
        )
        if not employments:
            return
        person_id = dict(Person.objects.values_list("national_code", "id"))
        workshop_id = dict(Workshop.objects.values_list("code", "id"))
        bulk_insert(
            Employment._meta.db_table,
            {
                "person_id": np.array([person_id[c] for c in big.rows["PER_NATCOD"].tolist()], np.int64),
                "workshop_id": np.repeat(np.array([workshop_id[c] for c in codes], np.int64), sizes),
                "start_date": np.full(m, "2000-01-01"),
                "job_code": np.full(m, ""),
                "job_title": np.full(m, ""),
                "hard_job": np.zeros(m, dtype=bool),
            },
        )


def bare_copy(big, person_ids: np.ndarray) -> float:
    """The same rows into a table with the ListRow columns and no keys, constraints or indexes."""
    from django.db import connection, transaction

    from tamin.contributions.models import ROW_NUMBER_COLUMNS, ROW_PRICE_COLUMNS, ROW_TEXT_COLUMNS
    from tamin.contributions.posting import bulk_insert

    texts = [c for c, _ in ROW_TEXT_COLUMNS]
    numbers = [
        "contribution_list_id",
        "row_no",
        "person_id",
        *[c for c, _ in ROW_NUMBER_COLUMNS],
        *ROW_PRICE_COLUMNS,
    ]
    ddl = ", ".join(
        [*(f"{c} varchar(100)" for c in texts), *(f"{c} bigint" for c in numbers), "hard_job boolean"]
    )
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        cur.execute(f"CREATE TABLE bench_bare ({ddl})")
    n = len(person_ids)
    cols = {c: np.asarray(big.rows[d], dtype=str) for c, d in ROW_TEXT_COLUMNS}
    cols |= {
        "contribution_list_id": np.ones(n, dtype=np.int64),
        "row_no": np.arange(1, n + 1),
        "person_id": person_ids,
    }
    cols |= {c: big.rows[d] for c, d in ROW_NUMBER_COLUMNS}
    cols |= {c: big.rows["DSW_MASH"] for c in ROW_PRICE_COLUMNS}
    cols["hard_job"] = np.zeros(n, dtype=bool)
    t = time.perf_counter()
    with transaction.atomic():
        bulk_insert("bench_bare", cols)
    return time.perf_counter() - t


def _read_histories(person_ids: np.ndarray, seed: int, n: int = 500) -> None:
    """A person's history is read through the records_history view over the rows just posted: the
    months, yearly totals and whole years of `n` random persons, as the portal and API read them."""
    from django.db import connection

    from tamin.accounts.models import User
    from tamin.accounts.roles import Role
    from tamin.records.services import history
    from tamin.registry.models import Person

    # Statistics as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) leave them after a bulk load:
    # without them PostgreSQL plans for tables of a few hundred rows.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    staff = User(username="bench-reader", role=Role.ADMIN, is_active=True)
    picked = np.random.default_rng(seed).choice(person_ids, size=min(n, len(person_ids)), replace=False)
    persons = list(Person.objects.filter(pk__in=picked.tolist()))
    t = time.perf_counter()
    months = sum(len(history(staff, p).months) for p in persons)
    s = time.perf_counter() - t
    print(f"  history read: {len(persons):,} persons' months and yearly totals in {s:.2f}s "
          f"({s / len(persons) * 1000:.1f} ms each, {months:,} months)")  # fmt: skip


def run(args: argparse.Namespace) -> None:
    """One database: generate, register, check, import, baseline, verify."""
    t_all = time.perf_counter()
    _prepare_database(args)
    from django.db import connection

    from tamin.audit.services import verify
    from tamin.contributions import batch, employments
    from tamin.contributions.batch_check import check_batch
    from tamin.contributions.checking import check_list
    from tamin.contributions.posting import SystemActor
    from tamin.registry.models import Person

    n_lists = max(1, int(100_000 * args.scale))
    t = time.perf_counter()
    lists, codes, big = build_lists(n_lists, args.seed)
    rows = sum(wl.n for wl in lists)
    sizes = np.array([wl.n for wl in lists])
    print(
        f"[{connection.vendor}] {n_lists:,} lists, {rows:,} rows (median {int(np.median(sizes))}, "
        f"p99 {int(np.percentile(sizes, 99))}, max {sizes.max()}; "
        f"{np.mean(sizes <= 5):.0%} with 1–5 workers); "
        f"generated in {time.perf_counter() - t:.1f}s",
        flush=True,
    )
    t = time.perf_counter()
    register(codes, big, sizes, employments=not args.new_hires)
    print(
        f"  registered {n_lists:,} workshops, {rows:,} persons and their employments"
        f" in {time.perf_counter() - t:.1f}s",
        flush=True,
    )

    ids = dict(Person.objects.values_list("national_code", "id"))
    person_ids = np.array([ids[c] for c in big.rows["PER_NATCOD"].tolist()], dtype=np.int64)
    # The baseline is measured before and after the import: on this shared 2-core machine one
    # measurement moves by ±20 %, and the database around it grows during the import.
    bare_before = bare_copy(big, person_ids)

    today = dt.date(2025, 1, 20)
    t = time.perf_counter()
    checked = []
    for i in range(0, n_lists, args.batch):
        checked.extend(check_batch(lists[i : i + args.batch], today=today)[0])
    check_s = time.perf_counter() - t
    bad = sum(not r.ok for r in checked)
    warned = sum(bool(r.problems) for r in checked)
    print(
        f"  check+price (batch):    {check_s:6.1f}s  {n_lists / check_s:9,.0f} lists/s  "
        f"{rows / check_s:11,.0f} rows/s"
        f"  ({bad} lists with errors, {warned} with any problem)",
        flush=True,
    )
    sample = lists[: args.sample]
    t = time.perf_counter()
    reference = [check_list(wl, today=today) for wl in sample]
    one_s = time.perf_counter() - t
    same = all(
        a.problems == b.problems and a.counts == b.counts and (a.price is None) == (b.price is None)
        and (a.price is None or a.price.totals == b.price.totals)
        for a, b in zip(checked, reference, strict=False)
    )  # fmt: skip
    sample_rows = sum(wl.n for wl in sample)
    print(
        f"  check+price (per list): {one_s:6.1f}s  {len(sample) / one_s:9,.0f} lists/s  "
        f"{sample_rows / one_s:11,.0f} rows/s"
        f"  (first {len(sample):,} lists; results {'identical' if same else 'DIFFERENT'} to the batch's)",
        flush=True,
    )

    write_s = 0.0
    post_batch = batch.post_batch

    def timed_post(*a, **kw):
        nonlocal write_s
        t0 = time.perf_counter()
        try:
            return post_batch(*a, **kw)
        finally:
            write_s += time.perf_counter() - t0

    batch.post_batch = timed_post
    # The employments a month's lists open or close (employments.sync_from_lists, called by post_batch)
    # are another table's write: timed apart so the lists' own write can be compared with the baseline.
    sync_s = 0.0
    sync = getattr(employments, "sync_from_lists", None)

    def timed_sync(*a, **kw):
        nonlocal sync_s
        t0 = time.perf_counter()
        try:
            return sync(*a, **kw)
        finally:
            sync_s += time.perf_counter() - t0

    if sync is not None:
        employments.sync_from_lists = timed_sync
    actor = SystemActor()
    statuses: dict[str, int] = {}
    t = time.perf_counter()
    for i in range(0, n_lists, args.batch):
        for outcome in batch.import_batch(lists[i : i + args.batch], actor=actor, today=today):
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    import_s = time.perf_counter() - t
    batch.post_batch = post_batch
    if sync is not None:
        employments.sync_from_lists = sync
    print(
        f"  import (batches of {args.batch:,}): {import_s:6.1f}s  {n_lists / import_s:9,.0f} lists/s  "
        f"{rows / import_s:11,.0f} rows/s  {statuses}",
        flush=True,
    )
    print(f"    of which write (post_batch): {write_s:6.1f}s  {rows / write_s:11,.0f} rows/s", flush=True)
    own_s = write_s - sync_s
    print(f"      of which employments sync: {sync_s:6.1f}s; the lists' own write: {own_s:6.1f}s  "
          f"{rows / own_s:11,.0f} rows/s", flush=True)  # fmt: skip

    bare_after = bare_copy(big, person_ids)
    bare_s = (bare_before + bare_after) / 2
    how = "COPY" if connection.vendor == "postgresql" else "executemany"
    print(f"  baseline: plain {how} of the same {rows:,} rows into a bare table: {bare_s:.2f}s  "
          f"{rows / bare_s:,.0f} rows/s (mean of {bare_before:.2f}s before the import and "
          f"{bare_after:.2f}s after)")  # fmt: skip
    for label, value in (("write", write_s), ("lists' own write", own_s), ("import", import_s)):
        verdict = "meets" if value / bare_s <= TARGET else "misses"
        print(f"  ratio {label} / bare {how}: {value / bare_s:5.2f}x  ({verdict} the ≤ {TARGET:g}x target)")
    _read_histories(person_ids, args.seed)
    t = time.perf_counter()
    report = verify()
    print(
        f"  audit verify: {'ok' if report.ok else 'BROKEN'}, {report.checked:,} entries "
        f"in {time.perf_counter() - t:.1f}s"
    )
    _drop_database(args)
    print(f"  total for {connection.vendor}: {time.perf_counter() - t_all:.0f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=0.9,
        help="1 = 100,000 lists (≈1.27 M rows); the default 0.9 keeps both databases under 10 min here",
    )
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("TAMIN_BENCH_PG_URL", PG_URL))
    parser.add_argument("--batch", type=int, default=5000, help="lists per transaction")
    parser.add_argument("--sample", type=int, default=2000, help="lists checked one by one for comparison")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument(
        "--new-hires", action="store_true", help="register no employments first: every listed worker is new"
    )
    args = parser.parse_args()
    if args.db != "both":
        run(args)
        return
    t = time.perf_counter()
    for db in ("sqlite", "postgresql"):
        # One process per database: Django binds its connection settings once per process.
        argv = [sys.executable, __file__, "--db", db, "--scale", str(args.scale), "--pg-url", args.pg_url]
        argv += ["--batch", str(args.batch), "--sample", str(args.sample), "--seed", str(args.seed)]
        if subprocess.run(argv, check=False).returncode:
            sys.exit(1)
    print(f"total: {time.perf_counter() - t:.0f}s at --scale {args.scale:g}")


if __name__ == "__main__":
    main()
