"""The JSON API under /api/v1/: bearer tokens for systems, the session for the portal's own calls.

Every error has the same shape: {"errors": [{"code", "message", "field"}]}, with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tamin.accounts.models import ApiToken
from tamin.core.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Tamin API",
    version="1",
    description="سامانهٔ تأمین — API نسخهٔ ۱. Dates are Jalali `YYYY/MM/DD`; amounts are integer Rials.",
    urls_namespace="api-v1",
    # The session serves the portal's own htmx calls; it checks CSRF on writes.
    auth=[BearerToken(), SessionAuth()],
)


def _errors(request: HttpRequest, status: int, problems: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"errors": problems}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _errors(request, exc.status, [p.as_dict() for p in exc.problems])


@api.exception_handler(ValidationError)
def request_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        problems.append(
            {
                "code": "request.invalid",
                "message": "درخواست نادرست است: " + str(err.get("msg", "")),
                "field": ".".join(loc) or None,
            }
        )
    return _errors(request, 400, problems)


@api.exception_handler(AuthenticationError)
def auth_required(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(
        request,
        401,
        [{"code": "auth.required", "message": "ابتدا وارد شوید یا توکن معتبر بفرستید.", "field": None}],
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _errors(request, exc.status_code, [{"code": "http.error", "message": str(exc), "field": None}])


def _register_routers() -> None:
    from tamin.accounts.api import router as accounts_router
    from tamin.audit.api import router as audit_router
    from tamin.registry.api import router as registry_router

    api.add_router("", registry_router)
    api.add_router("", accounts_router)
    api.add_router("", audit_router)
    from tamin.relief.api import router as relief_router

    api.add_router("", relief_router)
    api.add_router("", "tamin.contributions.api.router")  # wage lists: check, send, read
    api.add_router("", "tamin.contributions.billing_api.router")  # debt statements, payments
    api.add_router("", "tamin.records.api.router")  # insurance history, objections
    api.add_router("", "tamin.benefits.api.router")  # pension claims (maker–checker), award PDF
    api.add_router("", "tamin.benefits.estimate_api.router")  # pension estimate "if I work until …"


_register_routers()
