"""Monthly deductions from a pension (loan instalments, the supplementary-insurance premium, court
orders), recorded by branch staff and taken by the payroll (`payroll.compute_lines`) in the months they
are in force."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tamin.accounts import permissions, scope
from tamin.audit.services import record as audit_record
from tamin.benefits.models import DeductionKind, PensionAward, PensionDeduction
from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth


def add_deduction(
    actor: Any,
    award: PensionAward,
    kind: str,
    start: JalaliMonth,
    *,
    amount: int | None = None,
    months: int | None = None,
    covered_persons: int = 1,
    creditor: str = "",
    reference: str = "",
) -> PensionDeduction:
    """Record a monthly deduction from `award` (branch staff within their scope). A loan instalment or a
    court order is a fixed amount in Rials; the supplementary premium has none (the parameters give it
    per covered person). Open-ended when `months` is None."""
    permissions.require(actor, "payroll.deduction", award.person, scope.persons(actor))
    if kind not in DeductionKind.values:
        raise DomainError("deduction.kind", "نوع کسر معتبر نیست.", "kind")
    if kind == DeductionKind.SUPPLEMENTARY:
        if amount is not None:
            raise DomainError(
                "deduction.amount", "حق بیمهٔ تکمیلی از پارامترها محاسبه می‌شود؛ مبلغ ندهید.", "amount"
            )
        if not isinstance(covered_persons, int) or covered_persons < 1:
            raise DomainError(
                "deduction.covered_persons", "تعداد افراد تحت پوشش باید دست‌کم یک باشد.", "covered_persons"
            )
    elif not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError("deduction.amount", "مبلغ ماهانهٔ کسر باید عددی صحیح و مثبت (ریال) باشد.", "amount")
    if months is not None and (not isinstance(months, int) or months < 1):
        raise DomainError("deduction.months", "تعداد ماه‌ها باید دست‌کم یک باشد.", "months")
    with transaction.atomic():
        d = PensionDeduction.objects.create(
            award=award,
            kind=kind,
            amount=amount,
            covered_persons=covered_persons,
            start_year=start.year,
            start_month=start.month,
            months=months,
            creditor=creditor,
            reference=reference,
            created_by=getattr(actor, "username", "") or "",
        )
        audit_record(
            actor,
            "payroll.deduction.add",
            d,
            after={"award": award.pk, "kind": kind, "amount": amount, "start": str(start), "months": months},
        )
    return d
