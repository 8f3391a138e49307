"""The demo's pension claims: a few insured persons near retirement with a full legacy history, and their
claims at different steps of the maker–checker workflow, at the demo branch staff's branch.

The generated population only has the months of the demo's wage lists; these persons have 27–35 years
of months recorded before the wage-list era (RecordedMonth, no source list, as a migrated legacy
history is) at the branch's oldest workshop, ending the month before the reference month, with a daily
wage that is a fixed multiple of each year's minimum daily wage (modelled), never above the ceiling:

- one with 35 years whose claim the demo branch staff prepared — awaiting approval by another member of
  staff (the demo admin: the maker cannot approve);
- one woman with 30 years and a claim just submitted;
- one man with 31 years who meets the conditions and has not applied (staff may apply for him);
- one with 27 years and aged 50, who does not: his claim was rejected with the engine's reasons.

The claims go through the production services (`benefits.claims`), audited. Nothing here is drawn at
random: the persons, their months and their claims follow from the reference date and the demo users,
so equal builds hold equal claims. No claim is approved, so the pension awards and payroll are the
pensions step's alone.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from tamin.accounts.models import User
from tamin.benefits import claims
from tamin.benefits.models import AwardKind
from tamin.core import jalali
from tamin.core.idcodes import is_valid_national_code, with_check_digit
from tamin.core.jalali import JalaliMonth
from tamin.records.models import RecordedMonth
from tamin.registry.models import Employment, Person, Workshop
from tamin.registry.services.identifiers import (
    INSURANCE_NUMBER_SEQUENCE,
    INSURANCE_NUMBER_START,
    reserve_block,
)
from tamin.rules.params import default_parameters
from tamin.rules.wages import daily_ceiling_vector, minimum_daily_wage_vector

MINIMUM, CEILING = "wage.minimum_daily", "contribution.ceiling_multiplier"
CODE_BASE = 987_650_000  # first nine digits of the demo claimants' national codes, then upwards


@dataclass(frozen=True)
class Claimant:
    first: str
    last: str
    father: str
    male: bool
    age: int  # whole years at the reference date
    years: int  # years of legacy history, ending the month before the reference month
    wage_multiple: float  # daily wage / minimum daily wage (modelled)
    claim: str | None  # "prepared", "submitted", "rejected" or None (no claim yet)


CLAIMANTS = (
    Claimant("غلامرضا", "کاظمی", "عباس", True, 58, 35, 2.4, "prepared"),
    Claimant("فرشته", "رحیمی", "محمود", False, 52, 30, 1.6, "submitted"),
    Claimant("جواد", "مرادی", "اکبر", True, 61, 31, 1.8, None),
    Claimant("ناصر", "یزدانی", "حسین", True, 50, 27, 1.3, "rejected"),
)


class ClaimsError(Exception):
    """The demo cannot hold the claims for these options (the build turns it into a DemoError)."""


@dataclass
class ClaimsResult:
    counts: dict[str, int]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


def _codes(n: int) -> list[str]:
    """`n` valid national codes from CODE_BASE up that nobody in the database holds."""
    out: list[str] = []
    k = CODE_BASE
    while len(out) < n:
        code = with_check_digit(f"{k:09d}")
        k += 1
        if is_valid_national_code(code) and not Person.objects.filter(national_code=code).exists():
            out.append(code)
    return out


def _birth(reference: dt.date, age: int) -> dt.date:
    # Born on the first of the reference's Gregorian month `age` years (and one month) earlier: `age`
    # whole years old on the reference date.
    month = reference.month - 1 or 12
    year = reference.year - age - (1 if reference.month == 1 else 0)
    return dt.date(year, month, 1)


def _known(days: np.ndarray, name: str) -> np.ndarray:
    """Months before a parameter's first recorded value take that first value (modelled: the demo's
    35-year history starts before the wage parameters do)."""
    first = np.datetime64(default_parameters().parameter(name).entries[0].start, "D")
    return np.maximum(days, first)


def _history(person: Person, workshop: Workshop, last: JalaliMonth, c: Claimant) -> list[RecordedMonth]:
    months = [last - k for k in range(c.years * 12 - 1, -1, -1)]
    firsts = np.array([np.datetime64(m.first_day(), "D") for m in months])
    daily = np.floor(minimum_daily_wage_vector(_known(firsts, MINIMUM)) * c.wage_multiple).astype(np.int64)
    daily = np.minimum(daily, daily_ceiling_vector(_known(firsts, CEILING)))
    return [
        RecordedMonth(
            person=person,
            workshop=workshop,
            year=m.year,
            month=m.month,
            days=m.days,
            daily_wage=int(d),
            wage=int(d) * m.days,
            wage_subject=int(d) * m.days,
        )
        for m, d in zip(months, daily.tolist(), strict=True)
    ]


def run(reference: dt.date, *, staff: str, checker: str) -> ClaimsResult:
    """The claimants, their histories and claims. `staff`: the demo branch staff's username (the maker)."""
    t0 = time.perf_counter()
    maker = User.objects.filter(username=staff).select_related("branch").first()
    if maker is None or maker.branch_id is None:
        raise ClaimsError(f"the demo branch staff user {staff!r} is missing")
    workshop = Workshop.objects.filter(branch=maker.branch_id).order_by("opened_on", "code").first()
    if workshop is None:
        raise ClaimsError(f"branch {maker.branch.code} has no workshop to hold the claimants' history")
    last = JalaliMonth.of(reference) - 1
    stamp = dt.datetime.combine(reference, dt.time(0, 0), tzinfo=jalali._tehran())
    notes = [
        f"pension claims: {len(CLAIMANTS)} insured near retirement with a legacy history at workshop"
        f" {workshop.code}; the prepared claim awaits approval by {checker} (the maker, {staff}, cannot"
        " approve it)"
    ]
    with transaction.atomic():
        codes = _codes(len(CLAIMANTS))
        first_number = reserve_block(INSURANCE_NUMBER_SEQUENCE, len(CLAIMANTS), INSURANCE_NUMBER_START)
        rows: list[RecordedMonth] = []
        made = {"submitted": 0, "prepared": 0, "rejected": 0}
        people = []
        for i, c in enumerate(CLAIMANTS):
            person = Person.objects.create(
                national_code=codes[i],
                insurance_number=f"{first_number + i:010d}",
                first_name=c.first,
                last_name=c.last,
                father_name=c.father,
                birth_date=_birth(reference, c.age),
                sex="male" if c.male else "female",
                branch_id=maker.branch_id,
            )
            # as the population's rows: registered at the reference date (equal builds, equal persons)
            Person.objects.filter(pk=person.pk).update(registered_at=stamp, updated_at=stamp)
            history = _history(person, workshop, last, c)
            rows.extend(history)
            Employment.objects.create(
                person=person,
                workshop=workshop,
                start_date=(last - (c.years * 12 - 1)).first_day(),
                end_date=last.last_day(),
            )
            people.append(person)
        RecordedMonth.objects.bulk_create(rows, batch_size=2000)
        for person, c in zip(people, CLAIMANTS, strict=True):
            if c.claim is None:
                continue
            claim = claims.submit(maker, person, AwardKind.RETIREMENT, reference)
            if c.claim in ("prepared", "rejected"):
                claim = claims.prepare(
                    maker,
                    claim,
                    notes="سوابق و مدارک بررسی شد.",
                    documents=dict.fromkeys(claims.DOCUMENTS, True),
                )
            if c.claim == "rejected":
                claims.reject(maker, claim)
            made[c.claim] += 1
    return ClaimsResult(
        counts={
            "claimants": len(CLAIMANTS),
            "claimants_history_months": len(rows),
            "pension_claims": sum(made.values()),
            "pension_claims_prepared": made["prepared"],
        },
        timings={"claims": time.perf_counter() - t0},
        notes=notes,
    )
