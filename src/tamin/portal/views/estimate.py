"""The pension estimate in the portal: "if I work until …", for the insured person's own file, and for
staff on a person in their scope (from the person's page). The form is a GET: an estimate writes nothing
and its address can be kept. `benefits.estimate` does the work; bad fields come back next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.accounts.roles import STAFF_ROLES, Role
from tamin.benefits import estimate
from tamin.benefits.estimate_api import person_for_estimate
from tamin.core import jalali
from tamin.core.errors import DomainError, NotFound
from tamin.core.idcodes import InvalidNationalCode
from tamin.portal.access import portal_view
from tamin.portal.forms import PortalForm
from tamin.registry.models import Person

TEMPLATE = "portal/estimate/estimate.html"


def _ltr(placeholder: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"dir": "ltr", "inputmode": "numeric", "placeholder": placeholder, "autocomplete": "off"}
    )


class EstimateForm(PortalForm):
    until = forms.CharField(
        label="تا چه تاریخی کار می‌کنید (سال/ماه/روز)", required=False, widget=_ltr("۱۴۱۰/۰۱/۰۱")
    )
    wage = forms.CharField(
        label="دستمزد ماهانهٔ پیش‌بینی‌شده (ریال)",
        required=False,
        widget=_ltr("خالی: دستمزد آخرین ماه ثبت‌شده"),
        help_text="اگر خالی بماند، دستمزد آخرین ماه ثبت‌شده بدون هیچ افزایشی به کار می‌رود.",
    )
    hard_job = forms.BooleanField(label="کار سخت و زیان‌آور", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hard_job"].widget.attrs["class"] = "form-check-input"


def _page(request: HttpRequest, person: Person, own: bool) -> HttpResponse:
    context: dict[str, Any] = {"person": person, "own": own, "result": None}
    if "until" not in request.GET:
        context["form"] = EstimateForm()
        return render(request, TEMPLATE, context)
    form = EstimateForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    context["form"] = form
    try:
        context["result"] = estimate.for_person(
            person,
            until=data.get("until", ""),
            wage=data.get("wage", ""),
            hard=bool(data.get("hard_job")),
            today=jalali.today(),
        )
    except DomainError as err:
        if err.status == 403:
            raise
        form.show_problems(err)
        return render(request, TEMPLATE, context, status=err.status)
    return render(request, TEMPLATE, context)


@portal_view(roles=(Role.INSURED,))
def my_estimate(request: HttpRequest) -> HttpResponse:
    return _page(request, person_for_estimate(request.user, None), own=True)


@portal_view(roles=STAFF_ROLES)
def person_estimate(request: HttpRequest, national_code: str) -> HttpResponse:
    try:
        person = person_for_estimate(request.user, national_code)
    except InvalidNationalCode:
        # A malformed code in the address names no page at all (as the person page).
        raise NotFound("person.not_found", "شخص یافت نشد.", "national_code") from None
    return _page(request, person, own=False)
