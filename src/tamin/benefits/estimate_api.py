"""GET /api/v1/pensions/estimate: the retirement estimate "if I work until …" (`benefits.estimate`).

The insured person asks for their own; staff name the person with `national_code`, inside their scope.
Nothing is written: an estimate is a read of the history.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tamin.accounts.roles import STAFF_ROLES, Role
from tamin.benefits import estimate
from tamin.core import jalali
from tamin.core.errors import DomainError, Forbidden
from tamin.registry.models import Person
from tamin.registry.services.lookups import get_person

router = Router(tags=["pensions"])

ESTIMATE_ROLES = frozenset({Role.INSURED, *STAFF_ROLES})


class EstimateQuery(Schema):
    until: str | None = Field(None, max_length=20, description="Jalali date YYYY/MM/DD, today or later")
    wage: str | None = Field(
        None, max_length=30, description="expected monthly wage in Rials; default: the last recorded month's"
    )
    hard_job: bool = Field(False, description="the projected months are hard and harmful work")
    national_code: str | None = Field(None, max_length=20, description="staff only: whose estimate")


class EarliestOut(Schema):
    date: str
    case: str
    case_fa: str
    pro_rata: bool
    pension: int
    credited_days: int
    average_wage: int


class AssumptionsOut(Schema):
    wage: int
    wage_source: str = Field(..., description="given | last_recorded_month")
    hard_job: bool
    last_recorded_month: str
    projected_from: str | None
    projected_months: int
    projected_days: int
    recorded_days: int
    not_assumed: list[str] | None = Field(
        None, description="[first, last] months already due and not recorded: not assumed worked"
    )
    today_rials: bool


class EstimateOut(Schema):
    national_code: str
    until: str
    today: str
    eligible: bool
    case: str | None
    case_fa: str | None
    pro_rata: bool
    reasons: list[dict[str, Any]]
    credited_days: int
    credited_years: float
    credited: dict[str, int] = Field(..., description="years, days and days_per_year of the credited record")
    average_wage: int
    pension: int
    explanation_fa: list[str] = Field(..., description="the derivation in plain Persian")
    earliest: EarliestOut | None
    earliest_full: EarliestOut | None = Field(None, description="when the earliest route is pro rata")
    assumptions: AssumptionsOut
    derivation: dict[str, Any]


def person_for_estimate(user: Any, national_code: str | None) -> Person:
    """The insured person's own file, or the one staff name inside their scope; other roles are refused."""
    role = getattr(user, "role", None)
    if role not in ESTIMATE_ROLES:
        raise Forbidden("auth.forbidden", "برآورد مستمری برای نقش شما باز نیست.")
    if role == Role.INSURED:
        if not user.person_id:
            raise Forbidden("auth.out_of_scope", "پرونده‌ای به حساب شما پیوند نشده است.")
        if national_code:
            return get_person(user, national_code)  # their own code, or a refusal
        return user.person
    if not national_code:
        raise DomainError("estimate.national_code", "کد ملی بیمه‌شده را وارد کنید.", "national_code")
    return get_person(user, national_code)


@router.get(
    "/pensions/estimate",
    response=EstimateOut,
    summary="Retirement estimate if the person works until a date: eligibility, earliest date, pension",
)
def get_estimate(request: HttpRequest, q: Query[EstimateQuery]):
    person = person_for_estimate(request.auth, q.national_code)
    return estimate.for_person(person, until=q.until, wage=q.wage, hard=q.hard_job, today=jalali.today())
