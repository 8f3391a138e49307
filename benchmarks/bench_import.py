"""Benchmark: a national-shaped month of wage lists, checked, priced and imported.

    .venv/bin/python benchmarks/bench_import.py --scale 0.02            # SQLite, 2,000 lists
    TAMIN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_import \
        .venv/bin/python benchmarks/bench_import.py --scale 0.02        # PostgreSQL

--scale 1 is the national shape: 100,000 lists, most with 1–5 workers and a long tail up to 5,000
(≈1.1 M rows). The database is built from scratch (SQLite: a temporary file; PostgreSQL: the named
database is dropped and recreated). Workshops and persons are registered first, set-based, so the
import measures the list cycle: registry look-ups, check, price, rows, history, bill, audit — one
transaction per list. The baseline is the same rows written into an equivalent bare table with one
plain COPY (PostgreSQL) or one executemany (SQLite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def _prepare_database(args: argparse.Namespace) -> None:
    url = os.environ.get("TAMIN_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["TAMIN_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamin.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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


def register(codes: list[str], big) -> None:
    """Workshops and persons, set-based (what the registry already holds before the month's lists)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tamin.contributions.posting import bulk_insert
    from tamin.registry.models import Branch, Employer, Person, Workshop

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.02, help="1 = 100,000 lists (≈1.1 M rows)")
    parser.add_argument("--seed", type=int, default=1404)
    args = parser.parse_args()
    _prepare_database(args)
    from django.db import connection

    from tamin.contributions.checking import check_list
    from tamin.contributions.posting import SystemActor
    from tamin.contributions.transfer import import_list
    from tamin.registry.models import Person

    n_lists = max(1, int(100_000 * args.scale))
    t = time.perf_counter()
    lists, codes, big = build_lists(n_lists, args.seed)
    rows = sum(wl.n for wl in lists)
    sizes = np.array([wl.n for wl in lists])
    print(
        f"{connection.vendor}: {n_lists:,} lists, {rows:,} rows (median {int(np.median(sizes))}, "
        f"p99 {int(np.percentile(sizes, 99))}, max {sizes.max()}); "
        f"generated in {time.perf_counter() - t:.1f}s"
    )
    t = time.perf_counter()
    register(codes, big)
    print(f"registered {n_lists:,} workshops and {rows:,} persons in {time.perf_counter() - t:.1f}s")

    today = dt.date(2025, 1, 20)
    t = time.perf_counter()
    bad = sum(not check_list(wl, today=today).ok for wl in lists)
    check_s = time.perf_counter() - t
    print(
        f"check+price: {check_s:.1f}s  {n_lists / check_s:,.0f} lists/s  {rows / check_s:,.0f} rows/s"
        f"  ({bad} lists with errors)"
    )

    actor = SystemActor()
    t = time.perf_counter()
    statuses: dict[str, int] = {}
    for wl in lists:
        status = import_list(wl, actor=actor, today=today).status
        statuses[status] = statuses.get(status, 0) + 1
    import_s = time.perf_counter() - t
    print(
        f"import: {import_s:.1f}s  {n_lists / import_s:,.0f} lists/s  {rows / import_s:,.0f} rows/s  "
        f"{statuses}"
    )

    ids = dict(Person.objects.values_list("national_code", "id"))
    person_ids = np.array([ids[c] for c in big.rows["PER_NATCOD"].tolist()], dtype=np.int64)
    bare_s = bare_copy(big, person_ids)
    how = "COPY" if connection.vendor == "postgresql" else "executemany"
    print(f"bare {how} of the same {rows:,} rows: {bare_s:.2f}s  {rows / bare_s:,.0f} rows/s")
    print(
        f"ratio import / bare {how}: {import_s / bare_s:.1f}x   (check+price alone: {check_s / bare_s:.1f}x)"
    )


if __name__ == "__main__":
    main()
