"""Pensions: the vectorised Art. 77 pension + the 1404 yearly increase over millions of synthetic pensions,
against the same arithmetic written directly in numpy (target: within 2×) and against a per-person
Python loop (timed on a sample, extrapolated); and one `tamin calc pension` case end to end.

Run: .venv/bin/python benchmarks/bench_pension.py [--rows N] [--loop-rows N]
Each pair of results is checked for agreement, so a fast wrong answer cannot pass for a speed-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules import adjustments as A
from tamin.rules import pensions as P

T = TypeVar("T")
ESTABLISHED = parse_jalali_date("1403/06/01")  # pensions established in 1403, raised for 1404


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def synthetic(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    average = rng.integers(40_000_000, 700_000_000, rows)
    days = rng.integers(10 * 365, 40 * 365, rows)
    route = rng.choice(
        [P.AGE, P.LONG_SERVICE, P.FULL_SERVICE, P.HARD_JOB, P.TEN_YEAR], rows, p=[0.4, 0.3, 0.15, 0.1, 0.05]
    )
    return average, days, route.astype(np.int8)


def engine(average: np.ndarray, days: np.ndarray, route: np.ndarray) -> np.ndarray:
    on = np.array([np.datetime64(ESTABLISHED, "D")])
    pension = P.retirement_pension(average, days, route, on)
    raised, _ = A.yearly_increase(pension, route == P.TEN_YEAR, 1404)
    return raised


# The same arithmetic with the 1403/1404 figures written in: what a hand-tuned payroll would do.
MIN_1403, MIN_1404, FIXED_1404 = 2_388_728 * 30, 3_463_656 * 30, 9_316_050


def rhu(n: np.ndarray, d: int) -> np.ndarray:
    return (2 * n + d) // (2 * d)  # round half up, n ≥ 0


def direct(average: np.ndarray, days: np.ndarray, route: np.ndarray) -> np.ndarray:
    counted = np.minimum(days, 35 * 365)
    formula = rhu(average * counted, 30 * 365)
    pro = route == P.TEN_YEAR
    floor = np.where(pro, rhu(MIN_1403 * counted, 30 * 365), MIN_1403)
    pension = np.maximum(formula, floor)
    low = pro | (pension <= MIN_1403)
    raised = np.where(low, rhu(pension * 145, 100), rhu(pension * 132, 100) + FIXED_1404)
    return np.where(pro, raised, np.maximum(raised, MIN_1404))


def loop(average: np.ndarray, days: np.ndarray, route: np.ndarray) -> list[int]:
    """One person at a time in Python ints, reading the parameters as a naive service would."""
    from tamin.rules.params import value

    out = []
    on, new_year = ESTABLISHED, A.year_start(1404)
    for a, d, r in zip(average.tolist(), days.tolist(), route.tolist(), strict=True):
        dpy = value("pension.service.days_per_year", on)
        counted = min(d, value("pension.accrual.max_years", on) * dpy)
        den = value("pension.accrual.divisor", on) * dpy
        minimum = value("wage.minimum_daily", on) * value("pension.minimum.wage_days", on)
        formula = (2 * a * counted + den) // (2 * den)
        floor = (2 * minimum * counted + den) // (2 * den) if r == P.TEN_YEAR else minimum
        pension = max(formula, floor)
        before = new_year - dt.timedelta(days=1)
        old_min = value("wage.minimum_daily", before) * 30
        new_min = value("wage.minimum_daily", new_year) * 30
        if r == P.TEN_YEAR or pension <= old_min:
            pct = value("adjustment.minimum.percent", new_year)
            raised = (2 * pension * (100 + pct) + 100) // 200
        else:
            pct = value("adjustment.other.percent", new_year)
            raised = (2 * pension * (100 + pct) + 100) // 200 + value("adjustment.other.fixed", new_year)
        out.append(raised if r == P.TEN_YEAR else max(raised, new_min))
    return out


def calc_case(path: Path) -> dict:
    end = JalaliMonth(1404, 6)
    history = [
        {"month": str(end - i), "days": (end - i).days, "wage": 180_000_000, "hard_job": False}
        for i in range(372)
    ]
    case = {
        "kind": "retirement",
        "sex": "male",
        "birth_date": "1345/05/10",
        "application_date": "1404/07/01",
        "history": history,
    }
    path.write_text(json.dumps(case), encoding="utf-8")
    return case


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4_500_000)
    ap.add_argument("--loop-rows", type=int, default=50_000)
    args = ap.parse_args()
    started = time.perf_counter()
    rng = np.random.default_rng(1404)
    average, days, route = synthetic(args.rows, rng)
    engine(average[:10], days[:10], route[:10])  # load the parameter files outside the timing

    t_engine, got = timed(lambda: engine(average, days, route))
    t_direct, want = timed(lambda: direct(average, days, route))
    assert np.array_equal(got, want), "engine and direct numpy disagree"
    n = min(args.loop_rows, args.rows)
    t_loop, slow = timed(lambda: loop(average[:n], days[:n], route[:n]), repeat=1)
    assert slow == got[:n].tolist(), "engine and per-person loop disagree"
    t_loop_all = t_loop * args.rows / n

    print(f"pension (Art. 77/111, established 1403/06/01) + 1404 yearly increase, {args.rows:,} pensions")
    print(f"  {'engine':<22}{t_engine * 1e3:10.1f} ms {args.rows / t_engine:16,.0f} pensions/s")
    print(f"  {'direct numpy':<22}{t_direct * 1e3:10.1f} ms {args.rows / t_direct:16,.0f} pensions/s")
    rate = args.rows / t_loop_all
    print(
        f"  {'python loop (extrap.)':<22}{t_loop_all * 1e3:10.1f} ms {rate:16,.0f} pensions/s"
        f"   (measured on {n:,})"
    )
    ratio = t_engine / t_direct
    print(f"  {'engine / direct':<22}{ratio:10.2f} x   (target ≤ 2.00: {'met' if ratio <= 2 else 'NOT met'})")
    print(f"  {'loop / engine':<22}{t_loop_all / t_engine:10.1f} x")
    print(f"  total paid after the increase: {int(got.sum()):,} rial a month")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.json"
        case = calc_case(path)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tamin.settings"}
        cmd = [sys.executable, "-m", "tamin", "calc", "pension", "--input", str(path)]
        t_cli, proc = timed(
            lambda: subprocess.run(cmd, capture_output=True, text=True, env=env, check=True), repeat=3
        )
        out = json.loads(proc.stdout)
        from tamin.rules.pensions import Histories, PersonCase, retirement_explained

        def in_process() -> dict:
            h = Histories.from_records(case["history"])
            person = PersonCase(
                True, parse_jalali_date(case["birth_date"]), parse_jalali_date(case["application_date"]), h
            )
            return retirement_explained(person)

        t_one, one = timed(in_process, repeat=5)
        assert one["pension"] == out["pension"]
    print("one `tamin calc pension` case (31 years of history, 372 months)")
    print(
        f"  {'end to end (process)':<22}{t_cli * 1e3:10.1f} ms   pension {out['pension']:,} ({out['case']})"
    )
    print(f"  {'in process (explained)':<22}{t_one * 1e3:10.1f} ms")
    print(f"total run time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
