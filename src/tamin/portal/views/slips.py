"""Pension slips (فیش حقوقی): a pensioner sees their own slips month by month, branch staff the slips of
the pensioners registered at their branch; every other role is refused. A slip outside the user's scope
is "not found", so its existence is not revealed."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.accounts.roles import Role
from tamin.benefits import slip_pdf
from tamin.benefits.models import PayrollLine
from tamin.core.errors import NotFound
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.access import portal_view

SLIP_ROLES = (Role.PENSIONER, Role.BRANCH_STAFF)
LIST_LIMIT = 200


def slips_in_scope(user) -> QuerySet[PayrollLine]:
    lines = PayrollLine.objects.select_related("run", "award", "person")
    if not (user.is_authenticated and user.is_active):
        return lines.none()
    if user.role == Role.PENSIONER and user.person_id:
        return lines.filter(person=user.person_id)
    if user.role == Role.BRANCH_STAFF and user.branch_id:
        return lines.filter(person__branch=user.branch_id)
    return lines.none()


def _line(request: HttpRequest, line_id: int) -> PayrollLine:
    line = slips_in_scope(request.user).filter(pk=line_id).first()
    if line is None:
        raise NotFound("slip.not_found", "فیش مستمری پیدا نشد.")
    return line


@portal_view(roles=SLIP_ROLES)
def slips(request: HttpRequest) -> HttpResponse:
    lines = slips_in_scope(request.user).order_by("-run__year", "-run__month", "person__last_name", "pk")
    code = to_ascii_digits(normalize(request.GET.get("national_code", ""))).strip()
    if code and request.user.role == Role.BRANCH_STAFF:
        lines = lines.filter(person__national_code=code)
    total = lines.count()
    return render(
        request,
        "portal/slips/index.html",
        {
            "lines": lines[:LIST_LIMIT],
            "total": total,
            "shown": min(total, LIST_LIMIT),
            "staff": request.user.role == Role.BRANCH_STAFF,
            "national_code": code,
        },
    )


@portal_view(roles=SLIP_ROLES)
def slip(request: HttpRequest, line_id: int) -> HttpResponse:
    return render(request, "portal/slips/slip.html", slip_pdf.slip_context(_line(request, line_id)))


@portal_view(roles=SLIP_ROLES)
def slip_pdf_view(request: HttpRequest, line_id: int) -> HttpResponse:
    return slip_pdf.pdf_response(_line(request, line_id))
