"""The yearly pension increase (SSL Art. 96 with Art. 111) and the 7th Plan's proportionalisation.
rules.md §6.

One decision a year, in force from 1 Farvardin (parameters `adjustment.*`): pensions at or below the
previous year's minimum pension, and pensions established pro rata to the years of record, get
`minimum.percent`; the others get `other.percent` plus `other.fixed`; every full pension is then at
least the new minimum (Art. 111). Vectorised: the payroll applies it to every pension in one pass.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import numpy as np

from tamin.core.jalali import JalaliMonth, format_jalali, format_jalali_fa
from tamin.core.money import format_rial, round_half_up_div
from tamin.core.text import to_persian_digits
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import Derivation, half_up, minimum_pension

MINIMUM_BAND, OTHER_BAND = 0, 1


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def year_start(year: int) -> dt.date:
    return JalaliMonth(year, 1).first_day()


def _factor(p: ParameterSet, name: str, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of 1 + percent/100, exactly."""
    num, den = p.vector_scaled(name, on)
    return 100 * den + num, np.full(len(on), 100 * den, np.int64)


def yearly_increase(
    pension: np.ndarray,
    pro_rata: np.ndarray,
    year: int,
    *,
    params: ParameterSet | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(new pensions, band) for the decision of Jalali `year`, from the pensions at the end of year − 1.

    Band MINIMUM_BAND: pension ≤ the previous year's minimum, or pro rata → × (1 + minimum.percent).
    Band OTHER_BAND: × (1 + other.percent) + other.fixed. Full pensions are then raised to the new minimum.
    """
    p = _params(params)
    pension = np.asarray(pension, np.int64)
    on = np.array([np.datetime64(year_start(year), "D")])
    before = on - np.timedelta64(1, "D")
    old_minimum = minimum_pension(before, params=p)[0]
    new_minimum = minimum_pension(on, params=p)[0]
    pro_rata = np.asarray(pro_rata, bool)
    band = np.where(pro_rata | (pension <= old_minimum), MINIMUM_BAND, OTHER_BAND).astype(np.int8)
    mn, md = _factor(p, "adjustment.minimum.percent", on)
    on_, od = _factor(p, "adjustment.other.percent", on)
    fixed = p.vector("adjustment.other.fixed", on)[0]
    # Both bands are computed for every pension and one is kept: cheaper than gathering the two subsets.
    low = half_up(pension * mn[0], int(md[0]))
    high = half_up(pension * on_[0], int(od[0])) + fixed
    raised = np.where(band == MINIMUM_BAND, low, high)
    return np.where(pro_rata, raised, np.maximum(raised, new_minimum)), band


def proportionalisation(
    pension: np.ndarray,
    previous_amount: np.ndarray,
    pension_at_establishment: np.ndarray,
    minimum_at_establishment: np.ndarray,
    on: dt.date,
    *,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """This year's proportionalisation amount (متناسب‌سازی, 7th Plan Art. 28), ≥ 0.

    The establishment coefficient is pension / minimum wage when the pension was established; the
    cumulative share of the gap to that coefficient × today's minimum is compensated by `on`:
        amount = max(round(share × (coefficient × minimum_now − pension)) − previous_amount, 0)
    where `pension` is after this year's increase and without any proportionalisation, and
    `previous_amount` is last year's amount after this year's increase. The official coefficient
    formula and rounding were not found (rules.md §6.3): this is the published description.
    """
    p = _params(params)
    day = np.array([np.datetime64(on, "D")])
    share_num, share_den = p.vector_scaled("adjustment.proportionalisation.cumulative_percent", day)
    minimum_now = minimum_pension(day, params=p)[0]
    target = round_half_up_div(
        np.asarray(pension_at_establishment, np.int64) * minimum_now,
        np.maximum(np.asarray(minimum_at_establishment, np.int64), 1),
    )
    gap = np.maximum(target - pension, 0)
    cumulative = round_half_up_div(gap * int(share_num[0]), 100 * share_den)
    return np.maximum(cumulative - previous_amount, 0)


def yearly_increase_explained(
    pension: int, pro_rata: bool, year: int, *, params: ParameterSet | None = None
) -> dict[str, Any]:
    p = _params(params)
    d = Derivation(p)
    start = year_start(year)
    before = start - dt.timedelta(days=1)
    new, band = yearly_increase(np.array([pension]), np.array([pro_rata]), year, params=p)
    old_min = int(minimum_pension(np.array([np.datetime64(before, "D")]), params=p)[0])
    new_min = int(minimum_pension(np.array([np.datetime64(start, "D")]), params=p)[0])
    d.value("wage.minimum_daily", before)
    d.value("wage.minimum_daily", start)
    d.value("pension.minimum.wage_days", start)
    fa: list[str] = []  # the same steps in Persian, for the pensioner's slip
    r, on_fa = format_rial, format_jalali_fa(before)
    if int(band[0]) == MINIMUM_BAND:
        pct = d.value("adjustment.minimum.percent", start)
        why = (
            "pro rata pension"
            if pro_rata
            else f"pension {pension:,} ≤ minimum {old_min:,} on {format_jalali(before)}"
        )
        d.step(f"band: minimum ({why})")
        raised = int(round_half_up_div(pension * _scaled(pct), 100 * Fraction(pct).denominator))
        d.step(f"{pension:,} × (1 + {pct}/100) = {raised:,}")
        fa.append(
            "طبقهٔ مستمری‌های نسبی"
            if pro_rata
            else f"طبقهٔ حداقل (مستمری {r(pension)} ≤ حداقل {r(old_min)} در {on_fa})"
        )
        pct_fa = to_persian_digits(str(pct))
        fa.append(f"{r(pension)} × (۱ + {pct_fa}٪) = {r(raised)}")
    else:
        pct = d.value("adjustment.other.percent", start)
        fixed = d.value("adjustment.other.fixed", start)
        d.step(f"band: other (pension {pension:,} > minimum {old_min:,} on {format_jalali(before)})")
        raised = int(round_half_up_div(pension * _scaled(pct), 100 * Fraction(pct).denominator)) + int(fixed)
        d.step(f"{pension:,} × (1 + {pct}/100) + {int(fixed):,} = {raised:,}")
        fa.append(f"سایر سطوح (مستمری {r(pension)} > حداقل {r(old_min)} در {on_fa})")
        pct_fa = to_persian_digits(str(pct))
        fa.append(f"{r(pension)} × (۱ + {pct_fa}٪) + {r(int(fixed))} = {r(raised)}")
    if not pro_rata:
        d.step(f"Art. 111: at least the new minimum {new_min:,} → {int(new[0]):,}")
        fa.append(f"ماده ۱۱۱: دست‌کم حداقل جدید {r(new_min)} → {r(int(new[0]))}")
    return {
        "year": year,
        "pension_before": pension,
        "pension": int(new[0]),
        "band": "minimum" if int(band[0]) == MINIMUM_BAND else "other",
        "derivation": {
            "article": "SSL Arts. 96 and 111; yearly Cabinet decision",
            "on": format_jalali(start),
            "parameters": d.parameters,
            "steps": d.steps,
            "steps_fa": fa,
        },
    }


def _scaled(percent: Any) -> int:
    f = Fraction(percent)
    return int(100 * f.denominator + f.numerator)
