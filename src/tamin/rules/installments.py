"""Instalment plans for contribution debts (تقسیط بدهی), rules.md §3.3; parameters/installments.yaml.

SSL Art. 46: at most 36 monthly instalments, 12 % a year interest on the remaining balance, and a
missed instalment makes the rest due at once (collected under Art. 50). Within that ceiling SSO's
circulars set the plan by the debt's size; none was found, so the size bands, down payment and smallest
instalment in the YAML are placeholders marked unverified. The structure they feed is general:

* size bands `installment.band.<n>.max_debt` (inclusive, ascending) each with `max_months` and,
  optionally, its own `down_payment_percent` (else `installment.down_payment_percent`); a debt above
  every band gets the legal maximum and the general down payment;
* optional approval ceilings `installment.approval.branch.max_debt` and
  `installment.approval.province.max_debt`: a debt up to the branch ceiling is decided by the branch,
  up to the province ceiling by the province office, above it by headquarters (the commission). A level
  without a ceiling decides every larger debt, so with neither parameter the branch decides all.

A schedule is: a down payment due the day the plan is made, then `months` instalments due on the last
day of each following Jalali month. Principal parts are integer Rials that sum exactly to the debt; the
remainder of the even split goes one Rial each to the earliest instalments, so parts differ by at most
one Rial and the same inputs always give the same schedule. Interest is a separate column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from tamin.core.errors import ProblemList
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.core.money import apply_percent, format_rial, round_half_up_div
from tamin.core.text import to_persian_digits as fa
from tamin.rules.params import Number, ParameterSet, default_parameters
from tamin.rules.penalties import late_payment_penalty

MAX_MONTHS = "installment.max_months"
INTEREST = "installment.interest_percent_per_year"
VOID_AFTER = "installment.void_after_missed"
GRACE = "installment.grace_months"
DOWN_PAYMENT = "installment.down_payment_percent"
MINIMUM = "installment.minimum_installment"
BAND = "installment.band.{}.{}"
APPROVAL = "installment.approval.{}.max_debt"

# Who decides a request, smallest debts first; the last level has no ceiling.
APPROVAL_LEVELS = ("branch", "province", "hq")
APPROVAL_FA = {"branch": "شعبه", "province": "اداره کل استان", "hq": "ستاد سازمان (کمیسیون)"}

LAW = "SSL Art. 46 (تقسیط حداکثر ۳۶ قسط، بهره ۱۲ درصد در سال، حال شدن اقساط با عدم پرداخت)"


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


@dataclass(frozen=True)
class Plan:
    """A validated schedule. Index 0 is the down payment; 1..months are the monthly instalments."""

    debt: int
    on: dt.date
    months: int
    due: np.ndarray  # datetime64[D], months + 1
    principal: np.ndarray  # int64, sums to debt
    interest: np.ndarray  # int64, SSL Art. 46 interest on the balance before each instalment
    derivation: dict[str, Any] = field(compare=False)

    @property
    def amount(self) -> np.ndarray:
        return self.principal + self.interest

    @property
    def down_payment(self) -> int:
        return int(self.principal[0])

    @property
    def total(self) -> int:
        return int(self.amount.sum())

    def rows(self) -> list[dict[str, Any]]:
        """The schedule for people: number, Jalali due date, principal, interest, amount."""
        return [
            {
                "number": i,
                "due": format_jalali(d.item()),
                "principal": int(p),
                "interest": int(r),
                "amount": int(p + r),
            }
            for i, (d, p, r) in enumerate(zip(self.due, self.principal, self.interest, strict=True))
        ]


def _in_force(p: ParameterSet, name: str, on: dt.date) -> Number | None:
    """The value of an optional parameter on `on`, or None when it is not defined or not in force."""
    if name not in p:
        return None
    param = p.parameter(name)
    return next((e.value for e in param.entries if e.covers(on)), None)


@dataclass(frozen=True)
class Limits:
    """What the rules allow a debt of this size on this day."""

    band: int | None  # the size band that holds the debt; None = above every band
    max_months: int  # the band's limit, never above the law's
    legal_max_months: int
    down_payment_percent: Number
    minimum_installment: int
    approval: str  # one of APPROVAL_LEVELS

    def as_dict(self) -> dict[str, Any]:
        return {
            "band": self.band,
            "band_max_months": self.max_months,
            "legal_max_months": self.legal_max_months,
            "down_payment_percent": str(self.down_payment_percent),
            "minimum_installment": self.minimum_installment,
            "approval": self.approval,
            "approval_fa": APPROVAL_FA[self.approval],
        }


def approval_level(debt: int, on: dt.date, *, params: ParameterSet | None = None) -> str:
    """Who decides a request for this debt: the first level whose ceiling holds it (or has none)."""
    p = _params(params)
    for level in APPROVAL_LEVELS[:-1]:
        ceiling = _in_force(p, APPROVAL.format(level), on)
        if ceiling is None or debt <= int(ceiling):
            return level
    return APPROVAL_LEVELS[-1]


def approval_levels(on: dt.date, *, params: ParameterSet | None = None) -> tuple[str, ...]:
    """The levels that decide some size of debt on `on` (just the branch when no ceiling is set)."""
    p = _params(params)
    levels: list[str] = []
    for level in APPROVAL_LEVELS:
        levels.append(level)
        if level == APPROVAL_LEVELS[-1] or _in_force(p, APPROVAL.format(level), on) is None:
            break
    return tuple(levels)


def limits_for(debt: int, on: dt.date, *, params: ParameterSet | None = None) -> Limits:
    """The limits for a debt of this size on this day: its band's, never above the law's."""
    p = _params(params)
    legal = int(p.value(MAX_MONTHS, on))
    general_down = p.value(DOWN_PAYMENT, on)
    found: int | None = None
    months, down = legal, general_down
    band = 1
    while BAND.format(band, "max_debt") in p:
        if debt <= int(p.value(BAND.format(band, "max_debt"), on)):
            found = band
            months = min(int(p.value(BAND.format(band, "max_months"), on)), legal)
            own = _in_force(p, BAND.format(band, "down_payment_percent"), on)
            down = general_down if own is None else own
            break
        band += 1
    return Limits(found, months, legal, down, int(p.value(MINIMUM, on)), approval_level(debt, on, params=p))


def max_months_for(debt: int, on: dt.date, *, params: ParameterSet | None = None) -> int:
    """Months allowed for a debt of this size on this day: its band's limit, never above the law's."""
    return limits_for(debt, on, params=params).max_months


def _cited(p: ParameterSet, limits: Limits, on: dt.date) -> list[str]:
    """The parameters a plan's limits came from, for its derivation."""
    names = [MAX_MONTHS, INTEREST, DOWN_PAYMENT, MINIMUM]
    if limits.band is not None:
        names += [BAND.format(limits.band, "max_debt"), BAND.format(limits.band, "max_months")]
        own = BAND.format(limits.band, "down_payment_percent")
        if _in_force(p, own, on) is not None:
            names[names.index(DOWN_PAYMENT)] = own
    ceilings = [APPROVAL.format(level) for level in APPROVAL_LEVELS]
    names += [name for name in ceilings if _in_force(p, name, on) is not None]
    return names


