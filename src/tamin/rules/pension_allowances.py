"""Allowances paid with a pension and deductions taken from it, for one payroll month over arrays of
pensioners (parameters: pension_allowances.yaml).

Who gets what (the family facts are the registry's, as recorded on the month's first day):
- Allowances go with retirement and disability pensions only. Survivors' pensions get none: the
  sources found say nothing settled about them (one news report, en.vazeh.com/?p=7779, says survivors'
  child benefits were under review in 1403), so nothing is paid rather than a guess.
- Family allowance: the pensioner has a spouse in force (one allowance, however many spouses).
- Child allowance: per child under `pension.allowance.child.max_age`, every child (the two-child limit
  of SSL Art. 86 was lifted). A woman gets it only without a spouse in force (SSL Art. 86 Tabsareh as
  reported by en.vazeh.com: a woman pensioner without a husband, or whose husband is disabled,
  supporting the children), so the same child is not paid twice when both parents are pensioners.
  Children over the age limit who study or are disabled are not in the registry and are not counted.
- Housing aid: every retirement or disability pensioner.

Deductions are taken from the month's gross (pension + allowances + arrears) in this order, each
limited to what is left so the net is never below zero: the supplementary-insurance premium, loan
instalments, then court orders, which are also capped at a share of the month's pension (Civil
Judgments Enforcement Act Art. 96 Tabsareh 1: a quarter). What cannot be taken in a month is not
carried to the next one: the line shows what was taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from tamin.rules.params import Entry, ParameterError, ParameterSet, default_parameters

FAMILY = "pension.allowance.family"
CHILD = "pension.allowance.child"
CHILD_MAX_AGE = "pension.allowance.child.max_age"
HOUSING = "pension.allowance.housing"
SUPPLEMENTARY = "pension.deduction.supplementary_insurance"
COURT_SHARE = "pension.deduction.court_order.max_share"

# component → its parameter; a component with no value in a month is paid (or taken) as zero
COMPONENTS = {
    "family_allowance": FAMILY,
    "child_allowance": CHILD,
    "housing_allowance": HOUSING,
    "supplementary_insurance": SUPPLEMENTARY,
}


@dataclass(frozen=True)
class MonthRates:
    """The amounts in force on a month's first day; None where the parameters have no value."""

    on: dt.date
    entries: dict[str, Entry | None]
    child_max_age: int
    court_share: Fraction

    def amount(self, component: str) -> int:
        e = self.entries[component]
        return 0 if e is None else int(e.value)


def _entry(p: ParameterSet, name: str, on: dt.date) -> Entry | None:
    try:
        return p.entry(name, on)
    except ParameterError:
        return None


def month_rates(on: dt.date, params: ParameterSet | None = None) -> MonthRates:
    p = default_parameters() if params is None else params
    return MonthRates(
        on,
        {component: _entry(p, name, on) for component, name in COMPONENTS.items()},
        int(p.value(CHILD_MAX_AGE, on)),
        Fraction(p.value(COURT_SHARE, on)),
    )


@dataclass(frozen=True)
class Allowances:
    family: np.ndarray
    child: np.ndarray
    housing: np.ndarray


def allowances(
    entitled: np.ndarray, married: np.ndarray, children: np.ndarray, female: np.ndarray, rates: MonthRates
) -> Allowances:
    """Each pensioner's allowances: `entitled` (retirement or disability award), `married` (a spouse in
    force), `children` (children under the age limit), `female`."""
    entitled = np.asarray(entitled, bool)
    married = np.asarray(married, bool)
    children = np.asarray(children, np.int64)
    female = np.asarray(female, bool)
    # bool × int64 multiplies rather than np.where: one pass each over millions of pensioners
    family = (entitled & married) * np.int64(rates.amount("family_allowance"))
    if children.any():
        child = children * (entitled & ~(female & married)) * np.int64(rates.amount("child_allowance"))
    else:
        child = np.zeros(len(children), np.int64)
    housing = entitled * np.int64(rates.amount("housing_allowance"))
    return Allowances(family, child, housing)


@dataclass(frozen=True)
class Deductions:
    supplementary: np.ndarray
    loan: np.ndarray
    court: np.ndarray


def court_cap(pension: np.ndarray, share: Fraction) -> np.ndarray:
    """The most a court order may take from each pension: share × pension, rounded down (a cap)."""
    return np.asarray(pension, np.int64) * share.numerator // share.denominator


def take_deductions(
    gross: np.ndarray,
    pension: np.ndarray,
    supplementary: np.ndarray,
    loan: np.ndarray,
    court: np.ndarray,
    share: Fraction,
) -> Deductions:
    """What is taken of each deduction due, in order, so that the net is never below zero."""
    supplementary, loan, court = (np.asarray(x, np.int64) for x in (supplementary, loan, court))
    out = Deductions(np.zeros_like(supplementary), np.zeros_like(loan), np.zeros_like(court))
    # Few pensioners have a deduction: compute on those rows only.
    rows = np.flatnonzero((supplementary > 0) | (loan > 0) | (court > 0))
    if len(rows) == 0:
        return out
    left = np.asarray(gross, np.int64)[rows]
    supp = np.minimum(supplementary[rows], np.maximum(left, 0))
    left = left - supp
    ln = np.minimum(loan[rows], left)
    left = left - ln
    ct = np.minimum(np.minimum(court[rows], court_cap(np.asarray(pension, np.int64)[rows], share)), left)
    out.supplementary[rows], out.loan[rows], out.court[rows] = supp, ln, ct
    return out
