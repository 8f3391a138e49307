"""Debts in the portal: an employer's workshops and what each owes, one workshop's debt statement (page
and PDF), and the counter form where branch staff record a bank payment. The billing service computes;
these views only find the workshop in the user's scope and show the answer."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tamin.accounts import scope
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.contributions import billing
from tamin.contributions.billing_api import MAX_RIALS, readable_workshop
from tamin.contributions.models import Payment
from tamin.contributions.statement_pdf import pdf_response, statement_context
from tamin.core.errors import DomainError, ProblemList
from tamin.core.jalali import format_jalali, parse_jalali_date
from tamin.core.money import parse_rial
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.access import portal_view
from tamin.portal.forms import PortalForm
from tamin.registry.services.lookups import get_workshop

# Statements computed for the list page; each is a replay of the workshop's payments, so a branch's
# list shows the first workshops and the code box finds any other.
LIST_LIMIT = 25


def _ltr(placeholder: str = "") -> forms.TextInput:
    return forms.TextInput(
        attrs={"dir": "ltr", "inputmode": "numeric", "placeholder": placeholder, "autocomplete": "off"}
    )


class WorkshopCodeForm(PortalForm):
    code = forms.CharField(label="کد کارگاه", required=False, widget=_ltr("۱۲۳۴۵۶۷۸۹۰"))


class AsOfForm(PortalForm):
    as_of = forms.CharField(label="تاریخ محاسبه", required=False, widget=_ltr("۱۴۰۴/۰۸/۳۰"))


class PaymentForm(PortalForm):
    workshop = forms.CharField(label="کد کارگاه", required=False, widget=_ltr("۱۲۳۴۵۶۷۸۹۰"))
    reference = forms.CharField(label="شناسهٔ پرداخت بانک", required=False, widget=_ltr())
    amount = forms.CharField(label="مبلغ (ریال)", required=False, widget=_ltr("۱۲٬۰۰۰٬۰۰۰"))
    paid_on = forms.CharField(label="تاریخ پرداخت", required=False, widget=_ltr("۱۴۰۴/۰۸/۳۰"))


def _on_field(err: DomainError, field: str) -> DomainError:
    """The same refusal, reported against the form field the user typed the value in."""
    return type(err).of([dataclasses.replace(p, field=field) for p in err.problems])


def _as_of(text: str) -> Any:
    text = (text or "").strip()
    return parse_jalali_date(text, field="as_of") if text else None


@portal_view(action="debt.read")
def statements(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = WorkshopCodeForm(request.GET or None)
    form.is_valid()
    code = to_ascii_digits(normalize(form.cleaned_data.get("code", ""))) if form.is_bound else ""
    if code:
        try:
            workshop = readable_workshop(user, code)
        except DomainError as err:
            form.show_problems(_on_field(err, "code"))
        else:
            return redirect("portal:workshop_statement", code=workshop.code)
    workshops = scope.workshops(user).select_related("branch").order_by("code")
    if user.role != Role.EMPLOYER:
        # Staff see the workshops that were billed; the box above finds the rest.
        workshops = workshops.filter(bills__isnull=False).distinct()
    total = workshops.count()
    rows = [(w, billing.statement(user, w)) for w in workshops[:LIST_LIMIT]]
    return render(
        request,
        "portal/statements/index.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "shown": len(rows),
            "can_pay": allowed(user, "payment.record"),
        },
        status=400 if form.errors else 200,
    )


@portal_view(action="debt.read")
def workshop_statement(request: HttpRequest, code: str) -> HttpResponse:
    workshop = readable_workshop(request.user, code)
    form = AsOfForm(request.GET or None)
    form.is_valid()
    try:
        as_of = _as_of(form.cleaned_data.get("as_of", "") if form.is_bound else "")
    except DomainError as err:
        form.show_problems(err)
        as_of = None
    st = billing.statement(request.user, workshop, as_of)
    pdf_url = reverse("portal:workshop_statement_pdf", kwargs={"code": workshop.code})
    if as_of is not None:
        pdf_url += f"?as_of={format_jalali(as_of)}"
    context = {
        **statement_context(st),
        "workshop": workshop,
        "form": form,
        "pdf_url": pdf_url,
        "payments": Payment.objects.filter(workshop=workshop).order_by("-paid_on", "-id")[:50],
        "can_pay": allowed(request.user, "payment.record"),
    }
    return render(request, "portal/statements/statement.html", context, status=400 if form.errors else 200)


@portal_view(action="debt.read")
def workshop_statement_pdf(request: HttpRequest, code: str) -> HttpResponse:
    workshop = readable_workshop(request.user, code)
    return pdf_response(
        billing.statement(request.user, workshop, _as_of(request.GET.get("as_of", ""))), workshop
    )


@portal_view(methods=("GET", "POST"), action="payment.record")
def payment_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = PaymentForm(initial={"workshop": request.GET.get("workshop", "")})
        return render(request, "portal/statements/payment_form.html", {"form": form})
    form = PaymentForm(request.POST)
    form.is_valid()  # text only: the services validate
    data = form.cleaned_data
    try:
        result = _record(request.user, data)
    except DomainError as err:
        form.show_problems(err)
        return render(request, "portal/statements/payment_form.html", {"form": form}, status=err.status)
    p = result.payment
    if result.created:
        messages.success(request, f"پرداخت با شناسهٔ {p.reference} ثبت شد.")
    else:
        messages.info(
            request, f"پرداخت با شناسهٔ {p.reference} پیش‌تر با همین مشخصات ثبت شده بود؛ دوباره ثبت نشد."
        )
    return redirect("portal:workshop_statement", code=p.workshop.code)


def _record(user: Any, data: dict[str, str]) -> billing.PaymentResult:
    try:
        workshop = get_workshop(user, data.get("workshop", ""))
    except DomainError as err:
        # Not the user's workshop (or none such): refused with its own status, shown on the field.
        raise _on_field(err, "workshop") from None
    problems = ProblemList()
    amount = paid_on = None
    try:
        amount = parse_rial(data.get("amount", "").strip(), field="amount")
        if amount > MAX_RIALS:
            problems.add("payment.amount", "مبلغ پرداخت بیش از اندازه است.", "amount")
    except DomainError as err:
        problems.extend(err)
    try:
        paid_on = parse_jalali_date(data.get("paid_on", "").strip(), field="paid_on")
    except DomainError as err:
        problems.extend(err)
    problems.raise_if_any()
    return billing.record_payment(
        user, workshop=workshop, reference=data.get("reference", ""), amount=amount, paid_on=paid_on
    )


def debt_summary(user: Any) -> dict[str, Any] | None:
    """For the employer's home page: what its billed workshops owe today, or None when it has no bill.
    Past LIST_LIMIT workshops the sum is left to the debts page rather than replayed on every home visit."""
    if not allowed(user, "debt.read"):
        return None
    billed = scope.workshops(user).filter(bills__isnull=False).distinct().order_by("code")
    count = billed.count()
    if count == 0:
        return None
    if count > LIST_LIMIT:
        return {"workshops": count, "outstanding": None}
    return {"workshops": count, "outstanding": sum(billing.statement(user, w).outstanding for w in billed)}
