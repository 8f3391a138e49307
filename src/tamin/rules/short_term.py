"""Short-term benefits: sickness wage compensation (SSL Arts. 62–63), maternity (Art. 67 and the later
laws), marriage grant (Art. 85) and funeral grant. rules.md §5.3–5.5.

Vectorised formulas over numpy arrays plus `*_explained` for one case, as in `tamin.rules.pensions`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from tamin.core.money import round_half_up_div
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import (
    Derivation,
    Histories,
    _days,
    _month_index,
    _month_index_fast,
    _months_counted,
    _one,
    average_wage,
    window_days,
)

SICK_DEPENDANTS, SICK_SINGLE, SICK_SINGLE_HOSPITALISED = "dependants", "single", "single_hospitalised"


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def daily_wage(
    h: Histories, event: np.ndarray, *, params: ParameterSet | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Art. 63: (daily wage, row mask counted) — the wages of the months covering the last N days (90 → the
    3 whole months before the event month) divided by their paid days, rounded half up."""
    p = _params(params)
    ev = np.broadcast_to(_days(event), (h.n,))
    months = p.vector("sickness.average_days", ev) // 30
    em = _month_index_fast(ev)
    first = em[h.person] - months[h.person]
    rows = (h.month < em[h.person]) & (h.month >= first) & (h.days > 0)
    wages = h._sum(h.wage, rows)
    days = h._sum(h.days, rows)
    return np.where(days > 0, round_half_up_div(wages, np.maximum(days, 1)), 0), rows


