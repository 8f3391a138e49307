"""The display filters: Jalali dates, Persian digits, Rials."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.utils import timezone

from tamin.portal.templatetags.jalali import fa, jdate, jdatetime, rial


def test_jdate() -> None:
    assert jdate(dt.date(2025, 9, 23)) == "۱۴۰۴/۰۷/۰۱"
    assert jdate(None) == "" and jdate("") == ""


def test_timestamps_are_shown_in_tehran_time() -> None:
    # 21:00 UTC on 22 Sep is already 00:30 on 23 Sep (1 Mehr) in Tehran.
    late = dt.datetime(2025, 9, 22, 21, 0, tzinfo=dt.UTC)
    assert jdate(late) == "۱۴۰۴/۰۷/۰۱"
    assert jdatetime(late) == "۱۴۰۴/۰۷/۰۱ ۰۰:۳۰"
    assert jdatetime(None) == ""
    assert jdatetime(timezone.make_naive(late, dt.UTC)) == "۱۴۰۴/۰۶/۳۱ ۲۱:۰۰"


def test_fa_and_rial() -> None:
    assert fa("0012345678") == "۰۰۱۲۳۴۵۶۷۸" and fa(42) == "۴۲" and fa(None) == ""
    assert rial(12345678) == "۱۲٬۳۴۵٬۶۷۸" and rial("1000") == "۱٬۰۰۰" and rial(None) == ""
    assert rial(1.5) == "1.5"  # never rounded silently


def test_filters_in_a_template() -> None:
    out = Template("{% load jalali %}{{ d|jdate }} {{ n|fa }} {{ m|rial }} {{ x|jdate|default:'—' }}").render(
        Context({"d": dt.date(2025, 3, 21), "n": 7, "m": 5000000, "x": None})
    )
    assert out == "۱۴۰۴/۰۱/۰۱ ۷ ۵٬۰۰۰٬۰۰۰ —"
