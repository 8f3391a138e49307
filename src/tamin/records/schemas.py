"""API shapes of the insurance history and of objections to it. Dates are Jalali text `1404/07/01`,
months `1404/07`, amounts integer Rials."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import Strict

from tamin.core.jalali import format_jalali

# Bounds keep absurd numbers out of the database columns; the services give the real limits, with
# their Persian messages.
MAX_RIALS = 10**15
Rials = Annotated[int, Strict(), Field(ge=0, le=MAX_RIALS)]
SmallCount = Annotated[int, Strict(), Field(ge=0, le=366)]


def local_jalali(value: dt.datetime | None) -> str | None:
    """The Tehran day of a stored timestamp, as people saw it."""
    if value is None:
        return None
    return format_jalali(timezone.localtime(value) if timezone.is_aware(value) else value)


class HistoryMonthOut(Schema):
    year: int
    month: int
    period: str = Field(..., description="Jalali month YYYY/MM")
    workshop: str
    days: int
    daily_wage: int
    wage: int
    wage_subject: int
    job_code: str
    hard_job: bool
    source_list: int | None = Field(
        None, description="the posted wage list; none for a month added on objection"
    )
    source_row: int | None


class YearTotalOut(Schema):
    year: int
    days: int = Field(..., description="credited days: each month capped at its calendar days")
    reported_days: int = Field(..., description="days as the lists reported them, summed over workshops")
    wage_subject: int
    months: int


class HistoryOut(Schema):
    national_code: str
    months: list[HistoryMonthOut]
    years: list[YearTotalOut]
    total_days: int
    total_years: int = Field(..., description="whole years of history (total_days // days_per_year)")
    remaining_days: int
    days_per_year: int


class ObjectionIn(Schema):
    workshop: str = Field(..., max_length=20, description="workshop code")
    year: Annotated[int, Strict(), Field(ge=1, le=9999)]
    month: Annotated[int, Strict(), Field(ge=1, le=12)]
    kind: str = Field(
        ..., max_length=10, description="missing: the month is not in the history; wrong: it is wrong"
    )
    statement: str = Field(..., max_length=2000, description="what is wrong, in the person's words")
    claimed_days: SmallCount | None = None
    claimed_wage: Rials | None = None


class ResolveIn(Schema):
    accept: Annotated[bool, Strict()]
    reason: str = Field(..., max_length=2000)
    days: SmallCount | None = Field(None, description="accepted days (required to accept)")
    wage_subject: Rials | None = Field(
        None, description="accepted wage subject to contribution (required to accept)"
    )
    daily_wage: Rials | None = None
    wage: Rials | None = None
    job_code: str | None = Field(None, max_length=10)


class ObjectionOut(Schema):
    id: int
    national_code: str
    person_name: str
    workshop: str
    year: int
    month: int
    kind: str
    kind_fa: str
    status: str
    status_fa: str
    claimed_days: int | None
    claimed_wage: int | None
    statement: str
    filed_on: str | None
    resolved_on: str | None
    resolution: str

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return obj.person.national_code

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_workshop(obj: Any) -> str:
        return obj.workshop.code

    @staticmethod
    def resolve_kind_fa(obj: Any) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_fa(obj: Any) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_filed_on(obj: Any) -> str | None:
        return local_jalali(obj.filed_at)

    @staticmethod
    def resolve_resolved_on(obj: Any) -> str | None:
        return local_jalali(obj.resolved_at)
