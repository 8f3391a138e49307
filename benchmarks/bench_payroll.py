"""The monthly payroll's arithmetic over 4.5 million synthetic awards (in memory, no database): the
vectorised pass of tamin.benefits.payroll (every yearly increase since each award's start year, arrears
of a late decision, net) against the same arithmetic written directly in numpy (target: within 2×) and
against a per-person Python loop (timed on a sample, extrapolated).

Scenario: the payroll of Shahrivar 1405 for awards started 1401–1405; the 1405 increase was decided late,
so Farvardin–Mordad 1405 (5 months) were paid at the 1404 amount and the difference is due as arrears.

Then the payroll end to end against a database (--db-rows, default 200,000 awards, in a temporary SQLite
file): `run_payroll` loading the awards, the family facts and the deductions in chunks into numpy,
computing, and writing the lines set-based — seconds and lines/s, checked against the per-person
calculator on a sample.

Run: .venv/bin/python benchmarks/bench_payroll.py [--rows N] [--loop-rows N] [--db-rows N]
Each pair of results is checked for agreement, so a fast wrong answer cannot pass for a speed-up.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
YEAR = 1405
PAID_MONTHS = 5  # Farvardin–Mordad paid before the decision


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def synthetic(rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Awards started 1401–1405; four in ten near the minimum pension, the rest spread above it."""
    start_year = rng.integers(1401, YEAR + 1, size=rows)
    low = rng.random(rows) < 0.4
    base = np.where(
        low,
        rng.integers(30_000_000, 110_000_000, size=rows),
        rng.integers(110_000_000, 900_000_000, size=rows),
    ).astype(np.int64)
    return {
        "id": np.arange(1, rows + 1, dtype=np.int64),
        "start_year": start_year.astype(np.int64),
        "base": base,
        "pro_rata": rng.random(rows) < 0.05,
    }


def engine(a: dict[str, np.ndarray], paid: dict[str, np.ndarray]) -> Any:
    from tamin.benefits.payroll import compute_lines
    from tamin.benefits.payroll_facts import Awards
    from tamin.core.jalali import JalaliMonth

    awards = Awards(a["id"], a["id"], a["start_year"], a["base"], a["pro_rata"])
    return compute_lines(awards, JalaliMonth(YEAR, 6), paid)


def constants() -> dict[int, tuple[int, int, int, int, int, int, int]]:
    """Each year's figures, read once: (min num, min den, other num, other den, fixed, old min, new min)."""
    from tamin.rules.adjustments import _factor, year_start
    from tamin.rules.params import default_parameters
    from tamin.rules.pensions import minimum_pension

    p = default_parameters()
    out = {}
    for y in range(1402, YEAR + 1):
        on = np.array([np.datetime64(year_start(y), "D")])
        mn, md = _factor(p, "adjustment.minimum.percent", on)
        on_, od = _factor(p, "adjustment.other.percent", on)
        fixed = int(p.vector("adjustment.other.fixed", on)[0])
        old_min = int(minimum_pension(on - np.timedelta64(1, "D"), params=p)[0])
        new_min = int(minimum_pension(on, params=p)[0])
        out[y] = (int(mn[0]), int(md[0]), int(on_[0]), int(od[0]), fixed, old_min, new_min)
    return out


def housing_aid() -> int:
    """Every synthetic award is a retirement pension with no family: the housing aid is its only allowance."""
    from tamin.core.jalali import JalaliMonth
    from tamin.rules.pension_allowances import month_rates

    return month_rates(JalaliMonth(YEAR, 6).first_day()).amount("housing_allowance")


