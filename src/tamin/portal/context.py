"""Template context shared by every portal page: today's Jalali date, who is signed in, the menu."""

from __future__ import annotations

from typing import Any

import jdatetime
from django.http import HttpRequest

from tamin.core import jalali
from tamin.core.text import to_persian_digits
from tamin.portal.nav import display_name, menu, role_label

WEEKDAYS_FA = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")


def long_date_fa(day: jdatetime.date) -> str:
    """«سه‌شنبه ۱ مهر ۱۴۰۴»."""
    month = jdatetime.date.j_months_fa[day.month - 1]
    return f"{WEEKDAYS_FA[day.weekday()]} {to_persian_digits(day.day)} {month} {to_persian_digits(day.year)}"


def portal(request: HttpRequest) -> dict[str, Any]:
    today = jalali.today()
    context: dict[str, Any] = {
        "today_jalali": jalali.format_jalali_fa(today),
        "today_jalali_long": long_date_fa(jdatetime.date.fromgregorian(date=today)),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["portal_user"] = {"name": display_name(user), "role": role_label(user)}
        context["portal_menu"] = menu(user)
    return context
