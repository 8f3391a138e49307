"""The monthly payroll's arithmetic over 4.5 million synthetic awards (in memory, no database): the
vectorised pass of tamin.benefits.payroll (every yearly increase since each award's start year, arrears
of a late decision, net) against the same arithmetic written directly in numpy (target: within 2×) and
against a per-person Python loop (timed on a sample, extrapolated).

Scenario: the payroll of Shahrivar 1405 for awards started 1401–1405; the 1405 increase was decided late,
so Farvardin–Mordad 1405 (5 months) were paid at the 1404 amount and the difference is due as arrears.

Run: .venv/bin/python benchmarks/bench_payroll.py [--rows N] [--loop-rows N]
Each pair of results is checked for agreement, so a fast wrong answer cannot pass for a speed-up.
"""

from __future__ import annotations

import argparse
import os
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
    from tamin.benefits.payroll import Awards, compute_lines
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


def direct(a: dict[str, np.ndarray], paid: dict[str, np.ndarray], k: dict) -> np.ndarray:
    """The same arithmetic by hand: year by year, both bands, keep the one that applies."""
    p, sy, pro = a["base"].copy(), a["start_year"], a["pro_rata"]
    for y in range(1402, YEAR + 1):
        mn, md, on_, od, fixed, old_min, new_min = k[y]
        low = pro | (p <= old_min)
        raised = np.where(low, (2 * p * mn + md) // (2 * md), (2 * p * on_ + od) // (2 * od) + fixed)
        raised = np.where(pro, raised, np.maximum(raised, new_min))
        p = np.where(sy < y, raised, p)
    arrears = np.maximum(paid["months"] * p - paid["pension"] - paid["arrears"], 0)  # one row per award
    return p + arrears


def loop(base: list[int], start_year: list[int], pro_rata: list[bool], paid: list[int], k: dict) -> list[int]:
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
        out.append(p + max(PAID_MONTHS * p - paid_sum, 0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4_500_000)
    ap.add_argument("--loop-rows", type=int, default=50_000)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamin.settings")
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
    engine({key: v[:10] for key, v in a.items()}, {key: v[:10] for key, v in paid.items()})  # warm up

    t_engine, lines = timed(lambda: engine(a, paid))
    got = lines.net
    t_direct, want = timed(lambda: direct(a, paid, k))
    assert np.array_equal(got, want), "payroll and direct numpy disagree"
    n = min(args.loop_rows, args.rows)
    sample = [a["base"][:n].tolist(), a["start_year"][:n].tolist(), a["pro_rata"][:n].tolist()]
    t_loop, slow = timed(lambda: loop(*sample, paid["pension"][:n].tolist(), k), repeat=1)
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
    print(f"total run time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
