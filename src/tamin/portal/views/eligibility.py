"""Coverage enquiry: a national code in, covered or not (and through whom) out. With htmx only the
answer panel is replaced; without JavaScript the whole page comes back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tamin.core.errors import DomainError
from tamin.portal.access import is_htmx, portal_view
from tamin.portal.coverage import BASIS_LABELS
from tamin.portal.forms import NationalCodeForm
from tamin.registry.services import check_eligibility


@portal_view(methods=("GET", "POST"), action="eligibility.check")
def eligibility(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/eligibility.html", {"form": NationalCodeForm()})
    form = NationalCodeForm(request.POST)
    form.is_valid()
    context: dict[str, object] = {"form": form}
    status = 200
    try:
        answer = check_eligibility(request.user, form.cleaned_data.get("national_code", ""))
    except DomainError as err:
        form.show_problems(err)
        status = err.status
    else:
        context.update(answer=answer, basis=BASIS_LABELS.get(answer.basis, answer.basis))
    if is_htmx(request):
        # htmx swaps only 2xx answers; the errors are in the panel either way.
        return render(request, "portal/partials/eligibility_panel.html", context)
    return render(request, "portal/eligibility.html", context, status=status)
