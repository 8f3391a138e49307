"""Deadline and penalties of the monthly wage list (rules.md §3.1, §3.2; parameters/penalties.yaml).

* Deadline (SSL Art. 39; 1373 fines law Art. 1): the list and its contribution for month M are due by
  the last day of month M+1 (M+2 for workshops under the five-worker exemption).
* Late payment (SSL Art. 98, then the 1373 fines law Tabsareh 2): a percentage of the unpaid debt per
  month of delay, charged day by day: every day after `due` up to and including the day paid counts,
  at the rate in force on that day. A debt paid on its due day owes nothing.
* Late list (SSL Art. 100, then Tabsareh 1): a one-time share of that month's contribution when the list
  is sent after its deadline, at the rate in force on the first day late.

The penalties are collected like official documents under SSL Art. 50. When no list is sent at all,
SSO fixes the contribution itself (Art. 40); that amount is what the caller passes as the premium.
Money is exact: each penalty is one rounding (half up) of an exact fraction.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.core.money import round_half_up_div
from tamin.rules.params import CONFIDENCE, ParameterError, ParameterSet, default_parameters

DEADLINE_MONTHS = "penalty.deadline.months_after"
DEADLINE_MONTHS_SMALL = "penalty.deadline.months_after_small_exempt"
LATE_PAYMENT_PERCENT = "penalty.late_payment.percent_per_month"
LATE_PAYMENT_DAYS = "penalty.late_payment.days_per_month"
LATE_LIST_PERCENT = "penalty.late_list.percent"
LATE_LIST_DIVISOR = "penalty.late_list.divisor"

LATE_PAYMENT_LAW = (
    "SSL Art. 98 (until 1373/05/08); قانون دریافت جرائم نقدی از کارفرمایان مصوب 1373/05/09، ماده 1 تبصره 2"
)
LATE_LIST_LAW = (
    "SSL Art. 100 (until 1373/05/08); قانون دریافت جرائم نقدی از کارفرمایان مصوب 1373/05/09، ماده 1 تبصره 1"
)
DEADLINE_LAW = "SSL Art. 39; قانون دریافت جرائم نقدی از کارفرمایان مصوب 1373/05/09، ماده 1"

_INT64_MAX = 2**63 - 1
_ONE_DAY = np.timedelta64(1, "D")
_FOREVER = np.datetime64("9999-12-31", "D")


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def _days(a: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind != "M":
        raise TypeError(f"{what} must be datetime64 dates, got dtype {arr.dtype}")
    return arr.astype("datetime64[D]")


def _rials(a: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integer Rials, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def mul_div_half_up(amount: np.ndarray, numerator: np.ndarray | int, denominator: int) -> np.ndarray:
    """amount × numerator / denominator rounded half up, exact and without int64 overflow.

    amount = q·d + r, so amount·n/d = q·n + r·n/d: only the small r·n/d is rounded.
    """
    amount = np.asarray(amount, dtype=np.int64)
    num = np.asarray(numerator, dtype=np.int64)
    if denominator <= 0:
        raise ZeroDivisionError("denominator must be positive")
    q, r = np.divmod(amount, denominator)
    big_q = int(np.abs(q).max()) if q.size else 0
    big_n = int(np.abs(num).max()) if num.size else 0
    if big_q * big_n > _INT64_MAX or denominator * big_n > _INT64_MAX:
        raise OverflowError("penalty does not fit in int64")
    return q * num + round_half_up_div(r * num, np.int64(denominator))


# --- deadline ----------------------------------------------------------------------------------------


def payment_due_date(
    month: JalaliMonth, *, small_exempt: bool = False, params: ParameterSet | None = None
) -> dt.date:
    """Last day to send month's list and pay its contribution (no holiday extension, see the YAML note)."""
    p = _params(params)
    name = DEADLINE_MONTHS_SMALL if small_exempt else DEADLINE_MONTHS
    months_after = int(p.value(name, month.next().first_day()))
    return (month + months_after).last_day()


