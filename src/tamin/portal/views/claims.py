"""Pension claims in the portal.

- The insured: «شرایط بازنشستگی من» (the engine's answer today: eligible or not, why, the estimate) with
  the button that applies; their claims and each claim's state; the award PDF once approved.
- Branch staff: the branch's queue, a claim with the engine's explanation, and the maker–checker steps
  (prepare; approve — not offered to, and refused for, the one who prepared; reject with a reason).

`tamin.benefits.claims` decides who may do what; these views find the claim in the user's scope (a claim
outside it is "not found") and show the services' refusals on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.benefits import award_pdf, claims
from tamin.benefits.models import AwardKind, ClaimStatus, PensionClaim
from tamin.core import jalali
from tamin.core.errors import DomainError, NotFound
from tamin.core.idcodes import normalize_national_code
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.access import portal_view
from tamin.portal.forms import PortalForm
from tamin.registry.services.lookups import get_person

LIST_LIMIT = 200
OWN = (Role.INSURED, Role.PENSIONER)
STAFF_SUBMITTERS = (Role.BRANCH_STAFF, Role.ADMIN)


class StaffClaimForm(PortalForm):
    national_code = forms.CharField(
        label="کد ملی متقاضی",
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}),
    )
    application_date = forms.CharField(
        label="تاریخ درخواست",
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "۱۴۰۴/۰۷/۱۵", "autocomplete": "off"}),
    )


def _claim(request: HttpRequest, claim_id: int) -> PensionClaim:
    return claims.get_claim(request.user, claim_id)


def _is_staff(user: Any) -> bool:
    return user.role not in OWN


# --- the insured -------------------------------------------------------------------------------------


@portal_view(methods=("GET", "POST"), roles=(Role.INSURED,))
def my_conditions(request: HttpRequest) -> HttpResponse:
    """The insured's retirement conditions today; POST applies for the retirement pension."""
    person = request.user.person
    if person is None:
        raise NotFound("person.not_found", "پروندهٔ بیمه‌ای شما پیدا نشد.")
    if request.method == "POST":
        try:
            claim = claims.submit(request.user, person, AwardKind.RETIREMENT)
        except DomainError as err:
            conditions = claims.check_conditions(person)
            return render(
                request,
                "portal/claims/conditions.html",
                {"c": conditions, "person": person, "problems": err.problems},
                status=err.status,
            )
        messages.success(request, f"درخواست مستمری بازنشستگی شما با شمارهٔ {claim.number} ثبت شد.")
        return redirect("portal:claim", claim_id=claim.pk)
    conditions = claims.check_conditions(person)
    return render(request, "portal/claims/conditions.html", {"c": conditions, "person": person})


# --- lists and one claim -----------------------------------------------------------------------------


@portal_view(action="claim.read")
def claim_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = _is_staff(user)
    qs = claims.claims_in_scope(user)
    status = request.GET.get("status", "open" if staff else "")
    if status == "open":
        qs = qs.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.PREPARED])
    elif status in ClaimStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    code = to_ascii_digits(normalize(request.GET.get("national_code", ""))).strip()
    if code and staff:
        qs = qs.filter(person__national_code=code)
    qs = qs.order_by("application_date", "id") if staff else qs.order_by("-submitted_at", "-id")
    total = qs.count()
    return render(
        request,
        "portal/claims/list.html",
        {
            "claims": qs[:LIST_LIMIT],
            "total": total,
            "shown": min(total, LIST_LIMIT),
            "staff": staff,
            "status": status,
            "statuses": [("open", "در جریان"), *ClaimStatus.choices, ("", "همه")],
            "national_code": code,
            "can_submit": user.role in STAFF_SUBMITTERS,
            "form": StaffClaimForm(),
        },
    )


