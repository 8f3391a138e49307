"""The shell every page shares: Persian, right to left, today's Jalali date, sign-in required."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tamin.accounts.roles import Role
from tamin.core import jalali
from tamin.core.text import to_persian_digits
from tests.conftest import PASSWORD

TODAY_FA = jalali.format_jalali_fa(jalali.today())


def test_login_page_is_persian_rtl_with_todays_jalali_date(db) -> None:
    page = Client().get("/login/").content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert TODAY_FA in page
    assert "ورود به سامانه" in page
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", page)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_home_has_the_shell(signed_in, world, role: str) -> None:
    response = signed_in(role).get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page
    assert TODAY_FA in page
    assert Role(role).label in page
    # Logout is a POST form with a CSRF token, not a link a prefetcher could follow.
    assert re.search(
        r'<form method="post" action="/logout/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', page
    )
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_assets_are_vendored_never_from_a_cdn(signed_in) -> None:
    page = signed_in(Role.INSURED).get("/").content.decode()
    for asset in ("vendor/bootstrap/bootstrap.rtl.min.css", "vendor/htmx/htmx.min.js", "portal/portal.css"):
        assert f"{settings.STATIC_URL}{asset}" in page
        assert finders.find(asset), asset
    assert "cdn" not in page.lower() and "https://" not in page
    with open(finders.find("portal/portal.css"), encoding="utf-8") as fh:
        css = fh.read()
    assert "@font-face" in css and "../vendor/vazirmatn/Vazirmatn-Variable.woff2" in css
    assert finders.find("vendor/vazirmatn/Vazirmatn-Variable.woff2")


def test_the_navbar_names_the_user_and_role(signed_in, world) -> None:
    page = signed_in(Role.INSURED).get("/").content.decode()
    assert world.worker_a.full_name in page and "بیمه‌شده" in page
    page = signed_in(Role.PROVIDER).get("/").content.decode()
    assert "درمانگاه نمونه" in page and "ارائه‌دهندهٔ خدمات درمانی" in page


def test_anonymous_is_sent_to_login(db) -> None:
    response = Client().get("/persons/1234560011/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/persons/1234560011/"


def test_login_and_logout(world) -> None:
    client = Client()
    response = client.post("/login/", {"username": "insured-a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert world.worker_a.full_name in client.get("/").content.decode()
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_in_persian(world) -> None:
    response = Client().post("/login/", {"username": "insured-a", "password": "wrong-password-000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "نام کاربری یا گذرواژه درست نیست" in page
    assert "Please enter" not in page


def test_an_empty_login_says_what_is_missing_in_persian(db) -> None:
    page = Client().post("/login/", {"username": "", "password": ""}).content.decode()
    assert "نام کاربری را وارد کنید." in page and "گذرواژه را وارد کنید." in page


def test_login_keeps_next_and_refuses_foreign_redirects(world) -> None:
    client = Client()
    response = client.post(
        "/login/?next=/eligibility/",
        {"username": "provider-a", "password": PASSWORD, "next": "/eligibility/"},
    )
    assert response["Location"] == "/eligibility/"
    client = Client()
    response = client.post(
        "/login/", {"username": "provider-a", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_unknown_page_is_a_persian_404(signed_in) -> None:
    response = signed_in(Role.INSURED).get("/no-such-page/")
    assert response.status_code == 404
    assert "یافت نشد" in response.content.decode()


def test_server_error_page_is_persian_and_standalone() -> None:
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert '<html lang="fa" dir="rtl">' in page and "خطایی در سامانه رخ داد" in page
    assert TODAY_FA in page


def test_csrf_failure_page_is_persian(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[Role.BRANCH_STAFF])
    response = client.post("/persons/new/", {"national_code": "1234560011"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "فرم ارسال‌شده معتبر نیست" in page and TODAY_FA in page and 'dir="rtl"' in page


def test_dates_and_codes_use_persian_digits(signed_in, world) -> None:
    page = signed_in(Role.INSURED).get("/").content.decode()
    assert to_persian_digits(world.worker_a.national_code) in page
    assert world.worker_a.national_code not in page


def test_an_expired_session_sends_htmx_to_the_login_page(db) -> None:
    response = Client().post(
        "/eligibility/",
        {"national_code": "1234560011"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/eligibility/",
    )
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/login/?next=/eligibility/"


def test_staff_admin_has_no_django_groups(signed_in) -> None:
    page = signed_in(Role.ADMIN).get("/admin/").content.decode()
    assert "/admin/auth/group/" not in page
    assert "/admin/registry/person/" in page


def test_pages_rendered_without_a_request_still_show_today(db) -> None:
    # Django's 400 handler renders its template with no request, so no context processor runs.
    from django.template.loader import render_to_string

    page = render_to_string("400.html")
    assert TODAY_FA in page and '<html lang="fa" dir="rtl">' in page
