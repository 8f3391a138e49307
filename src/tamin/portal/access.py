"""Deny by default: every portal view is wrapped by `portal_view`, which asks for a signed-in user,
the right method and role, and turns the domain's refusals into the Persian 403/404 pages."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from tamin.accounts.permissions import allowed
from tamin.core.errors import DomainError, Forbidden

View = Callable[..., HttpResponse]

# The error page for each status; a DomainError outside these is a plain bad request.
ERROR_TEMPLATES = {403: "403.html", 404: "404.html"}


def refuse(request: HttpRequest, exc: DomainError) -> HttpResponse:
    template = ERROR_TEMPLATES.get(exc.status, "400.html")
    return render(request, template, {"problems": exc.problems}, status=exc.status)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def to_login(request: HttpRequest) -> HttpResponse:
    if not is_htmx(request):
        return redirect_to_login(request.get_full_path())
    # An XHR follows a 302 silently and htmx would paste the login form into a panel; HX-Redirect
    # sends the whole page there instead, back to the page the user was on (not the fragment URL).
    page = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
    login = redirect_to_login(page)["Location"]
    return HttpResponse(status=401, headers={"HX-Redirect": login})


def portal_view(
    *,
    methods: Collection[str] = ("GET",),
    action: str | None = None,
    roles: Collection[str] | None = None,
) -> Callable[[View], View]:
    """`action` names a row of the permission table; `roles` is for pages the table does not cover."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return to_login(request)
            if request.method not in methods:
                return HttpResponseNotAllowed(list(methods))
            if (action is not None and not allowed(user, action)) or (
                roles is not None and user.role not in roles
            ):
                return refuse(request, Forbidden("auth.forbidden", "این بخش برای نقش شما باز نیست."))
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                # Views catch the errors they can show on a form; what is left is a refusal.
                return refuse(request, exc)

        return wrapper

    return decorate
