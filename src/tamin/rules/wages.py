"""Minimum wage and the insurable-wage ceiling (rules.md §1.4, §2.1).

The floor of the contribution base is the SLC minimum daily wage; the ceiling is a multiplier (7)
times it. Both are daily figures: a month's amount is the daily one times that Jalali month's days.
A month takes the values in force on its first day.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from tamin.core.jalali import JalaliMonth
from tamin.core.money import round_half_up_div
from tamin.rules.params import DateLike, ParameterSet, default_parameters

MINIMUM_DAILY = "wage.minimum_daily"
CEILING_MULTIPLIER = "contribution.ceiling_multiplier"


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def minimum_daily_wage(on: DateLike, *, params: ParameterSet | None = None) -> int:
    return int(_params(params).value(MINIMUM_DAILY, on))


def daily_ceiling(on: DateLike, *, params: ParameterSet | None = None) -> int:
    """Maximum insurable daily wage = multiplier × minimum daily wage, rounded half up if fractional."""
    p = _params(params)
    exact = Fraction(p.value(CEILING_MULTIPLIER, on)) * minimum_daily_wage(on, params=p)
    return round_half_up_div(exact.numerator, exact.denominator)


def monthly_minimum(month: JalaliMonth, *, params: ParameterSet | None = None) -> int:
    return minimum_daily_wage(month, params=params) * month.days


def monthly_ceiling(month: JalaliMonth, *, params: ParameterSet | None = None) -> int:
    return daily_ceiling(month, params=params) * month.days


def minimum_daily_wage_vector(dates: np.ndarray, *, params: ParameterSet | None = None) -> np.ndarray:
    return _params(params).vector(MINIMUM_DAILY, dates)


def daily_ceiling_vector(dates: np.ndarray, *, params: ParameterSet | None = None) -> np.ndarray:
    p = _params(params)
    numerators, denominator = p.vector_scaled(CEILING_MULTIPLIER, dates)
    return round_half_up_div(numerators * p.vector(MINIMUM_DAILY, dates), denominator)
