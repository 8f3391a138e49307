"""A workshop's page with its current workers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.core import jalali
from tamin.portal.access import portal_view
from tamin.portal.records import workshop_file
from tamin.registry.services import get_workshop


@portal_view()
def workshop_detail(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_workshop(request.user, code)
    return render(request, "portal/workshop.html", workshop_file(request.user, workshop, jalali.today()))