def payment_due_dates(
    yyyymm: np.ndarray, *, small_exempt: np.ndarray | bool = False, params: ParameterSet | None = None
) -> np.ndarray:
    """Vectorised payment_due_date over list months written as yyyymm ints (140407 = Mehr 1404).

    Calendar work runs once per distinct (month, exemption), never once per record.
    """
    months = np.asarray(yyyymm, dtype=np.int64)
    small = np.broadcast_to(np.asarray(small_exempt, dtype=bool), months.shape)
    keys = months * 2 + small
    unique, inverse = np.unique(keys, return_inverse=True)
    due = np.array(
        [
            payment_due_date(month_of(int(k) // 2), small_exempt=bool(k % 2), params=params)
            for k in unique.tolist()
        ],
        dtype="datetime64[D]",
    )
    return due[inverse].reshape(months.shape)


def month_of(yyyymm: int) -> JalaliMonth:
    return JalaliMonth(yyyymm // 100, yyyymm % 100)


# --- late payment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    start: np.datetime64
    end: np.datetime64  # inclusive
    percent: Fraction
    percent_text: str  # as written in the YAML, for people
    days_per_month: int
    source: str
    confidence: str


def _rate_periods(p: ParameterSet) -> list[_Period]:
    """Stretches of days over which both the monthly rate and the days-per-month are constant."""
    rate, per = p.parameter(LATE_PAYMENT_PERCENT), p.parameter(LATE_PAYMENT_DAYS)
    starts = sorted({e.start for e in rate.entries} | {e.start for e in per.entries})
    ends = {e.end for e in (*rate.entries, *per.entries) if e.end is not None}
    starts = sorted(set(starts) | {d + dt.timedelta(days=1) for d in ends})
    periods: list[_Period] = []
    for i, start in enumerate(starts):
        try:
            r, d = rate.entry(start), per.entry(start)
        except ParameterError:
            continue  # a gap: days falling here are refused below
        end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
        periods.append(
            _Period(
                np.datetime64(start, "D"),
                np.datetime64(end, "D") if end else _FOREVER,
                Fraction(r.value),
                str(r.value),
                int(d.value),
                f"{r.source} | {d.source}",
                max(r.confidence, d.confidence, key=CONFIDENCE.index),
            )
        )
    return periods


def _late_days(due: np.ndarray, until: np.ndarray, period: _Period) -> np.ndarray:
    first = np.maximum(due + _ONE_DAY, period.start)
    last = np.minimum(until, period.end)
    return np.maximum((last - first).astype(np.int64) + 1, 0)


def late_payment_penalty(
    principal: np.ndarray,
    due: np.ndarray,
    paid_or_asof: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Late-payment penalty per debt, int64 Rials, day-exact across rate changes.

    principal × Σ_periods (percent_per_month / 100) × days_in_period / days_per_month, one rounding.
    Zero when paid on or before `due`. NaT in `paid_or_asof` is refused (pass the as-of date).
    """
    p = _params(params)
    amount = _rials(principal, "principal")
    due_d, until = _days(due, "due"), _days(paid_or_asof, "paid_or_asof")
    amount, due_d, until = np.broadcast_arrays(amount, due_d, until)
    if np.isnat(due_d).any() or np.isnat(until).any():
        raise ValueError("due and paid_or_asof must not be NaT")
    periods = _rate_periods(p)
    late = until > due_d
    if late.any():
        first_late = (due_d[late] + _ONE_DAY).min()
        covered_from = periods[0].start if periods else _FOREVER
        # Days in a gap between entries are refused too: the sum of covered days must equal the total.
        covered = sum((_late_days(due_d, until, q) for q in periods), np.zeros(due_d.shape, np.int64))
        total = np.maximum((until - due_d).astype(np.int64), 0)
        if first_late < covered_from or (covered != total).any():
            bad = first_late if first_late < covered_from else (due_d + _ONE_DAY)[covered != total].min()
            raise ParameterError(
                "parameter.no_value",
                f"پارامتر {LATE_PAYMENT_PERCENT} در تاریخ {format_jalali(bad.item())} مقداری ندارد.",
                LATE_PAYMENT_PERCENT,
            )
    # One exact fraction: Σ days·percent/(100·days_per_month) over a common denominator.
    denominator = 100 * math.lcm(*(q.percent.denominator * q.days_per_month for q in periods or []), 1)
    weight = np.zeros(amount.shape, dtype=np.int64)
    for q in periods:
        factor = q.percent / (100 * q.days_per_month) * denominator
        weight += _late_days(due_d, until, q) * int(factor)
    return np.where(late, mul_div_half_up(amount, weight, denominator), 0)


def late_payment_penalty_explained(
    principal: int, due: dt.date, paid_or_asof: dt.date, *, params: ParameterSet | None = None
) -> dict[str, Any]:
    """The same penalty for one debt, with its derivation: law, days counted per period, rates, sources."""
    p = _params(params)
    amount = late_payment_penalty(
        np.array([principal], dtype=np.int64),
        np.array([due], dtype="datetime64[D]"),
        np.array([paid_or_asof], dtype="datetime64[D]"),
        params=p,
    )[0]
    due64, until64 = np.datetime64(due, "D"), np.datetime64(paid_or_asof, "D")
    rows = []
    for q in _rate_periods(p):
        n = int(_late_days(np.array([due64]), np.array([until64]), q)[0])
        if n:
            first = max(due64 + _ONE_DAY, q.start).item()
            last = min(until64, q.end).item()
            rows.append(
                {
                    "from": format_jalali(first),
                    "to": format_jalali(last),
                    "days": n,
                    "percent_per_month": q.percent_text,
                    "days_per_month": q.days_per_month,
                    "exact_amount": str(principal * q.percent / 100 * n / q.days_per_month),
                    "source": q.source,
                    "confidence": q.confidence,
                }
            )
    return {
        "rule": "late_payment_penalty",
        "law": LATE_PAYMENT_LAW,
        "principal": principal,
        "due": format_jalali(due),
        "paid_or_asof": format_jalali(paid_or_asof),
        "days_late": max((paid_or_asof - due).days, 0),
        "periods": rows,
        "rounding": "sum of the exact period amounts, rounded once, half up to the Rial",
        "penalty": int(amount),
    }


# --- late list ---------------------------------------------------------------------------------------


def late_list_penalty(
    list_premium: np.ndarray,
    list_due: np.ndarray,
    submitted_or_asof: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """One-time penalty for a list sent after its deadline (or not sent by the as-of date), int64 Rials.

    premium × percent / 100 / divisor at the rate in force on the first day late; zero when sent on or
    before the deadline.
    """
    p = _params(params)
    premium = _rials(list_premium, "list_premium")
    due_d, until = _days(list_due, "list_due"), _days(submitted_or_asof, "submitted_or_asof")
    premium, due_d, until = np.broadcast_arrays(premium, due_d, until)
    if np.isnat(due_d).any() or np.isnat(until).any():
        raise ValueError("list_due and submitted_or_asof must not be NaT")
    late = until > due_d
    out = np.zeros(premium.shape, dtype=np.int64)
    if not late.any():
        return out
    first_late = due_d[late] + _ONE_DAY
    pct_param, div_param = p.parameter(LATE_LIST_PERCENT), p.parameter(LATE_LIST_DIVISOR)
    # A handful of (rate, divisor) entry pairs exist; each gets one exact vectorised pass.
    key = pct_param.indexes(first_late) * len(div_param.entries) + div_param.indexes(first_late)
    late_premium = premium[late]
    amounts = np.zeros(late_premium.shape, dtype=np.int64)
    for k in np.unique(key).tolist():
        pct = Fraction(pct_param.entries[k // len(div_param.entries)].value)
        div = int(div_param.entries[k % len(div_param.entries)].value)
        pick = key == k
        amounts[pick] = mul_div_half_up(late_premium[pick], pct.numerator, 100 * pct.denominator * div)
    out[late] = amounts
    return out


def late_list_penalty_explained(
    list_premium: int, list_due: dt.date, submitted_or_asof: dt.date, *, params: ParameterSet | None = None
) -> dict[str, Any]:
    p = _params(params)
    amount = late_list_penalty(
        np.array([list_premium], dtype=np.int64),
        np.array([list_due], dtype="datetime64[D]"),
        np.array([submitted_or_asof], dtype="datetime64[D]"),
        params=p,
    )[0]
    late = submitted_or_asof > list_due
    out: dict[str, Any] = {
        "rule": "late_list_penalty",
        "law": LATE_LIST_LAW,
        "list_premium": list_premium,
        "list_due": format_jalali(list_due),
        "submitted_or_asof": format_jalali(submitted_or_asof),
        "late": late,
        "penalty": int(amount),
    }
    if late:
        first = list_due + dt.timedelta(days=1)
        pct, div = p.entry(LATE_LIST_PERCENT, first), p.entry(LATE_LIST_DIVISOR, first)
        out.update(
            {
                "rate_on": format_jalali(first),
                "percent": str(pct.value),
                "divisor": int(div.value),
                "source": pct.source,
                "confidence": pct.confidence,
                "rounding": "half up to the Rial",
            }
        )
    return out
