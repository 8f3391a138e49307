"""Field checks shared by the registry services. Each failure names its field."""

from __future__ import annotations

import datetime as dt
import re

from tamin.core import jalali
from tamin.core.errors import ProblemList
from tamin.core.text import normalize, to_ascii_digits

PERSIAN_NAME = re.compile(r"^[\u0600-\u06FF\u200c\s\-‌'.]+$")
MOBILE = re.compile(r"^09\d{9}$")
DIGITS = re.compile(r"^\d+$")


def clean_name(value: object, field: str, problems: ProblemList, required: bool = True) -> str:
    text = normalize(str(value or ""))
    if not text:
        if required:
            problems.add("field.required", "این مورد باید پر شود.", field)
        return ""
    if len(text) > 80:
        problems.add("field.too_long", "حداکثر ۸۰ نویسه مجاز است.", field)
    elif not PERSIAN_NAME.match(text):
        problems.add("name.script", "نام باید با حروف فارسی نوشته شود.", field)
    return text


def clean_text(value: object, field: str, problems: ProblemList, max_len: int, required: bool = True) -> str:
    text = normalize(str(value or ""))
    if not text and required:
        problems.add("field.required", "این مورد باید پر شود.", field)
    if len(text) > max_len:
        problems.add("field.too_long", f"حداکثر {max_len} نویسه مجاز است.", field)
    return text


def clean_digits(
    value: object, field: str, problems: ProblemList, lengths: tuple[int, ...], required: bool = False
) -> str:
    text = to_ascii_digits(normalize(str(value or ""))).replace(" ", "").replace("-", "")
    if not text:
        if required:
            problems.add("field.required", "این مورد باید پر شود.", field)
        return ""
    if not DIGITS.match(text) or len(text) not in lengths:
        allowed = " یا ".join(str(n) for n in lengths)
        problems.add("field.digits", f"باید {allowed} رقم باشد.", field)
    return text


def clean_mobile(value: object, field: str, problems: ProblemList) -> str:
    text = to_ascii_digits(normalize(str(value or ""))).replace(" ", "")
    if text.startswith("+98"):
        text = "0" + text[3:]
    if text and not MOBILE.match(text):
        problems.add("mobile.format", "شمارهٔ همراه باید ۱۱ رقم و با ۰۹ آغاز شود.", field)
    return text


def clean_date(
    value: object, field: str, problems: ProblemList, required: bool = True, not_future: bool = True
) -> dt.date | None:
    """Accepts a Gregorian date or Jalali text (`1404/07/01`)."""
    if value in (None, ""):
        if required:
            problems.add("field.required", "این مورد باید پر شود.", field)
        return None
    if isinstance(value, dt.date):
        result = value
    else:
        try:
            result = jalali.parse_jalali_date(str(value), field=field)
        except jalali.InvalidJalaliDate as err:
            problems.extend(err)
            return None
    if not_future and result > jalali.today():
        problems.add("date.future", "تاریخ نمی‌تواند در آینده باشد.", field)
    return result