def sickness_compensation(
    daily: np.ndarray,
    sick_days: np.ndarray,
    dependants: np.ndarray,
    hospitalised: np.ndarray,
    work_related: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Art. 62: (paid days, daily benefit, total). Ordinary sickness at home is paid from day 4."""
    p = _params(params)
    n = len(daily)
    on = np.broadcast_to(_days(on), (n,))
    v = p.vector
    dependants, hospitalised, work_related = (
        np.asarray(a, bool) for a in (dependants, hospitalised, work_related)
    )
    waiting = np.where(work_related | hospitalised, 0, v("sickness.waiting_days", on))
    paid = np.maximum(np.asarray(sick_days, np.int64) - waiting, 0)
    kinds = [
        (SICK_DEPENDANTS, dependants),
        (SICK_SINGLE_HOSPITALISED, ~dependants & hospitalised),
        (SICK_SINGLE, ~dependants & ~hospitalised),
    ]
    num = np.select([m for _, m in kinds], [v(f"sickness.rate.{k}.numerator", on) for k, _ in kinds])
    den = np.select([m for _, m in kinds], [v(f"sickness.rate.{k}.denominator", on) for k, _ in kinds])
    per_day = round_half_up_div(np.asarray(daily, np.int64) * num, den)
    return paid, per_day, per_day * paid


def maternity_allowance(
    daily: np.ndarray,
    multiple: np.ndarray,
    days_last_year: np.ndarray,
    birth: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Art. 67 and later laws: (eligible, days, daily benefit, total)."""
    p = _params(params)
    n = len(daily)
    on = np.broadcast_to(_days(birth), (n,))
    v = p.vector
    eligible = np.asarray(days_last_year) >= v("maternity.min_days_last_year", on)
    days = np.where(np.asarray(multiple, bool), v("maternity.days_multiple", on), v("maternity.days", on))
    per_day = round_half_up_div(
        np.asarray(daily, np.int64) * v("maternity.rate.numerator", on), v("maternity.rate.denominator", on)
    )
    return eligible, np.where(eligible, days, 0), per_day, np.where(eligible, per_day * days, 0)


def marriage_grant(
    average_monthly: np.ndarray,
    days_in_window: np.ndarray,
    first_marriage: np.ndarray,
    insured_at_marriage: np.ndarray,
    on: np.ndarray,
    *,
    params: ParameterSet | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Art. 85: (eligible, amount = one month of the average wage)."""
    p = _params(params)
    on = np.broadcast_to(_days(on), (len(average_monthly),))
    eligible = (
        (np.asarray(days_in_window) >= p.vector("marriage.min_days", on))
        & np.asarray(first_marriage, bool)
        & np.asarray(insured_at_marriage, bool)
    )
    return eligible, np.where(eligible, np.asarray(average_monthly, np.int64), 0)


def funeral_grant(death: np.ndarray, *, params: ParameterSet | None = None) -> np.ndarray:
    """Minimum daily wage of the year of death × 30 (deaths from 1386/11/20)."""
    p = _params(params)
    on = _days(death)
    return p.vector("wage.minimum_daily", on) * p.vector("funeral.minimum_wage_days", on)


# --- explained ---------------------------------------------------------------------------------------


def sickness_explained(
    h: Histories,
    *,
    start: dt.date,
    sick_days: int,
    dependants: bool,
    hospitalised: bool,
    work_related: bool,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    p = _params(params)
    d = Derivation(p)
    daily, rows = daily_wage(h, _one(np.datetime64(start, "D")), params=p)
    paid, per_day, total = sickness_compensation(
        daily,
        _one(sick_days),
        _one(dependants),
        _one(hospitalised),
        _one(work_related),
        _one(np.datetime64(start, "D")),
        params=p,
    )
    kind = SICK_DEPENDANTS if dependants else SICK_SINGLE_HOSPITALISED if hospitalised else SICK_SINGLE
    num, den = (
        d.value(f"sickness.rate.{kind}.numerator", start),
        d.value(f"sickness.rate.{kind}.denominator", start),
    )
    d.value("sickness.average_days", start)
    wait = 0 if work_related or hospitalised else int(d.value("sickness.waiting_days", start))
    d.step(
        f"Art. 63 daily wage = {int(h._sum(h.wage, rows)[0]):,} / {int(h._sum(h.days, rows)[0])}"
        f" days = {int(daily[0]):,}"
    )
    d.step(f"Art. 62 paid days = {sick_days} − {wait} waiting = {int(paid[0])}")
    d.step(
        f"daily benefit = {int(daily[0]):,} × {num}/{den} = {int(per_day[0]):,}; total ="
        f" {int(per_day[0]):,} × {int(paid[0])} = {int(total[0]):,}"
    )
    return {
        "kind": "sickness",
        "eligible": int(daily[0]) > 0,
        "case": kind,
        "reasons": []
        if int(daily[0]) > 0
        else [{"case": kind, "message": "در ۹۰ روز پیش از بیماری سابقه‌ای نیست."}],
        "daily_wage": int(daily[0]),
        "paid_days": int(paid[0]),
        "daily_benefit": int(per_day[0]),
        "amount": int(total[0]),
        "derivation": {
            "article": "SSL Arts. 62–63",
            "months_counted": _months_counted(h, rows),
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }


def maternity_explained(
    h: Histories, *, birth: dt.date, multiple: bool, params: ParameterSet | None = None
) -> dict[str, Any]:
    p = _params(params)
    d = Derivation(p)
    b = _one(np.datetime64(birth, "D"))
    daily, rows = daily_wage(h, b, params=p)
    last_year = window_days(h, b, 12)
    ok, days, per_day, total = maternity_allowance(daily, _one(multiple), last_year, b, params=p)
    need = d.value("maternity.min_days_last_year", birth)
    d.value("maternity.days_multiple" if multiple else "maternity.days", birth)
    num, den = d.value("maternity.rate.numerator", birth), d.value("maternity.rate.denominator", birth)
    d.step(
        f"Art. 67: paid days in the 12 months before the birth month = {int(last_year[0])} (at least {need})"
    )
    d.step(
        f"daily benefit = {int(daily[0]):,} × {num}/{den} = {int(per_day[0]):,}; total = ×"
        f" {int(days[0])} days = {int(total[0]):,}"
    )
    return {
        "kind": "maternity",
        "eligible": bool(ok[0]),
        "case": "multiple" if multiple else "single",
        "reasons": []
        if ok[0]
        else [
            {
                "case": "maternity",
                "message": f"در سال پیش از زایمان {int(last_year[0])} روز سابقه هست؛ {need} روز لازم است.",
            }
        ],
        "daily_wage": int(daily[0]),
        "days": int(days[0]),
        "daily_benefit": int(per_day[0]),
        "amount": int(total[0]),
        "derivation": {
            "article": "SSL Art. 67; Family Support and Youthful Population Law 1400 Art. 17",
            "months_counted": _months_counted(h, rows),
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }


def marriage_explained(
    h: Histories, *, marriage: dt.date, first_marriage: bool, params: ParameterSet | None = None
) -> dict[str, Any]:
    p = _params(params)
    d = Derivation(p)
    m = _one(np.datetime64(marriage, "D"))
    years = int(d.value("marriage.window_years", marriage))
    need = int(d.value("marriage.min_days", marriage))
    window = window_days(h, m, 12 * years) + _month_days(h, m)
    # Insured at the marriage date: contributions in the marriage month or the month before (our reading).
    recent = window_days(h, m, 1) + _month_days(h, m)
    d.value("marriage.average_months", marriage)
    avg = average_wage(h, m, months_param="marriage.average_months", params=p)
    ok, amount = marriage_grant(avg.average, window, _one(first_marriage), recent > 0, m, params=p)
    d.step(f"Art. 85: paid days in the {years} years up to the marriage = {int(window[0])} (at least {need})")
    d.step(
        f"grant = one month of the average wage = {int(avg.wage_sum[0]):,} / {int(avg.divisor[0])}"
        f" = {int(avg.average[0]):,}"
    )
    reasons = []
    if not ok[0]:
        if int(window[0]) < need:
            reasons.append(
                {
                    "case": "marriage",
                    "message": f"سابقه {int(window[0])} روز در {years} سال کمتر از {need} روز است.",
                }
            )
        if not first_marriage:
            reasons.append({"case": "marriage", "message": "کمک هزینه فقط برای ازدواج اول است."})
        if int(recent[0]) == 0:
            reasons.append({"case": "marriage", "message": "در تاریخ ازدواج بیمه برقرار نبوده است."})
    return {
        "kind": "marriage",
        "eligible": bool(ok[0]),
        "case": "marriage" if ok[0] else None,
        "reasons": reasons,
        "average_wage": int(avg.average[0]),
        "amount": int(amount[0]),
        "derivation": {
            "article": "SSL Art. 85",
            "months_counted": _months_counted(h, avg.rows),
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }


def _month_days(h: Histories, on: np.ndarray) -> np.ndarray:
    em = _month_index(on)
    return h._sum(h.days, h.month == em[h.person])


def funeral_explained(death: dt.date, *, params: ParameterSet | None = None) -> dict[str, Any]:
    p = _params(params)
    d = Derivation(p)
    daily = d.value("wage.minimum_daily", death)
    days = d.value("funeral.minimum_wage_days", death)
    amount = int(funeral_grant(_one(np.datetime64(death, "D")), params=p)[0])
    d.step(f"funeral grant = minimum daily wage {int(daily):,} × {days} = {amount:,}")
    return {
        "kind": "funeral",
        "eligible": True,
        "case": "funeral",
        "reasons": [],
        "amount": amount,
        "derivation": {
            "article": "Funeral grant (deaths from 1386/11/20)",
            "parameters": d.parameters,
            "steps": d.steps,
        },
    }