def _detail_context(request: HttpRequest, claim: PensionClaim) -> dict[str, Any]:
    user = request.user
    result = claim.result
    staff = _is_staff(user)
    maker = claim.prepared_by_id is not None and claim.prepared_by_id == user.pk
    return {
        "claim": claim,
        "person": claim.person,
        "result": result,
        "derivation": result.get("derivation", {}),
        "case_label": claims.case_label(result),
        "staff": staff,
        "documents": [(k, label, bool(claim.documents.get(k))) for k, label in claims.DOCUMENTS.items()],
        "can_prepare": staff and claim.status == ClaimStatus.SUBMITTED and allowed(user, "claim.prepare"),
        # the maker is never offered the approval (the service refuses it too)
        "can_approve": staff
        and claim.status == ClaimStatus.PREPARED
        and allowed(user, "claim.approve")
        and not maker
        and bool(result.get("eligible")),
        "is_maker": maker,
        "can_reject": staff and claim.is_open and allowed(user, "claim.reject"),
        "can_withdraw": claim.status == ClaimStatus.SUBMITTED
        and (
            (user.role == Role.INSURED and user.person_id == claim.person_id)
            or (staff and allowed(user, "claim.withdraw"))
        ),
    }


@portal_view(action="claim.read")
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    return render(request, "portal/claims/detail.html", _detail_context(request, _claim(request, claim_id)))


def _step(request: HttpRequest, claim_id: int, do, done: str) -> HttpResponse:
    claim = _claim(request, claim_id)
    try:
        claim = do(claim)
    except DomainError as err:
        context = _detail_context(request, claim)
        return render(
            request, "portal/claims/detail.html", {**context, "problems": err.problems}, status=err.status
        )
    messages.success(request, f"درخواست {claim.number}: {done}")
    return redirect("portal:claim", claim_id=claim.pk)


@portal_view(methods=("POST",), action="claim.prepare")
def claim_prepare(request: HttpRequest, claim_id: int) -> HttpResponse:
    documents = {k: True for k in claims.DOCUMENTS if request.POST.get(f"doc_{k}")}
    notes = request.POST.get("notes", "")
    return _step(
        request,
        claim_id,
        lambda c: claims.prepare(request.user, c, notes=notes, documents=documents),
        "محاسبه انجام و برای تأیید آماده شد.",
    )


@portal_view(methods=("POST",), action="claim.approve")
def claim_approve(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _step(
        request, claim_id, lambda c: claims.approve(request.user, c), "تأیید شد و حکم مستمری صادر شد."
    )


@portal_view(methods=("POST",), action="claim.reject")
def claim_reject(request: HttpRequest, claim_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _step(request, claim_id, lambda c: claims.reject(request.user, c, reason), "رد شد.")


@portal_view(methods=("POST",), action="claim.withdraw")
def claim_withdraw(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _step(request, claim_id, lambda c: claims.withdraw(request.user, c), "انصراف ثبت شد.")


@portal_view(action="claim.read")
def claim_award_pdf(request: HttpRequest, claim_id: int) -> HttpResponse:
    return award_pdf.pdf_response(_claim(request, claim_id))


# --- branch staff apply for a person -----------------------------------------------------------------


@portal_view(methods=("POST",), roles=STAFF_SUBMITTERS)
def claim_new(request: HttpRequest) -> HttpResponse:
    form = StaffClaimForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        code = normalize_national_code(data.get("national_code", ""), field="national_code")
        person = get_person(request.user, code)
        raw = data.get("application_date", "")
        on = jalali.parse_jalali_date(raw, field="application_date") if raw else None
        claim = claims.submit(request.user, person, AwardKind.RETIREMENT, on)
    except DomainError as err:
        if err.status == 403 and err.code == "auth.out_of_scope":
            raise
        form.show_problems(err)
        qs = claims.queue(request.user)
        return render(
            request,
            "portal/claims/list.html",
            {
                "claims": qs[:LIST_LIMIT],
                "total": qs.count(),
                "shown": min(qs.count(), LIST_LIMIT),
                "staff": True,
                "status": "open",
                "statuses": [("open", "در جریان"), *ClaimStatus.choices, ("", "همه")],
                "national_code": "",
                "can_submit": True,
                "form": form,
            },
            status=err.status,
        )
    messages.success(request, f"درخواست مستمری {claim.person.full_name} با شمارهٔ {claim.number} ثبت شد.")
    return redirect("portal:claim", claim_id=claim.pk)
