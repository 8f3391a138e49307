"""Registering a person at the counter: the form hands the text to `register_person` as typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.core.errors import DomainError
from tamin.core.text import to_persian_digits
from tamin.portal.access import portal_view
from tamin.portal.forms import PersonRegistrationForm
from tamin.registry.models import Branch
from tamin.registry.services import register_person


def _branch_choices(user: Any) -> list[Branch] | None:
    # Branch staff register in their own branch only; the others pick one (or none).
    if user.role == Role.BRANCH_STAFF:
        return None
    return list(scope.branches(user).order_by("code"))


def _chosen_branch(user: Any, code: str) -> Branch | None:
    if not code:
        return None
    branch = scope.branches(user).filter(code=code).first()
    if branch is None:
        raise DomainError("branch.unknown", "شعبه‌ای با این کد وجود ندارد.", "branch")
    return branch


@portal_view(methods=("GET", "POST"), action="person.register")
def person_register(request: HttpRequest) -> HttpResponse:
    branches = _branch_choices(request.user)
    if request.method == "GET":
        return render(
            request, "portal/person_register.html", {"form": PersonRegistrationForm(branches=branches)}
        )
    form = PersonRegistrationForm(request.POST, branches=branches)
    form.is_valid()  # every field is optional text: the service is the validator
    try:
        branch = _chosen_branch(request.user, form.cleaned_data.get("branch", ""))
        person = register_person(request.user, form.service_data(), branch)
    except DomainError as err:
        form.show_problems(err)
        return render(request, "portal/person_register.html", {"form": form}, status=err.status)
    messages.success(
        request,
        f"{person.full_name} ثبت شد؛ شمارهٔ بیمه: {to_persian_digits(person.insurance_number or '')}",
    )
    return redirect("portal:person_detail", national_code=person.national_code)
