"""The audit trail for auditors: the latest entries, and the hash chain checked on request."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.audit.services import verify
from tamin.portal.access import portal_view
from tamin.portal.audit_log import latest_entries


@portal_view(action="audit.read")
def audit_log(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/audit.html", {"entries": latest_entries(request.user)})


# POST, not GET: verifying reads the whole chain, so no prefetch or crawler should set it off.
@portal_view(methods=("POST",), action="audit.read")
def audit_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/partials/chain_status.html", {"report": verify()})
