"""A person's page, and the search that leads to it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tamin.core import jalali
from tamin.core.errors import DomainError, NotFound
from tamin.core.idcodes import InvalidNationalCode
from tamin.portal.access import portal_view
from tamin.portal.forms import NationalCodeForm
from tamin.portal.nav import SEARCH_ROLES
from tamin.portal.records import person_file
from tamin.registry.services import get_person


@portal_view()
def person_detail(request: HttpRequest, national_code: str) -> HttpResponse:
    try:
        person = get_person(request.user, national_code)
    except InvalidNationalCode:
        # A malformed code in the address names no page at all.
        raise NotFound("person.not_found", "شخص یافت نشد.", "national_code") from None
    return render(request, "portal/person.html", person_file(request.user, person, jalali.today()))


@portal_view(roles=SEARCH_ROLES)
def person_search(request: HttpRequest) -> HttpResponse:
    if "national_code" not in request.GET:
        return render(request, "portal/person_search.html", {"form": NationalCodeForm()})
    form = NationalCodeForm(request.GET)
    form.is_valid()
    try:
        person = get_person(request.user, form.cleaned_data.get("national_code", ""))
    except DomainError as err:
        form.show_problems(err)
        return render(request, "portal/person_search.html", {"form": form}, status=err.status)
    return redirect("portal:person_detail", national_code=person.national_code)
