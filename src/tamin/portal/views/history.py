"""The insurance history in the portal: a person's months and yearly totals, the objection form for a
missing or wrong month, and the branch's queue of objections with the accept/reject form. The records
services decide who may read, file and resolve; these views find the record in the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tamin.accounts import scope
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import STAFF_ROLES, Role
from tamin.core.errors import DomainError, Forbidden, ProblemList
from tamin.core.jalali import JalaliMonth
from tamin.core.money import parse_rial
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.access import portal_view
from tamin.portal.forms import PortalForm
from tamin.records import services
from tamin.records.api import objection_in_scope, objections_in_scope, workshop_named
from tamin.records.models import HistoryMonth, Objection, ObjectionKind, ObjectionStatus
from tamin.records.schemas import MAX_RIALS
from tamin.registry.models import Person
from tamin.registry.services.lookups import get_person

OWN_HISTORY_ROLES = (Role.INSURED, Role.PENSIONER)
QUEUE_LIMIT = 200


def _ltr(placeholder: str = "") -> forms.TextInput:
    return forms.TextInput(
        attrs={"dir": "ltr", "inputmode": "numeric", "placeholder": placeholder, "autocomplete": "off"}
    )


class ObjectionForm(PortalForm):
    kind = forms.CharField(
        label="چه چیزی نادرست است",
        required=False,
        widget=forms.Select(choices=[("", "— انتخاب کنید —"), *ObjectionKind.choices]),
    )
    period = forms.CharField(label="ماه (سال/ماه)", required=False, widget=_ltr("۱۴۰۳/۰۵"))
    workshop = forms.CharField(label="کد کارگاه", required=False, widget=_ltr("۱۲۳۴۵۶۷۸۹۰"))
    statement = forms.CharField(label="شرح اعتراض", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    claimed_days = forms.CharField(label="روزهای کارکرد ادعایی", required=False, widget=_ltr("۳۱"))
    claimed_wage = forms.CharField(label="دستمزد ماهانهٔ ادعایی (ریال)", required=False, widget=_ltr())


class ResolveForm(PortalForm):
    decision = forms.CharField(
        label="نتیجهٔ رسیدگی",
        required=False,
        widget=forms.Select(choices=[("", "— انتخاب کنید —"), ("accept", "پذیرش"), ("reject", "رد")]),
    )
    reason = forms.CharField(
        label="دلیل / شرح رسیدگی", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    days = forms.CharField(label="روزهای پذیرفته", required=False, widget=_ltr())
    wage_subject = forms.CharField(label="دستمزد مشمول پذیرفته (ریال)", required=False, widget=_ltr())


def _number(text: str, field: str, problems: ProblemList, *, rials: bool = False) -> int | None:
    """An optional whole number typed with Persian or ASCII digits; a bad one is a problem on `field`."""
    text = to_ascii_digits(normalize(text or ""))
    if not text:
        return None
    try:
        value = parse_rial(text, field=field)
    except DomainError as err:
        problems.extend(err)
        return None
    if value > (MAX_RIALS if rials else 366):
        problems.add("number.range", "این عدد بیش از اندازه است.", field)
        return None
    return value


def _history_context(user: Any, person: Person) -> dict[str, Any]:
    h = services.history(user, person)
    # The months of each year under that year's total, newest year first as people read a record.
    by_year: dict[int, list[dict[str, Any]]] = {}
    for m in h.months:
        by_year.setdefault(m["year"], []).append({**m, "label": JalaliMonth(m["year"], m["month"]).label_fa})
    years = [(y, by_year.get(y.year, [])) for y in reversed(h.years)]
    own = user.role in OWN_HISTORY_ROLES and user.person_id == person.pk
    return {
        "person": person,
        "history": h,
        "years": years,
        "own": own,
        "can_object": allowed(user, "objection.file") and (own or user.role not in OWN_HISTORY_ROLES),
        "objections": objections_in_scope(user).filter(person=person).select_related("workshop")[:50],
    }


@portal_view(roles=OWN_HISTORY_ROLES)
def my_history(request: HttpRequest) -> HttpResponse:
    person = scope.persons(request.user).filter(pk=request.user.person_id).first()
    if person is None:
        raise Forbidden("auth.out_of_scope", "پرونده‌ای به حساب شما پیوند نشده است.")
    return render(request, "portal/history/history.html", _history_context(request.user, person))


@portal_view()
def person_history(request: HttpRequest, national_code: str) -> HttpResponse:
    person = get_person(request.user, national_code)
    return render(request, "portal/history/history.html", _history_context(request.user, person))


def _after_objection(user: Any, person: Person) -> HttpResponse:
    if user.role in OWN_HISTORY_ROLES:
        return redirect("portal:history")
    return redirect("portal:person_history", national_code=person.national_code)


@portal_view(methods=("GET", "POST"), action="objection.file")
def objection_new(request: HttpRequest, national_code: str) -> HttpResponse:
    person = get_person(request.user, national_code)
    if request.method == "GET":
        g = request.GET
        initial = {k: g.get(k, "") for k in ("kind", "period", "workshop")}
        return render(
            request,
            "portal/history/objection_form.html",
            {"form": ObjectionForm(initial=initial), "person": person},
        )
    form = ObjectionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        obj = _file(request.user, person, data)
    except DomainError as err:
        form.show_problems(err)
        return render(
            request, "portal/history/objection_form.html", {"form": form, "person": person}, status=err.status
        )
    messages.success(
        request, f"اعتراض شما به {JalaliMonth(obj.year, obj.month).label_fa} ثبت شد و در شعبه بررسی می‌شود."
    )
    return _after_objection(request.user, person)


def _file(user: Any, person: Person, data: dict[str, str]) -> Objection:
    problems = ProblemList()
    period = workshop = None
    try:
        period = JalaliMonth.parse(data.get("period", ""), field="period")
    except DomainError as err:
        problems.extend(err)
    try:
        workshop = workshop_named(data.get("workshop", ""))
    except DomainError as err:
        problems.extend(err)
    days = _number(data.get("claimed_days", ""), "claimed_days", problems)
    wage = _number(data.get("claimed_wage", ""), "claimed_wage", problems, rials=True)
    problems.raise_if_any()
    assert period is not None and workshop is not None
    return services.file_objection(
        user,
        person,
        workshop=workshop,
        year=period.year,
        month=period.month,
        kind=data.get("kind", ""),
        statement=data.get("statement", ""),
        claimed_days=days,
        claimed_wage=wage,
    )


@portal_view(roles=STAFF_ROLES)
def objection_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ObjectionStatus.OPEN)
    if status not in ObjectionStatus.values:
        status = ObjectionStatus.OPEN
    qs = objections_in_scope(request.user).filter(status=status).select_related("person", "workshop")
    return render(
        request,
        "portal/history/queue.html",
        {
            "objections": qs.order_by("filed_at", "id")[:QUEUE_LIMIT],
            "total": qs.count(),
            "status": status,
            "statuses": ObjectionStatus.choices,
            "can_resolve": allowed(request.user, "objection.resolve"),
        },
    )


@portal_view(methods=("GET", "POST"), action="objection.resolve")
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    obj = objection_in_scope(request.user, pk)
    month = HistoryMonth.objects.filter(
        person=obj.person_id, workshop=obj.workshop_id, year=obj.year, month=obj.month
    ).first()
    context: dict[str, Any] = {
        "obj": obj,
        "month": month,
        "label": JalaliMonth(obj.year, obj.month).label_fa,
    }
    if request.method == "GET":
        initial = {
            "days": obj.claimed_days or (month.days if month else ""),
            "wage_subject": obj.claimed_wage or (month.wage_subject if month else ""),
        }
        return render(
            request, "portal/history/resolve.html", {**context, "form": ResolveForm(initial=initial)}
        )
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        done = _resolve(request.user, obj, form.cleaned_data)
    except DomainError as err:
        form.show_problems(err)
        return render(request, "portal/history/resolve.html", {**context, "form": form}, status=err.status)
    messages.success(
        request, f"اعتراض {done.person.full_name} به {context['label']}: {done.get_status_display()}."
    )
    return redirect("portal:objection_queue")


def _resolve(user: Any, obj: Objection, data: dict[str, str]) -> Objection:
    problems = ProblemList()
    decision = data.get("decision", "")
    if decision not in ("accept", "reject"):
        problems.add("objection.decision", "پذیرش یا رد را انتخاب کنید.", "decision")
    days = _number(data.get("days", ""), "days", problems)
    wage_subject = _number(data.get("wage_subject", ""), "wage_subject", problems, rials=True)
    problems.raise_if_any()
    accept = decision == "accept"
    return services.resolve_objection(
        user,
        obj,
        accept=accept,
        reason=data.get("reason", ""),
        days=days if accept else None,
        wage_subject=wage_subject if accept else None,
    )


def history_summary(user: Any, person: Person) -> services.PersonHistory:
    """For the insured and pensioner home pages: total days and whole years of history."""
    return services.history(user, person)
