"""The pension award (حکم برقراری مستمری) of an approved claim: one context for the portal page and the PDF,
a Persian right-to-left A4 page rendered by `tamin.portal.pdf` (the vendored Vazirmatn font; nothing is
fetched from the network).

The award explains itself: the case and article applied, the credited record, the average wage, the
pension and the engine's derivation lines as the maker computed them and the checker approved them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from tamin.benefits.claims import case_label
from tamin.benefits.explain import retirement_fa
from tamin.benefits.models import AwardKind, PensionClaim
from tamin.core.errors import NotFound
from tamin.portal import pdf
from tamin.rules.params import value as parameter

TEMPLATE = "portal/claims/award_pdf.html"
DAYS_PER_YEAR = "pension.service.days_per_year"  # the engine's year of record
TITLES = {
    "retirement": "حکم برقراری مستمری بازنشستگی",
    "disability": "حکم برقراری مستمری ازکارافتادگی",
    "survivors": "حکم برقراری مستمری بازماندگان",
}


def _staff_name(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def award_context(claim: PensionClaim) -> dict[str, Any]:
    award = claim.award
    if award is None:
        raise NotFound("claim.no_award", "این درخواست هنوز حکم مستمری ندارد.", "claim")
    result = claim.result
    derivation = result.get("derivation", {})
    days = int(result.get("credited_days") or 0)
    per_year = int(parameter(DAYS_PER_YEAR, claim.application_date))
    return {
        "claim": claim,
        "award": award,
        "person": claim.person,
        "title": TITLES.get(claim.kind, "حکم برقراری مستمری"),
        "case_label": case_label(result),
        "article": derivation.get("article", ""),
        "credited_days": days,
        "credited_years": days // per_year,
        "credited_rest_days": days % per_year,
        "average_wage": result.get("average_wage", 0),
        "pension": award.base_amount,
        "start_fa": award.start.label_fa,
        # The pensioner reads the award: a retirement in Persian words; other kinds as the engine gives them.
        "steps_fa": retirement_fa(result, claim.application_date)
        if claim.kind == AwardKind.RETIREMENT
        else [],
        "steps": derivation.get("steps", []),
        "parameters": derivation.get("parameters", []),
        "maker": _staff_name(claim.prepared_by),
        "checker": _staff_name(claim.decided_by),
    }


def award_html(claim: PensionClaim) -> str:
    return pdf.html(TEMPLATE, award_context(claim))


def award_pdf(claim: PensionClaim) -> bytes:
    """The PDF bytes of the award of `claim` (already checked for the caller's scope)."""
    return pdf.render(award_html(claim))


def filename(claim: PensionClaim) -> str:
    return f"award-{claim.person.national_code}-{claim.number}.pdf"


def pdf_response(claim: PensionClaim) -> HttpResponse:
    return pdf.response(award_pdf(claim), filename(claim))
