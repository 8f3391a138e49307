"""Contribution formulas over numpy columns: the wage subject to contribution and the shares.

Pure functions of (facts, parameter values): `tamin.contributions.pricing` looks the values up for a
list's month and keeps the derivation. One worker is an array of length 1.

Rounding (measured on the real lists in /work/shared/data/dbf_samples): every share is rounded half
up to the Rial **per row**, and a list's share is the sum of its rows. That reproduces the declared
DSK_TBIME of all three modern lists and DSK_TKOSO exactly, where 20 % of the list total does not (the
extended Mehr 1404 list: Σ per row = 41,849,562,534 as declared; 20 % × TMASH = 41,849,562,547).

The ceiling is `tamin.rules.wages.monthly_ceiling` (× days in the month); the reasons are written
at the end of parameters/wages.yaml.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np

from tamin.core.money import apply_percent, round_half_up_div

Percent = int | Decimal | Fraction


def _rials(x: np.ndarray | int, what: str) -> np.ndarray:
    """An int64 array of Rials; floats are refused, never truncated."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integer Rials, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def wage_subject(
    monthly_wage: np.ndarray, benefits: np.ndarray, declared: np.ndarray, ceiling: int | np.ndarray
) -> np.ndarray:
    """Wage subject to contribution: min(max(declared, MAH + MAZ), ceiling).

    MAH + MAZ is what the list itself says was paid and is insurable; the declared DSW_MASH is
    taken when it is higher, since some generators keep an insurable item (حق تأهل in an older
    sample) outside MAZ but inside MASH. A declared figure below MAH + MAZ never lowers the base:
    ListDisk writes MASH = 501,632,870 for a capped row yet computes BIME on the ceiling 501,632,880.
    """
    mah = _rials(monthly_wage, "monthly_wage")
    maz = _rials(benefits, "benefits")
    mash = _rials(declared, "declared")
    return np.minimum(np.maximum(mash, mah + maz), _rials(ceiling, "ceiling"))


def share(base: np.ndarray, percent: Percent, mask: np.ndarray | None = None) -> np.ndarray:
    """percent % of each base, rounded half up per row; 0 where `mask` is False."""
    out = apply_percent(_rials(base, "base"), percent)
    return out if mask is None else np.where(mask, out, 0)


def small_workshop_exemption(employer_share: np.ndarray, max_exempt_workers: int) -> np.ndarray:
    """The part of each row's employer share the government pays for a small workshop.

    The law exempts the employer share of at most `max_exempt_workers` workers without naming which:
    the exemption is spread evenly over the rows with a share (k = min(max, N) of N), each row's
    exempt part rounded half up. With N ≤ max every share is exempt.
    """
    shares = _rials(employer_share, "employer_share")
    working = shares > 0
    n = int(working.sum())
    if n == 0:
        return np.zeros_like(shares)
    k = min(int(max_exempt_workers), n)
    return np.where(working, round_half_up_div(shares * k, n), 0)
