"""Demo deductions: loan instalments and supplementary-insurance enrolments on a few demo awards, so the
payroll's slips show deductions. Call after the awards exist and before the payroll months run:

    from tamin.demo import deductions
    deductions.add(first_payroll_month, seed=seed)

Idempotent: the demo's rows carry the creditor DEMO_CREDITOR / reference prefix, and a second call adds
nothing. Written set-based (demo data, like the rest of the build); real deductions go through
`tamin.benefits.deductions.add_deduction`, which checks permissions and audits.
"""

from __future__ import annotations

import numpy as np

from tamin.benefits.models import AwardStatus, DeductionKind, PensionAward, PensionDeduction
from tamin.core.jalali import JalaliMonth

DEMO_CREDITOR = "بانک رفاه کارگران (نمایشی)"
DEMO_REFERENCE = "demo-"
LOAN_SHARE = 0.05  # awards with a loan instalment
SUPPLEMENTARY_SHARE = 0.20  # awards enrolled in the supplementary insurance
LOAN_AMOUNTS = np.array([3_000_000, 5_000_000, 8_000_000, 12_000_000], np.int64)  # rial a month
LOAN_MONTHS = np.array([12, 24, 36], np.int64)


def add(start: JalaliMonth, *, seed: int) -> dict[str, int]:
    """Add the demo's deductions starting in `start`; returns how many of each were created."""
    if PensionDeduction.objects.filter(reference__startswith=DEMO_REFERENCE).exists():
        return {"loans": 0, "supplementary": 0}
    ids = np.array(
        PensionAward.objects.filter(status=AwardStatus.ACTIVE).order_by("pk").values_list("pk", flat=True),
        np.int64,
    )
    rng = np.random.default_rng(seed + 96)
    loans = ids[rng.random(len(ids)) < LOAN_SHARE]
    supp = ids[rng.random(len(ids)) < SUPPLEMENTARY_SHARE]
    amount = rng.choice(LOAN_AMOUNTS, size=len(loans))
    months = rng.choice(LOAN_MONTHS, size=len(loans))
    persons = rng.integers(1, 4, size=len(supp))
    rows = [
        PensionDeduction(
            award_id=int(a),
            kind=DeductionKind.LOAN,
            amount=int(m_amount),
            start_year=start.year,
            start_month=start.month,
            months=int(n),
            creditor=DEMO_CREDITOR,
            reference=f"{DEMO_REFERENCE}loan-{int(a)}",
            created_by="demo",
        )
        for a, m_amount, n in zip(loans.tolist(), amount.tolist(), months.tolist(), strict=True)
    ]
    rows += [
        PensionDeduction(
            award_id=int(a),
            kind=DeductionKind.SUPPLEMENTARY,
            covered_persons=int(k),
            start_year=start.year,
            start_month=start.month,
            creditor="عاتیه‌سازان حافظ",
            reference=f"{DEMO_REFERENCE}supp-{int(a)}",
            created_by="demo",
        )
        for a, k in zip(supp.tolist(), persons.tolist(), strict=True)
    ]
    PensionDeduction.objects.bulk_create(rows, batch_size=2000)
    return {"loans": len(loans), "supplementary": len(supp)}
