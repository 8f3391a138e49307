"""Display filters: every date the portal shows is Jalali, every number in Persian digits."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from tamin.core import jalali
from tamin.core.jalali import format_jalali_fa
from tamin.core.money import format_rial
from tamin.core.text import to_persian_digits

register = template.Library()


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    # A stored timestamp is UTC; near midnight its UTC date is not the Tehran date people saw.
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


@register.filter
def jdate(value: dt.date | dt.datetime | None) -> str:
    """`۱۴۰۴/۰۷/۰۱`; empty for a missing date, so templates can chain `|default:"—"`."""
    if not isinstance(value, dt.date):
        return ""
    return format_jalali_fa(_local_date(value))


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    """`۱۴۰۴/۰۷/۰۱ ۱۴:۰۵` in Tehran time."""
    if not isinstance(value, dt.datetime):
        return jdate(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_jalali_fa(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"


@register.filter
def fa(value: object) -> str:
    """Persian digits for a number or a code; `None` is an empty cell."""
    if value is None:
        return ""
    return to_persian_digits(str(value))


@register.filter
def rial(value: object) -> str:
    """`۱۲٬۳۴۵٬۶۷۸` for an integer number of Rials."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_rial(value)
    # Money is never a float; show anything else as it is rather than round it silently.
    return str(value)


@register.simple_tag
def today_jalali() -> str:
    """Today in Tehran, for pages Django renders without a request (500, CSRF failure), where the
    context processor that normally supplies the date does not run."""
    return format_jalali_fa(jalali.today())
