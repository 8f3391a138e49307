"""The home page: one dashboard per role, each built from that user's scope."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.portal import dashboards
from tamin.portal.access import portal_view


@portal_view()
def home(request: HttpRequest) -> HttpResponse:
    build = dashboards.BUILDERS.get(request.user.role)
    if build is None:
        # A role the portal does not know gets an empty page, never someone else's dashboard.
        return render(request, "portal/home/unknown.html")
    template, context = build(request.user)
    return render(request, template, context)