def installment_plan(
    debt: int, *, requested_months: int, on: dt.date, params: ParameterSet | None = None
) -> Plan:
    """The schedule for paying `debt` in `requested_months` monthly instalments after a down payment.

    Raises DomainError (every problem at once) when the request breaks a limit: codes
    installment.debt, installment.months, installment.months_band, installment.minimum.
    """
    p = _params(params)
    problems = ProblemList()
    if isinstance(debt, bool) or not isinstance(debt, int | np.integer):
        raise TypeError("debt must be an integer number of Rials")
    debt = int(debt)
    if debt <= 0:
        problems.add("installment.debt", "مبلغ بدهی برای تقسیط باید بیشتر از صفر باشد.", "debt")
        problems.raise_if_any()
    limits = limits_for(debt, on, params=p)
    legal, allowed = limits.legal_max_months, limits.max_months
    if requested_months < 1 or requested_months > legal:
        problems.add(
            "installment.months",
            f"تعداد اقساط باید بین ۱ و {fa(legal)} باشد (ماده ۴۶ قانون تأمین اجتماعی).",
            "requested_months",
        )
    elif requested_months > allowed:
        problems.add(
            "installment.months_band",
            f"برای بدهی {format_rial(debt)} ریال حداکثر {fa(allowed)} قسط مجاز است.",
            "requested_months",
        )
    down = apply_percent(debt, limits.down_payment_percent)
    rest = debt - down
    minimum = limits.minimum_installment
    if not problems.problems and rest // requested_months < minimum:
        fits = max(rest // minimum, 1) if minimum else requested_months
        problems.add(
            "installment.minimum",
            f"مبلغ هر قسط کمتر از حداقل {format_rial(minimum)} ریال می‌شود؛ حداکثر {fa(fits)} قسط ممکن است.",
            "requested_months",
        )
    problems.raise_if_any()

    n = requested_months
    base, remainder = divmod(rest, n)
    principal = np.full(n + 1, base, dtype=np.int64)
    principal[0] = down
    principal[1 : remainder + 1] += 1
    start = JalaliMonth.of(on)
    due = np.array([on, *((start + k).last_day() for k in range(1, n + 1))], dtype="datetime64[D]")
    # Art. 46 interest: one twelfth of the yearly rate on the balance outstanding before each instalment.
    rate = Fraction(p.value(INTEREST, on)) / 1200
    balance = rest - np.concatenate(([0], np.cumsum(principal[1:-1])))
    interest = np.zeros(n + 1, dtype=np.int64)
    interest[1:] = round_half_up_div(balance * rate.numerator, rate.denominator)
    cited = _cited(p, limits, on)
    derivation = {
        "rule": "installment_plan",
        "law": LAW,
        "on": format_jalali(on),
        "debt": debt,
        "months": n,
        "limits": limits.as_dict(),
        "down_payment_percent": str(limits.down_payment_percent),
        "interest_percent_per_year": str(p.value(INTEREST, on)),
        "remainder": f"{fa(remainder)} ریال، یک ریال به هر یک از {fa(remainder)} قسط نخست",
        "sources": {name: p.entry(name, on).source for name in cited},
        "confidence": {name: p.entry(name, on).confidence for name in cited},
    }
    return Plan(debt, on, n, due, principal, interest, derivation)


@dataclass(frozen=True)
class PlanStatus:
    """Where a plan stands on `as_of`."""

    state: str  # "active" | "completed" | "void"
    paid: int
    missed: tuple[int, ...]  # instalment numbers past their grace end without being covered
    outstanding: int  # what is still owed under the plan (active) or at once (void)
    next_due: dt.date | None  # active plans: the first instalment not yet covered
    void_on: dt.date | None  # the day the remaining debt fell due
    penalty: int  # void plans: late-payment penalty on the amount due at once, from void_on to as_of
    derivation: dict[str, Any] = field(compare=False)


Payment = tuple[dt.date, int]


def _payments(payments: Iterable[Payment] | dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(payments, dict):
        on = np.asarray(payments["on"]).astype("datetime64[D]")
        amount = np.asarray(payments["amount"])
    else:
        rows: Sequence[Payment] = list(payments)
        on = np.array([d for d, _ in rows], dtype="datetime64[D]")
        amount = np.array([a for _, a in rows], dtype=np.int64)
    if amount.dtype.kind not in "iu" and amount.size:
        raise TypeError("payment amounts must be integer Rials")
    order = np.argsort(on, kind="stable")
    return on[order], amount.astype(np.int64)[order]


def missed(
    plan: Plan,
    payments: Iterable[Payment] | dict[str, np.ndarray],
    as_of: dt.date,
    *,
    params: ParameterSet | None = None,
) -> PlanStatus:
    """Apply payments (oldest instalment first) and decide the plan's state on `as_of`.

    An instalment is missed when the end of its grace (the last day of the Jalali month
    `grace_months` after its due month) has passed and the payments made by then do not cover every
    instalment up to it. After `void_after_missed` missed instalments the plan is void: from the day
    after that grace end the unpaid instalments already due plus all future principal fall due at
    once (future interest is dropped), and the late-payment penalty runs on that amount.
    """
    p = _params(params)
    grace = int(p.value(GRACE, plan.on))
    void_after = int(p.value(VOID_AFTER, plan.on))
    pay_on, pay_amount = _payments(payments)
    counted = pay_on <= np.datetime64(as_of, "D")
    pay_on, pay_amount = pay_on[counted], pay_amount[counted]
    paid_by = np.concatenate(([0], np.cumsum(pay_amount)))
    cum_due = np.cumsum(plan.amount)
    grace_end = np.array(
        [(JalaliMonth.of(d.item()) + grace).last_day() for d in plan.due], dtype="datetime64[D]"
    )
    covered_by_grace = paid_by[np.searchsorted(pay_on, grace_end, side="right")]
    is_missed = (grace_end < np.datetime64(as_of, "D")) & (covered_by_grace < cum_due)
    missed_numbers = tuple(int(i) for i in np.flatnonzero(is_missed))
    paid = int(paid_by[-1])
    common = {
        "law": LAW,
        "grace_months": grace,
        "void_after_missed": void_after,
        "as_of": format_jalali(as_of),
    }

    if len(missed_numbers) >= void_after:
        trigger = missed_numbers[void_after - 1]
        void_day = grace_end[trigger] + np.timedelta64(1, "D")
        paid_then = int(paid_by[np.searchsorted(pay_on, void_day, side="left")])
        # Instalments due before the void day stay owed with their interest; later ones lose theirs.
        due_before = plan.due < void_day
        owed = int(plan.amount[due_before].sum() + plan.principal[~due_before].sum())
        falls_due = max(owed - paid_then, 0)
        after_void = int(pay_amount[pay_on >= void_day].sum())
        outstanding = max(falls_due - after_void, 0)
        void_on = void_day.item()
        # Later payments reduce the debt; the penalty is charged on what fell due, as an upper bound
        # until payments are allocated by the billing service.
        penalty = int(
            late_payment_penalty(
                np.array([outstanding], dtype=np.int64),
                np.array([void_day - np.timedelta64(1, "D")], dtype="datetime64[D]"),
                np.array([as_of], dtype="datetime64[D]"),
                params=p,
            )[0]
        )
        return PlanStatus(
            "void",
            paid,
            missed_numbers,
            outstanding,
            None,
            void_on,
            penalty,
            {
                **common,
                "rule": "installment_void",
                "void_on": format_jalali(void_on),
                "falls_due": falls_due,
                "note": "باقی اقساط حال شد؛ جریمه تأخیر از روز حال شدن محاسبه شده است.",
            },
        )
    if paid >= int(cum_due[-1]):
        return PlanStatus(
            "completed", paid, missed_numbers, 0, None, None, 0, {**common, "rule": "installment"}
        )
    first_open = int(np.searchsorted(cum_due, paid, side="right"))
    return PlanStatus(
        "active",
        paid,
        missed_numbers,
        int(cum_due[-1]) - paid,
        plan.due[first_open].item(),
        None,
        0,
        {**common, "rule": "installment"},
    )