def direct(a: dict[str, np.ndarray], paid: dict[str, np.ndarray], k: dict, housing: int) -> np.ndarray:
    """The same arithmetic by hand: year by year, both bands, keep the one that applies."""
    p, sy, pro = a["base"].copy(), a["start_year"], a["pro_rata"]
    for y in range(1402, YEAR + 1):
        mn, md, on_, od, fixed, old_min, new_min = k[y]
        low = pro | (p <= old_min)
        raised = np.where(low, (2 * p * mn + md) // (2 * md), (2 * p * on_ + od) // (2 * od) + fixed)
        raised = np.where(pro, raised, np.maximum(raised, new_min))
        p = np.where(sy < y, raised, p)
    arrears = np.maximum(paid["months"] * p - paid["pension"] - paid["arrears"], 0)  # one row per award
    return p + arrears + housing


def loop(
    base: list[int], start_year: list[int], pro_rata: list[bool], paid: list[int], k: dict, housing: int
) -> list[int]:
    out = []
    for b, sy, pro, paid_sum in zip(base, start_year, pro_rata, paid, strict=True):
        p = b
        for y in range(sy + 1, YEAR + 1):
            mn, md, on_, od, fixed, old_min, new_min = k[y]
            if pro or p <= old_min:
                p = (2 * p * mn + md) // (2 * md)
            else:
                p = (2 * p * on_ + od) // (2 * od) + fixed
            if not pro:
                p = max(p, new_min)
        out.append(p + max(PAID_MONTHS * p - paid_sum, 0) + housing)
    return out


def db_payroll(rows: int, rng: np.random.Generator) -> None:
    """`run_payroll` end to end on `rows` awards in the (temporary) database: a third of the pensioners
    married, some with children, one in ten with a loan instalment and one in five insured."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from tamin.benefits import payroll
    from tamin.benefits.models import PayrollLine, PensionAward, PensionDeduction
    from tamin.contributions.posting import SystemActor, bulk_insert
    from tamin.core.jalali import JalaliMonth
    from tamin.registry.models import FamilyRelation, Person
    from tamin.rules.params import default_parameters

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    married = rng.random(rows) < 1 / 3
    kids = np.where(married, rng.integers(0, 4, size=rows), 0)
    n_rel = int(married.sum() + kids.sum())
    n_people = rows + n_rel
    ids = np.arange(1, n_people + 1, dtype=np.int64)
    born = np.where(ids <= rows, "1960-03-21", np.where(ids % 2 == 0, "2012-06-01", "1965-01-01"))
    now = "2026-01-01 00:00:00"
    a = synthetic(rows, rng)
    with transaction.atomic():
        bulk_insert(
            Person._meta.db_table,
            {
                "id": ids,
                "national_code": np.char.zfill(ids.astype(str), 10),
                "first_name": np.full(n_people, "نام"),
                "last_name": np.full(n_people, "خانوادگی"),
                "father_name": np.full(n_people, ""),
                "birth_date": born,
                "sex": np.full(n_people, "male"),
                "nationality": np.full(n_people, "IR"),
                "id_card_number": np.full(n_people, ""),
                "mobile": np.full(n_people, ""),
                "is_pensioner": ids <= rows,
                "registered_at": np.full(n_people, now),
                "updated_at": np.full(n_people, now),
            },
        )
        # relations: a spouse for each married pensioner, then its children (relatives rows+1…)
        holder = np.concatenate([np.flatnonzero(married) + 1, np.repeat(np.arange(1, rows + 1), kids)])
        kind = np.concatenate([np.full(int(married.sum()), "spouse"), np.full(int(kids.sum()), "child")])
        bulk_insert(
            FamilyRelation._meta.db_table,
            {
                "id": np.arange(1, n_rel + 1, dtype=np.int64),
                "person_id": holder,
                "relative_id": rows + np.arange(1, n_rel + 1, dtype=np.int64),
                "kind": kind,
                "valid_from": np.full(n_rel, "2000-01-01"),
            },
        )
        bulk_insert(
            PensionAward._meta.db_table,
            {
                "id": a["id"],
                "person_id": a["id"],
                "kind": np.full(rows, "retirement"),
                "start_year": a["start_year"],
                "start_month": np.ones(rows, np.int64),
                "base_amount": a["base"],
                "pro_rata": a["pro_rata"],
                "status": np.full(rows, "active"),
                "derivation": np.full(rows, "{}"),
                "created": np.full(rows, now),
            },
        )
        loan = np.flatnonzero(rng.random(rows) < 0.1) + 1
        supp = np.flatnonzero(rng.random(rows) < 0.2) + 1
        n_d = len(loan) + len(supp)
        bulk_insert(
            PensionDeduction._meta.db_table,
            {
                "id": np.arange(1, n_d + 1, dtype=np.int64),
                "award_id": np.concatenate([loan, supp]),
                "kind": np.concatenate([np.full(len(loan), "loan"), np.full(len(supp), "supplementary")]),
                "amount": np.ma.masked_array(
                    np.full(n_d, 5_000_000, np.int64), mask=np.arange(n_d) >= len(loan)
                ),
                "covered_persons": np.ones(n_d, np.int64),
                "start_year": np.full(n_d, YEAR, np.int64),
                "start_month": np.ones(n_d, np.int64),
                "months": np.full(n_d, 24, np.int64),
                "creditor": np.full(n_d, ""),
                "reference": np.full(n_d, ""),
                "created_by": np.full(n_d, "bench"),
                "created": np.full(n_d, now),
            },
        )
    t_setup = time.perf_counter() - t0
    month = JalaliMonth(YEAR, 6)
    default_parameters()  # read the YAML once, as a running server has (about 1 s cold)
    t0 = time.perf_counter()
    result = payroll.run_payroll(SystemActor(), month)
    t_run = time.perf_counter() - t0
    assert result.line_count == rows
    sample = PensionAward.objects.filter(pk__in=rng.choice(a["id"], size=50, replace=False).tolist())
    for award in sample.select_related("person"):
        line = PayrollLine.objects.get(award=award)
        assert payroll.person_line(award, month, line.pension_after, line.arrears)["net"] == line.net
    print(f"payroll of {month} end to end on {connection.vendor} ({rows:,} awards, {n_rel:,} relations,")
    print(f"  {n_d:,} deductions; setup {t_setup:.1f} s): load + compute + write")
    print(f"  {'run_payroll':<22}{t_run:10.2f} s  {rows / t_run:16,.0f} lines/s")
    print(f"  allowances {result.total_allowances:,}, deductions {result.total_deductions:,} rial")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4_500_000)
    ap.add_argument("--loop-rows", type=int, default=50_000)
    ap.add_argument("--db-rows", type=int, default=200_000, help="0: skip the database run")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamin.settings")
    tmp = tempfile.TemporaryDirectory(prefix="bench-payroll-")
    # a throwaway database: never the project's own
    os.environ["TAMIN_DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    import django

    django.setup()
    from tamin.benefits.payroll import month_pensions

    started = time.perf_counter()
    rng = np.random.default_rng(1405)
    a = synthetic(args.rows, rng)
    # What Farvardin–Mordad paid: the 1404 amount (the 1405 decision was not known yet).
    paid_1404 = month_pensions(a["base"], a["start_year"], a["pro_rata"], YEAR - 1).after
    paid_1404 = np.where(a["start_year"] == YEAR, a["base"], paid_1404)
    paid = {
        "award_id": a["id"],
        "year": np.full(args.rows, YEAR, np.int64),
        "months": np.full(args.rows, PAID_MONTHS, np.int64),
        "pension": PAID_MONTHS * paid_1404,
        "arrears": np.zeros(args.rows, np.int64),
    }
    k = constants()
    housing = housing_aid()
    engine({key: v[:10] for key, v in a.items()}, {key: v[:10] for key, v in paid.items()})  # warm up

    t_engine, lines = timed(lambda: engine(a, paid))
    got = lines.net
    t_direct, want = timed(lambda: direct(a, paid, k, housing))
    assert np.array_equal(got, want), "payroll and direct numpy disagree"
    n = min(args.loop_rows, args.rows)
    sample = [a["base"][:n].tolist(), a["start_year"][:n].tolist(), a["pro_rata"][:n].tolist()]
    t_loop, slow = timed(lambda: loop(*sample, paid["pension"][:n].tolist(), k, housing), repeat=1)
    assert slow == got[:n].tolist(), "payroll and per-person loop disagree"
    t_loop_all = t_loop * args.rows / n

    print(f"payroll of {YEAR}-06, {args.rows:,} awards started 1401–{YEAR}, increases 1402–{YEAR}, arrears")
    print(f"  {'payroll pass':<22}{t_engine * 1e3:10.1f} ms {args.rows / t_engine:16,.0f} awards/s")
    print(f"  {'direct numpy':<22}{t_direct * 1e3:10.1f} ms {args.rows / t_direct:16,.0f} awards/s")
    print(
        f"  {'python loop (extrap.)':<22}{t_loop_all * 1e3:10.1f} ms {args.rows / t_loop_all:16,.0f} awards/s"
        f"   (measured on {n:,})"
    )
    ratio = t_engine / t_direct
    print(
        f"  {'payroll / direct':<22}{ratio:10.2f} x   (target ≤ 2.00: {'met' if ratio <= 2 else 'NOT met'})"
    )
    print(f"  {'loop / payroll':<22}{t_loop_all / t_engine:10.1f} x")
    print(f"  net paid: {int(got.sum()):,} rial, of which arrears {int(lines.arrears.sum()):,}")
    if args.db_rows:
        del a, paid, lines, got, want
        db_payroll(args.db_rows, np.random.default_rng(1406))
    print(f"total run time {time.perf_counter() - started:.1f} s")
    tmp.cleanup()


if __name__ == "__main__":
    main()
