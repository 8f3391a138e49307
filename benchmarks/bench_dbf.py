"""The wage-list DBF reader against dbfread and against merely reading the bytes.

Run: .venv/bin/python benchmarks/bench_dbf.py [--rows N]
One list of N workers (default 5,000) is written with our own writer (v6 layout), then read by:
  * raw      - just the two files' bytes (the floor no reader can beat);
  * ours     - `read_list`: every field converted, Persian decoded from Iran System and normalised;
  * dbfread  - `dbfread.DBF` materialised to a list (numbers parsed, text decoded as the LDID's cp1256,
               which for these files is mojibake: it does *less* work than we do);
  * dbfread+ - dbfread with raw text handed to our scalar Iran System decoder, i.e. the same output
               as ours, record by record.
All ratios compare figures from this run on this machine; the outputs of ours and dbfread+ are checked
for agreement, so a fast wrong answer cannot pass for a speed-up.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from dbfread import DBF

from tamin.contributions.dbf import read_list, write_list
from tamin.contributions.dbf.iransystem import decode
from tamin.contributions.dbf.layouts import PERSIAN_TEXT
from tamin.contributions.dbf.synthetic import synthetic_list
from tamin.contributions.wagelist import HEADER_NUMBERS, ROW_NUMBERS

NUMBERS = frozenset(HEADER_NUMBERS + ROW_NUMBERS)

T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 5) -> tuple[float, T]:
    """Best wall-clock time of `repeat` runs, and the result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def dbfread_plus(path: Path) -> list[dict[str, object]]:
    out = []
    for rec in DBF(str(path), raw=True):
        row: dict[str, object] = {}
        for name, raw in rec.items():
            if name in PERSIAN_TEXT:
                row[name] = decode(raw)
            else:
                text = raw.decode("ascii").strip()
                row[name] = (int(text) if text else 0) if name in NUMBERS else text
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        kar, wor = write_list(synthetic_list(n, seed=1), tmp)
        size = kar.stat().st_size + wor.stat().st_size
        t_raw, _ = timed(lambda: (kar.read_bytes(), wor.read_bytes()))
        t_ours, wl = timed(lambda: read_list(kar, wor), repeat=15)
        t_dbfread, recs = timed(lambda: (list(DBF(str(kar))), list(DBF(str(wor)))), repeat=3)
        t_plus, plus = timed(lambda: (dbfread_plus(kar), dbfread_plus(wor)), repeat=3)

    assert wl.n == n == len(recs[1]) == len(plus[1])
    for name in ("DSW_LNAME", "DSW_OCP", "PER_NATCOD", "DSW_MASH", "DSW_SPOUSE"):
        theirs = [r[name] for r in plus[1]]
        if not np.array_equal(wl.rows[name], np.array(theirs)):
            raise SystemExit(f"ours and dbfread+ disagree on {name}")

    print(f"one list: {n:,} workers, {size / 1e6:.2f} MB (DSKKAR00 + DSKWOR00, v6 layout)")
    print(f"{'reader':<10} {'seconds':>10} {'rows/s':>14} {'vs ours':>10}")
    for label, t in (("raw bytes", t_raw), ("ours", t_ours), ("dbfread", t_dbfread), ("dbfread+", t_plus)):
        print(f"{label:<10} {t:>10.5f} {n / t:>14,.0f} {t / t_ours:>9.2f}x")
    print(f"ours is {t_dbfread / t_ours:.1f}x faster than dbfread (target >= 20x),")
    print(f"        {t_plus / t_ours:.1f}x faster than dbfread plus our Iran System decoding,")
    print(f"        and takes {t_ours / t_raw:.1f}x the time of reading the raw bytes.")


if __name__ == "__main__":
    main()
