"""The debt statement as a PDF: a Persian right-to-left page from the template
`portal/statements/statement_pdf.html`, rendered by `tamin.portal.pdf` (vendored font, no network)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from tamin.contributions.billing import DebtStatement
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.portal import pdf
from tamin.registry.models import Workshop

TEMPLATE = "portal/statements/statement_pdf.html"


def statement_context(st: DebtStatement) -> dict[str, Any]:
    """What the page and the PDF show: each line with its month in words, and the column sums (a credit
    is money paid beyond every bill, so it is in no line)."""
    return {
        "st": st,
        "lines": [
            {"line": line, "month_fa": JalaliMonth(*map(int, line.month.split("-"))).label_fa}
            for line in st.lines
        ],
        "sum_paid": sum(line.paid for line in st.lines),
        "relief": sum(getattr(line, "penalty_relief", 0) for line in st.lines),
        "sum_outstanding": sum(line.outstanding for line in st.lines),
    }


def statement_html(st: DebtStatement, workshop: Workshop) -> str:
    return pdf.html(TEMPLATE, {**statement_context(st), "workshop": workshop})


def statement_pdf(st: DebtStatement, workshop: Workshop) -> bytes:
    """The PDF bytes of `st`, the statement of `workshop` (already checked for the caller's scope)."""
    return pdf.render(statement_html(st, workshop))


def filename(st: DebtStatement) -> str:
    return f"statement-{st.workshop}-{format_jalali(st.as_of, sep='')}.pdf"


def pdf_response(st: DebtStatement, workshop: Workshop) -> HttpResponse:
    return pdf.response(statement_pdf(st, workshop), filename(st))
