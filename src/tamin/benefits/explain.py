"""A retirement decision of the engine (`rules.pensions.retirement_explained`) told in plain Persian, for
the person: the estimate page, the claim and the award. The arithmetic is redone here from the same
functions and parameters, and checked against the engine's result, so the words cannot drift from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from tamin.core.jalali import format_jalali_fa
from tamin.core.money import format_rial, round_half_up_div
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.pensions import PRO_RATA_ROUTES, ROUTES, counted_days, minimum_pension

ROUTE_LABELS_FA = {name: label for name, _, label in ROUTES.values()}


def retirement_fa(
    result: dict[str, Any], on: dt.date, *, what: str = "مستمری", params: ParameterSet | None = None
) -> list[str]:
    """From the credited record to the pension, as of `on` (the application date or the date asked);
    `what` names the result (an estimate says so)."""
    p = default_parameters() if params is None else params
    at = np.array([np.datetime64(on, "D")])
    dpy = int(p.value("pension.service.days_per_year", on))
    divisor = int(p.value("pension.accrual.divisor", on))
    credited = int(result["credited_days"])
    y, d = divmod(credited, dpy)
    when, r = format_jalali_fa(on), format_rial
    lines = [
        f"سابقهٔ قابل احتساب در {when}: {r(credited)} روز، یعنی {r(y)} سال و {r(d)} روز"
        f" (هر سال {r(dpy)} روز؛ روزهای کار سخت و زیان‌آور با ضریب قانونی).",
    ]
    months = len(result["derivation"]["months_counted"])
    lines.append(
        f"میانگین دستمزد: جمع دستمزد {r(months)} ماه آخرِ دارای حق بیمه تقسیم بر"
        f" {r(months)} = {r(result['average_wage'])} ریال."
    )
    if not result["eligible"]:
        lines.append(f"در {when} هیچ‌یک از شرایط بازنشستگی فراهم نیست:")
        lines.extend(x["message"] for x in result["reasons"])
        return lines
    counted = int(counted_days(np.array([credited]), at, params=p)[0])
    formula = round_half_up_div(int(result["average_wage"]) * counted, divisor * dpy)
    minimum = int(minimum_pension(at, params=p)[0])
    lines.append(f"شرط بازنشستگی فراهم است: {ROUTE_LABELS_FA[result['case']]}.")
    lines.append(
        f"مستمری (مادهٔ ۷۷): میانگین دستمزد × روزهای سابقه ÷ ({r(divisor)} × {r(dpy)}) ="
        f" {r(result['average_wage'])} × {r(counted)} ÷ {r(divisor * dpy)} = {r(formula)} ریال"
        + (" (سابقهٔ بیش از سقف مادهٔ ۷۷ حساب نمی‌شود)." if counted < credited else ".")
    )
    if result["case"] == ROUTES[PRO_RATA_ROUTES[0]][0]:
        floor = round_half_up_div(minimum * counted, divisor * dpy)
        lines.append(
            f"حداقل مستمری به نسبت سابقه (قانون ده سال): {r(minimum)} × {r(counted)} ÷"
            f" {r(divisor * dpy)} = {r(floor)} ریال."
        )
    else:
        floor = minimum
        lines.append(f"حداقل مستمری (مادهٔ ۱۱۱) در {when}: {r(minimum)} ریال.")
    lines.append(f"{what}: بیشترِ این دو = {r(result['pension'])} ریال.")
    if max(formula, floor) != result["pension"]:
        raise AssertionError("the Persian explanation must redo the engine's arithmetic")
    return lines
