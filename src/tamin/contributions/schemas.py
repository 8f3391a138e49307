"""API shapes of wage lists. Amounts are integer Rials, months `1404-07`, dates Jalali `1404/07/01`.

A check result and an import result are the same summary the `tamin wagelist check|import --json`
command prints (tamin.contributions.checking.CheckResult.as_dict), so a script can switch between the
command and the API without a second parser.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from tamin.contributions.models import ContributionList, ListRow
from tamin.core.jalali import format_jalali


class ProblemOut(Schema):
    code: str
    message: str
    field: str | None = None
    file: str | None = None
    record: int | str | None = None
    severity: str = "error"


class BillOut(Schema):
    number: str
    insured_share: int
    employer_share: int
    unemployment_share: int
    hard_job_share: int
    state_share: int
    amount: int
    previous_amount: int | None
    difference: int
    version: int
    due_on: str
    due_source: str
    first_submitted_on: str | None = Field(None, description="Jalali day the list was first sent")
    late_list_penalty: int | None = Field(
        None, description="one-time penalty for a list sent after its deadline (SSL Art. 39), Rials"
    )


class CheckedRowOut(Schema):
    national_code: str
    first_name: str
    last_name: str
    days: int
    daily_wage: int
    monthly_wage: int
    benefits: int
    wage_subject: int | None
    insured_share: int | None
    employer_share: int | None
    unemployment_share: int | None
    hard_job_share: int | None


class CheckOut(Schema):
    """A checked (and, if it has a month, priced) list; nothing was written."""

    workshop: str
    month: str
    list_no: str
    kar: str
    wor: str
    layout: str
    workers: int
    total_days: int
    total_wage_subject: int | None
    insured_share: int | None
    employer_share: int | None
    unemployment_share: int | None
    hard_job_share: int | None
    state_share: int | None
    employer_exempt: int | None
    total_due: int | None
    declared: dict[str, int | None]
    ok: bool
    error_count: int
    warning_count: int
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    derivation: dict[str, Any] | None
    rows: list[CheckedRowOut] = []


class ImportOut(CheckOut):
    """A list sent: `status` is posted, unchanged, corrected or supplementary; `list_id` is its id."""

    status: str
    list_id: int
    bill: BillOut
    registered_persons: int = 0


class ListOut(Schema):
    id: int
    workshop: str
    workshop_name: str
    month: str
    list_no: str
    status: str
    status_fa: str
    version: int
    workers: int
    total_days: int
    wage_subject: int
    insured_share: int
    employer_share: int
    unemployment_share: int
    hard_job_share: int
    state_share: int
    total_due: int
    layout: str
    posted_at: str

    @staticmethod
    def resolve_workshop(obj: ContributionList) -> str:
        return obj.workshop.code

    @staticmethod
    def resolve_workshop_name(obj: ContributionList) -> str:
        return obj.workshop.name

    @staticmethod
    def resolve_month(obj: ContributionList) -> str:
        return f"{obj.year:04d}-{obj.month:02d}"

    @staticmethod
    def resolve_status_fa(obj: ContributionList) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_workers(obj: ContributionList) -> int:
        return obj.rows

    @staticmethod
    def resolve_total_due(obj: ContributionList) -> int:
        return obj.billed

    @staticmethod
    def resolve_posted_at(obj: ContributionList) -> str:
        return format_jalali(obj.posted_at)


class ListRowOut(Schema):
    row_no: int
    national_code: str
    insurance_number: str
    first_name: str
    last_name: str
    job_code: str
    days: int
    daily_wage: int
    monthly_wage: int
    benefits: int
    hard_job: bool
    wage_subject: int
    insured_share: int
    employer_share: int
    unemployment_share: int
    hard_job_share: int
    state_share: int

    @staticmethod
    def resolve_national_code(obj: ListRow) -> str:
        return obj.national_code.strip()


class ListDetailOut(ListOut):
    header: dict[str, Any]
    derivation: dict[str, Any]
    bill: BillOut | None
    rows: list[ListRowOut]

    @staticmethod
    def resolve_bill(obj: ContributionList) -> dict[str, Any] | None:
        from tamin.contributions.posting import bill_dict

        bill = getattr(obj, "bill", None)
        if bill is None:
            return None
        first = bill.first_submitted_on or bill.issued_on
        return bill_dict(bill) | {
            "first_submitted_on": format_jalali(first),
            "late_list_penalty": bill.late_list_penalty,
        }

    @staticmethod
    def resolve_rows(obj: ContributionList) -> list[ListRow]:
        return list(obj.lines.order_by("row_no"))
