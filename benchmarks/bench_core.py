"""Hot paths of tamin.core and tamin.rules: vectorised versus one Python call per row.

Run: .venv/bin/python benchmarks/bench_core.py [--rows N] [--lookup-loop-rows N]
Every ratio compares figures measured in the same run on the same machine, and each pair of
results is checked for agreement, so a fast wrong answer cannot pass for a speed-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from tamin.core.idcodes import is_valid_national_code, valid_national_codes, with_check_digits
from tamin.rules.params import default_parameters

T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """Best wall-clock time of `repeat` runs (the least disturbed one), and the result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def national_codes(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Mostly valid codes with a realistic share of typos: 5 % get a wrong check digit."""
    codes = with_check_digits(rng.integers(1_000_000, 10**9, size=rows))
    chars = codes.view(np.uint32).reshape(rows, 10)
    typos = rng.random(rows) < 0.05
    shift = rng.integers(1, 10, size=int(typos.sum())).astype(np.uint32)
    chars[typos, 9] = (chars[typos, 9] - ord("0") + shift) % 10 + ord("0")
    return codes


def report(what: str, unit: str, rows: int, fast: tuple[str, float], slow: tuple[str, float]) -> None:
    print(what)
    for label, seconds in (fast, slow):
        print(f"  {label:<14}{seconds * 1e3:10.1f} ms {rows / seconds:16,.0f} {unit}/s")
    print(f"  {'ratio':<14}{slow[1] / fast[1]:10.1f} x")


def bench_national_codes(rows: int, rng: np.random.Generator) -> None:
    codes = national_codes(rows, rng)
    vector_s, vector_ok = timed(lambda: valid_national_codes(codes))
    as_str = codes.tolist()
    loop_s, loop_ok = timed(lambda: [is_valid_national_code(c) for c in as_str], repeat=1)
    agree = vector_ok.tolist() == loop_ok
    valid = int(vector_ok.sum())
    report(
        f"national codes: {rows:,} codes, {valid:,} valid; vector and loop agree: {agree}",
        "codes",
        rows,
        ("vectorised", vector_s),
        ("Python loop", loop_s),
    )


def bench_parameter_lookup(rows: int, loop_rows: int, rng: np.random.Generator) -> None:
    params = default_parameters()
    name = "wage.minimum_daily"
    first = np.datetime64(dt.date(2018, 3, 21))  # 1397/01/01: every later day has a value
    dates = first + rng.integers(0, 365 * 8, size=rows).astype("timedelta64[D]")
    vector_s, vector_values = timed(lambda: params.vector(name, dates))
    sample = dates[:loop_rows].astype(object).tolist()
    loop_s, loop_values = timed(lambda: [params.value(name, d) for d in sample], repeat=1)
    agree = vector_values[:loop_rows].tolist() == loop_values
    report(
        f"parameter lookup ({name}): vector() on {rows:,} dates, value() looped on {loop_rows:,} "
        f"and scaled to {rows:,}; agree: {agree}",
        "dates",
        rows,
        ("vector()", vector_s),
        ("value() loop", loop_s * rows / loop_rows),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lookup-loop-rows", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(1404)
    started = time.perf_counter()
    bench_national_codes(args.rows, rng)
    bench_parameter_lookup(args.rows, min(args.lookup_loop_rows, args.rows), rng)
    print(f"total run time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
