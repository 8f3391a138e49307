"""The pension slip (فیش حقوقی) of one pensioner for one month: the same context serves the portal page and
the PDF, a Persian right-to-left A5 page rendered by `tamin.portal.pdf`
(the vendored Vazirmatn font; nothing is fetched from the network).

The slip explains the pension: the award's base and each yearly increase the run applied since the
award's start year, with the arithmetic (rules.adjustments.yearly_increase_explained); each allowance and
deduction on its own labelled row; and the run's notes on any amount not in the parameters for the month
or not confirmed against an official source.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from django.http import HttpResponse

from tamin.benefits.models import PayrollLine
from tamin.portal import pdf
from tamin.rules.adjustments import yearly_increase_explained

TEMPLATE = "portal/slips/slip_pdf.html"
BANDS = {0: "حداقل / نسبی", 1: "سایر سطوح", -1: "— (برقراری در همین سال)"}


def increases(line: PayrollLine) -> list[dict[str, Any]]:
    """Each yearly increase that made this line's pension, oldest first, with its derivation."""
    award = line.award
    years = [y for y in line.run.notes.get("increases_applied", []) if y > award.start_year]
    steps, pension = [], award.base_amount
    for year in sorted(years):
        step = yearly_increase_explained(pension, award.pro_rata, year)
        steps.append(step)
        pension = step["pension"]
    return steps


def slip_context(line: PayrollLine) -> dict[str, Any]:
    run, award = line.run, line.award
    earnings = [
        ("مستمری", line.pension_after),
        ("کمک هزینهٔ عائله‌مندی", line.family_allowance),
        ("حق اولاد", line.child_allowance),
        ("کمک هزینهٔ مسکن", line.housing_allowance),
        ("معوقهٔ افزایش سالانه", line.arrears),
    ]
    # A slip lists what was paid and taken: the pension always, any other row only when not zero.
    earnings = earnings[:1] + [(label, v) for label, v in earnings[1:] if v]
    deductions = [
        (label, v)
        for label, v in (
            ("حق بیمهٔ تکمیلی", line.supplementary_insurance),
            ("قسط وام", line.loan_installment),
            ("کسر به حکم دادگاه", line.court_order),
        )
        if v
    ]
    # Only what concerns this line: a note on an allowance it was not paid, or a premium not taken, is noise.
    amounts = {
        "family_allowance": line.family_allowance,
        "child_allowance": line.child_allowance,
        "housing_allowance": line.housing_allowance,
        "supplementary_insurance": line.supplementary_insurance,
    }
    unverified = {k: v for k, v in run.notes.get("unverified", {}).items() if amounts.get(k, 0) != 0}
    notes = {**run.notes.get("components", {}), **unverified}
    return {
        "line": line,
        "run": run,
        "award": award,
        "person": line.person,
        "month_fa": run.period.label_fa,
        "start_fa": award.start.label_fa,
        "band": BANDS.get(line.adjustment_band, "—"),
        "earnings": earnings,
        # side by side on the slip: earnings on the right, deductions on the left
        "rows": [
            (el, ea, dl, da) for (el, ea), (dl, da) in zip_longest(earnings, deductions, fillvalue=("", 0))
        ],
        "gross": sum(v for _, v in earnings),
        "deductions": deductions,
        "total_deductions": sum(v for _, v in deductions),
        "increases": increases(line),
        "undecided": run.notes.get("increases_undecided", []),
        "notes": list(notes.values()),
    }


def slip_html(line: PayrollLine) -> str:
    return pdf.html(TEMPLATE, slip_context(line))


def slip_pdf(line: PayrollLine) -> bytes:
    """The PDF bytes of the slip `line` (already checked for the caller's scope)."""
    return pdf.render(slip_html(line))


def filename(line: PayrollLine) -> str:
    return f"slip-{line.person.national_code}-{line.run.year}{line.run.month:02d}.pdf"


def pdf_response(line: PayrollLine) -> HttpResponse:
    return pdf.response(slip_pdf(line), filename(line))
