"""Money is an integer number of Rials. Never a float: percentages are applied with exact fractions.

Rounding is half away from zero to the Rial unless a rule's source says otherwise (DESIGN.md).
"""

from __future__ import annotations

import numbers
import re
from decimal import Decimal
from fractions import Fraction
from typing import overload

import numpy as np

from tamin.core.errors import DomainError
from tamin.core.text import normalize, to_persian_digits

Rial = int

_INT64_MAX = 2**63 - 1
_PLAIN = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[,\u066c]\d{3})+")  # ASCII comma or Arabic thousands separator


def _refuse_float(x: object, what: str) -> None:
    if isinstance(x, float | np.floating) or (isinstance(x, np.ndarray) and x.dtype.kind in "fc"):
        raise TypeError(f"{what} must be an integer number of Rials, never a float")


def _as_int(x: object, what: str) -> int:
    _refuse_float(x, what)
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{what} must be int, got {type(x).__name__}")
    return int(x)


def _as_int_array(x: np.ndarray, what: str) -> np.ndarray:
    _refuse_float(x, what)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer array, got dtype {x.dtype}")
    return x.astype(np.int64, copy=False)


@overload
def round_half_up_div(n: int, d: int) -> int: ...
@overload
def round_half_up_div(n: np.ndarray, d: int | np.ndarray) -> np.ndarray: ...
def round_half_up_div(n: int | np.ndarray, d: int | np.ndarray) -> int | np.ndarray:
    """n / d rounded to the nearest integer, halves away from zero, in exact integer arithmetic."""
    if isinstance(n, np.ndarray) or isinstance(d, np.ndarray):
        na = _as_int_array(np.asarray(n), "n")
        da = _as_int_array(np.asarray(d), "d")
        if (da == 0).any():
            raise ZeroDivisionError("round_half_up_div by zero")
        an, ad = np.abs(na), np.abs(da)
        q, r = np.divmod(an, ad)
        # r >= ad - r is 2r >= ad without the overflow of doubling.
        q = q + (r >= ad - r)
        return np.where((na < 0) != (da < 0), -q, q)
    ni, di = _as_int(n, "n"), _as_int(d, "d")
    if di == 0:
        raise ZeroDivisionError("round_half_up_div by zero")
    q, r = divmod(abs(ni), abs(di))
    if 2 * r >= abs(di):
        q += 1
    return -q if (ni < 0) != (di < 0) else q


def _percent_fraction(percent: int | Decimal | Fraction) -> Fraction:
    _refuse_float(percent, "percent")
    if isinstance(percent, bool) or not isinstance(percent, numbers.Rational | Decimal):
        raise TypeError(f"percent must be int, Decimal or Fraction, got {type(percent).__name__}")
    return Fraction(percent) / 100


@overload
def apply_percent(amount: int, percent: int | Decimal | Fraction) -> int: ...
@overload
def apply_percent(amount: np.ndarray, percent: int | Decimal | Fraction) -> np.ndarray: ...
def apply_percent(amount: int | np.ndarray, percent: int | Decimal | Fraction) -> int | np.ndarray:
    """amount × percent / 100, rounded half up to the Rial, exactly."""
    rate = _percent_fraction(percent)
    if isinstance(amount, np.ndarray):
        amounts = _as_int_array(amount, "amount")
        largest = int(np.abs(amounts).max()) if amounts.size else 0
        # Checked in Python ints before numpy multiplies: int64 would wrap silently.
        if max(largest, 1) * abs(rate.numerator) > _INT64_MAX or rate.denominator > _INT64_MAX:
            raise OverflowError(f"{largest} × {rate} does not fit in int64")
        return round_half_up_div(amounts * rate.numerator, rate.denominator)
    exact = _as_int(amount, "amount") * rate
    return round_half_up_div(exact.numerator, exact.denominator)


def format_rial(amount: int, persian: bool = True) -> str:
    """'۱۲٬۳۴۵٬۶۷۸' (Persian digits, U+066C separators) or '12,345,678'."""
    value = _as_int(amount, "amount")
    text = f"{value:,}"
    if persian:
        return to_persian_digits(text.replace(",", "\u066c"))
    return text


def parse_rial(s: str, field: str = "amount") -> int:
    """A non-negative whole number of Rials from text with ASCII or Persian digits and separators."""
    _refuse_float(s, "amount")
    if not isinstance(s, str):
        raise TypeError(f"parse_rial expects str, got {type(s).__name__}")
    text = normalize(s)
    if _PLAIN.fullmatch(text) or _GROUPED.fullmatch(text):
        return int(re.sub(r"[,\u066c]", "", text))
    if text.startswith(("-", "\u2212")):
        message = "مبلغ نمی‌تواند منفی باشد."
    elif re.search(r"[.\u066b/]", text):
        message = "مبلغ باید به ریال و بدون اعشار باشد."
    else:
        message = f"مبلغ «{s}» عدد صحیح نیست."
    raise DomainError("money.format", message, field)
