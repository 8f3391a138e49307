"""Validation of a wage list: the header against its rows, and every row on its own.

Pure (no Django), vectorised: each rule is a numpy mask over the rows; `Problem`s are built only for
the failing indexes, at most `limit` per code (then one `list.more` problem says how many more).
Every problem names the file as read (DSKKAR00 / DSKWOR00), the record counted from 1 and the DBF field.

What real lists the SSO accepted show is accepted, at most with a warning (wage-list-dbf.md §3):
list kind 1; 0-day rows without wages; YY/MM/DD birth dates and 0/blank issue dates; blank numbers;
unemployment premium below 3 %; per-row rounding; and from the S1-layout list of Mordad 1401 (whose
generator applies the rates to TOTL): a premium base that is not min(MAH + MAZ, ceiling), an insured
share that is not 7 % of it, TOTL below MASH, and a header total one rial off the rows. A start date
before the list's month is accepted silently: two of the real lists carry the hiring date of every
worker (ListDisk leaves it blank unless hiring falls in the month, which is a convention, not a rule).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tamin.contributions.pricing import INSURED, ListPrice, price_list
from tamin.contributions.wagelist import WageList
from tamin.core.errors import DomainError, Problem
from tamin.core.idcodes import valid_national_codes
from tamin.core.jalali import JalaliMonth
from tamin.core.jalali import today as tehran_today
from tamin.rules import contributions as formulas
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.wages import MINIMUM_DAILY

ERROR = "error"
WARNING = "warning"
LIMIT_PER_CODE = 20

# Checker tolerances: policy, not law, each the smallest that accepts every real list in
# /work/shared/data/dbf_samples (measured for issue #3).
# DSW_BIME vs round(7 % × wage subject): "exact (±1 rial) in every ListDisk / D / TXT row".
INSURED_SHARE_TOLERANCE = 1
# |MAH − DD × (ROOZ + INC)| per day worked: ROOZ is MAH ÷ DD rounded to the Rial (measured up to
# 10 rials at DD = 30 in the ListDisk list and 15 at DD = 30 in the extended list).
MONTHLY_WAGE_TOLERANCE_PER_DAY = 1
# |MASH − min(MAH + MAZ, ceiling)|: ListDisk declares 501,632,870 for a row capped at 501,632,880.
WAGE_SUBJECT_TOLERANCE = 10
# Header amount total vs Σ rows, per row, reported as a warning instead of an error: the S1-layout
# list has DSK_TBIME one rial above Σ DSW_BIME.
HEADER_TOTAL_TOLERANCE_PER_ROW = 1

MALE, FEMALE = "مرد", "زن"
AMOUNTS = ("DSW_ROOZ", "DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_TOTL", "DSW_BIME", "DSW_INC", "DSW_SPOUSE")
# (header field, row field) whose header must be Σ rows.
HEADER_SUMS = (
    ("DSK_TROOZ", "DSW_ROOZ"),
    ("DSK_TMAH", "DSW_MAH"),
    ("DSK_TMAZ", "DSW_MAZ"),
    ("DSK_TMASH", "DSW_MASH"),
    ("DSK_TTOTL", "DSW_TOTL"),
    ("DSK_TBIME", "DSW_BIME"),
    ("DSK_SPOUSE", "DSW_SPOUSE"),
)


def _rial(x: int) -> str:
    return f"{int(x):,}"


@dataclass
class _Collector:
    """Builds problems for failing indexes only, at most `limit` per code, and counts them all."""

    kar: str
    wor: str
    limit: int
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def header(self, code: str, message: str, fld: str | None, severity: str = ERROR) -> None:
        self.counts[code] += 1
        self.problems.append(Problem(code, message, fld, 1, severity, self.kar))

    def rows(
        self,
        mask: np.ndarray,
        code: str,
        fld: str,
        message: Callable[[int], str],
        severity: str = ERROR,
    ) -> None:
        failing = np.flatnonzero(mask)
        if failing.size == 0:
            return
        self.counts[code] += int(failing.size)
        for i in failing[: self.limit].tolist():
            self.problems.append(Problem(code, message(i), fld, i + 1, severity, self.wor))
        if failing.size > self.limit:
            more = int(failing.size - self.limit)
            self.problems.append(
                Problem(
                    "list.more",
                    f"{more} ردیف دیگر نیز همین ایراد ({code}) را دارند.",
                    fld,
                    None,
                    severity,
                    self.wor,
                )
            )


@dataclass(frozen=True)
class Dates:
    """A column of Jalali dates parsed at once: YYYYMMDD as an int (0 where blank or invalid)."""

    value: np.ndarray
    blank: np.ndarray
    valid: np.ndarray


def parse_dates(column: np.ndarray, *, short: bool = False, zero_is_blank: bool = False) -> Dates:
    """`YYYYMMDD` Jalali dates; with `short`, ListDisk's `YY/MM/DD` (13YY) too; with `zero_is_blank`,
    `0` reads as no date (ListDisk's issue date). Day ranges come from jdatetime per distinct month."""
    text = np.char.strip(np.asarray(column, dtype=str))
    n = text.size
    length = np.char.str_len(text)
    blank = length == 0
    if zero_is_blank:
        blank |= text == "0"
    chars = np.zeros((n, 8), dtype=np.int64)
    if n:
        padded = np.ascontiguousarray(text.astype("U8"))
        chars = padded.view(np.uint32).reshape(n, 8).astype(np.int64)
    digit = (chars >= 48) & (chars <= 57)
    d = np.where(digit, chars - 48, 0)
    compact = (length == 8) & digit.all(axis=1)
    year = np.where(compact, d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3], 0)
    month = np.where(compact, d[:, 4] * 10 + d[:, 5], 0)
    day = np.where(compact, d[:, 6] * 10 + d[:, 7], 0)
    if short:
        slash = (chars[:, 2] == ord("/")) & (chars[:, 5] == ord("/"))
        two = (length == 8) & slash & digit[:, [0, 1, 3, 4, 6, 7]].all(axis=1)
        year = np.where(two, 1300 + d[:, 0] * 10 + d[:, 1], year)
        month = np.where(two, d[:, 3] * 10 + d[:, 4], month)
        day = np.where(two, d[:, 6] * 10 + d[:, 7], day)
        compact |= two
    ok = compact & (year >= 1250) & (year <= 1499) & (month >= 1) & (month <= 12) & (day >= 1)
    month_key = year * 100 + month
    keys = np.unique(month_key[ok])
    if keys.size:
        lengths = np.array([JalaliMonth(int(k) // 100, int(k) % 100).days for k in keys], dtype=np.int64)
        ok &= day <= lengths[np.searchsorted(keys, np.where(ok, month_key, keys[0]))]
    value = np.where(ok, year * 10000 + month * 100 + day, 0)
    return Dates(value=value, blank=blank, valid=ok | blank)


def _stripped(wl: WageList, name: str) -> np.ndarray:
    return np.char.strip(np.asarray(wl.column(name), dtype=str))


def check_wage_list(
    wl: WageList,
    *,
    today: dt.date | None = None,
    price: ListPrice | None = None,
    params: ParameterSet | None = None,
    limit: int = LIMIT_PER_CODE,
) -> tuple[list[Problem], Counter[str]]:
    """Every problem of a list at once, and the number of failing records per code.

    `today` (default: today in Tehran) decides what is a future month. `price` is the list's price
    (computed here when omitted and the month is valid): the checks compare the declared shares with it.
    """
    p = default_parameters() if params is None else params
    out = _Collector(wl.kar.name, wl.wor.name, limit)
    month = _check_header(wl, out, tehran_today() if today is None else today)
    _check_against_header(wl, out)
    _check_identity(wl, out)
    _check_days_and_dates(wl, out, month)
    if month is not None:
        try:
            price = price_list(wl, params=p) if price is None else price
            minimum = int(p.value(MINIMUM_DAILY, month.first_day()))
            insured_rate = p.value(INSURED, month.first_day())
        except DomainError as exc:
            for problem in exc.problems:
                out.header(
                    "list.no_parameters",
                    f"برای ماه {month} پارامتر لازم تعریف نشده است: {problem.message}",
                    "DSK_MM",
                )
        else:
            _check_amounts(wl, out, price, minimum, insured_rate)
    return out.problems, out.counts


def _check_header(wl: WageList, out: _Collector, today: dt.date) -> JalaliMonth | None:
    h = wl.header
    if wl.n == 0:
        out.header("list.empty", "فهرست کارکنان (DSKWOR00) هیچ ردیفی ندارد.", "DSK_NUM")
    workshop = str(h.get("DSK_ID", "")).strip()
    if not (workshop.isascii() and workshop.isdigit() and len(workshop) <= 10):
        out.header("header.workshop", f"کد کارگاه «{workshop}» باید حداکثر ۱۰ رقم باشد.", "DSK_ID")
    kind = int(h.get("DSK_KIND", 0))
    if kind == 1:
        out.header(
            "header.kind",
            "نوع لیست (DSK_KIND) باید ۰ باشد؛ ۱ در لیست‌های پذیرفته‌شده دیده شده است.",
            "DSK_KIND",
            WARNING,
        )
    elif kind != 0:
        out.header("header.kind", f"نوع لیست (DSK_KIND) باید ۰ باشد، نه {kind}.", "DSK_KIND")
    if int(h.get("DSK_NUM", 0)) != wl.n:
        out.header(
            "header.count",
            f"تعداد کارکنان در سرصفحه {h.get('DSK_NUM', 0)} است ولی فایل کارکنان {wl.n} ردیف دارد.",
            "DSK_NUM",
        )
    days = wl.column("DSW_DD")
    if int(h.get("DSK_TDD", 0)) != int(days.sum()):
        out.header(
            "header.total",
            f"جمع روزهای کارکرد در سرصفحه {h.get('DSK_TDD', 0)} است ولی جمع ردیف‌ها {int(days.sum())}.",
            "DSK_TDD",
        )
    sums = [(hf, int(wl.column(rf).sum())) for hf, rf in HEADER_SUMS if hf in h and rf in wl.rows]
    if "DSK_INC" in h and "DSW_INC" in wl.rows:
        sums.append(("DSK_INC", int((wl.column("DSW_INC") * days).sum())))
    for name, total in sums:
        declared = int(h[name])
        if declared == total:
            continue
        off = abs(declared - total)
        rounding = off <= HEADER_TOTAL_TOLERANCE_PER_ROW * max(wl.n, 1)
        out.header(
            "header.total_rounding" if rounding else "header.total",
            f"{name} در سرصفحه {_rial(declared)} است ولی جمع ردیف‌ها {_rial(total)} (اختلاف {_rial(off)}).",
            name,
            WARNING if rounding else ERROR,
        )
    try:
        month = wl.month
    except DomainError:
        out.header(
            "header.month",
            f"سال و ماه لیست ({h.get('DSK_YY', '')}/{h.get('DSK_MM', '')}) ماه معتبری نیست.",
            "DSK_MM",
        )
        return None
    if month > JalaliMonth.of(today):
        out.header("header.future_month", f"لیست ماه {month} هنوز فرا نرسیده است و پذیرفته نمی‌شود.", "DSK_MM")
    return month


def _check_against_header(wl: WageList, out: _Collector) -> None:
    h = wl.header
    workshop = str(h.get("DSK_ID", "")).strip()
    if "DSW_ID" in wl.rows:
        ids = _stripped(wl, "DSW_ID")
        out.rows(
            ids != workshop,
            "row.header_mismatch",
            "DSW_ID",
            lambda i: f"کد کارگاه ردیف «{ids[i]}» با سرصفحه «{workshop}» یکی نیست.",
        )
    for row_field, header_field in (("DSW_YY", "DSK_YY"), ("DSW_MM", "DSK_MM")):
        if row_field in wl.rows:
            col, want = wl.column(row_field), int(h.get(header_field, 0))
            out.rows(
                col != want,
                "row.header_mismatch",
                row_field,
                lambda i, c=col, w=want, f=header_field: f"مقدار {int(c[i])} با {f} سرصفحه ({w}) یکی نیست.",
            )
    if "DSW_LISTNO" in wl.rows:
        # "01" and "1" name the same list: compare without leading zeros.
        want = str(h.get("DSK_LISTNO", "")).strip()
        listno = _stripped(wl, "DSW_LISTNO")
        differs = np.char.lstrip(listno, "0") != want.lstrip("0")
        out.rows(
            differs,
            "row.header_mismatch",
            "DSW_LISTNO",
            lambda i: f"شماره لیست ردیف «{listno[i]}» با سرصفحه «{want}» یکی نیست.",
        )


def _check_identity(wl: WageList, out: _Collector) -> None:
    codes = _stripped(wl, "PER_NATCOD")
    out.rows(
        ~valid_national_codes(codes),
        "row.national_code",
        "PER_NATCOD",
        lambda i: f"کد ملی «{codes[i]}» معتبر نیست (طول یا رقم کنترل).",
    )
    number = _stripped(wl, "DSW_ID1")
    length = np.char.str_len(number)
    # Stripping ASCII digits leaves nothing only for an all-ASCII-digit value (isdigit takes ۱ too).
    ascii_digits = (length > 0) & (np.char.strip(number, "0123456789") == "")
    well_formed = ascii_digits & (length <= 10) & (np.char.strip(number, "0") != "")
    out.rows(
        ~well_formed,
        "row.insurance_number",
        "DSW_ID1",
        lambda i: f"شماره بیمه «{number[i]}» معتبر نیست: باید رقم باشد و خالی یا صفر نباشد.",
    )
    out.rows(
        well_formed & (length < 8),
        "row.insurance_number_short",
        "DSW_ID1",
        lambda i: f"شماره بیمه «{number[i]}» کمتر از ۸ رقم دارد.",
        WARNING,
    )
    for name, code, label in (
        ("DSW_FNAME", "row.first_name", "نام"),
        ("DSW_LNAME", "row.last_name", "نام خانوادگی"),
        ("DSW_JOB", "row.job_code", "کد شغل"),
    ):
        empty = _stripped(wl, name) == ""
        out.rows(empty, code, name, lambda i, lbl=label: f"{lbl} خالی است.")
    sex = _stripped(wl, "DSW_SEX")
    out.rows(
        (sex != MALE) & (sex != FEMALE),
        "row.sex",
        "DSW_SEX",
        lambda i: f"جنسیت باید «{MALE}» یا «{FEMALE}» باشد، نه «{sex[i]}».",
    )
    # A number already reported as malformed is not reported again as repeated.
    for column, usable, name, code, what in (
        (codes, codes != "", "PER_NATCOD", "row.duplicate_person", "کد ملی"),
        (number, well_formed, "DSW_ID1", "row.duplicate_insurance_number", "شماره بیمه"),
    ):
        first = _first_occurrence(column)
        repeated = (first != np.arange(column.size)) & usable
        out.rows(
            repeated,
            code,
            name,
            lambda i, c=column, f=first, w=what: f"{w} «{c[i]}» پیش‌تر در ردیف {int(f[i]) + 1} آمده است.",
        )


def _first_occurrence(column: np.ndarray) -> np.ndarray:
    """Index of the first row holding each row's value."""
    if column.size == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(column, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)]


def _check_days_and_dates(wl: WageList, out: _Collector, month: JalaliMonth | None) -> None:
    days = wl.column("DSW_DD")
    month_days = month.days if month is not None else 31
    out.rows(
        (days < 0) | (days > month_days),
        "row.days",
        "DSW_DD",
        lambda i: f"روزهای کارکرد {int(days[i])} خارج از بازه ۰ تا {month_days} روز این ماه است.",
    )
    for name in AMOUNTS:
        if name in wl.rows:
            col = wl.column(name)
            out.rows(col < 0, "row.negative", name, lambda i, c=col: f"مبلغ {_rial(c[i])} منفی است.")
    paid = np.zeros(wl.n, dtype=bool)
    for name in ("DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_BIME"):
        paid |= wl.column(name) != 0
    out.rows(
        (days == 0) & ~paid,
        "row.zero_days",
        "DSW_DD",
        lambda i: "ردیف بدون روز کارکرد و بدون دستمزد است.",
        WARNING,
    )
    out.rows(
        (days == 0) & paid,
        "row.zero_days_with_wage",
        "DSW_DD",
        lambda i: "ردیف بدون روز کارکرد، دستمزد یا حق بیمه دارد.",
    )

    start = parse_dates(wl.column("DSW_SDATE"))
    end = parse_dates(wl.column("DSW_EDATE"))
    birth = parse_dates(wl.column("DSW_BDATE"), short=True)
    issue = parse_dates(wl.column("DSW_IDATE"), short=True, zero_is_blank=True)
    for name, dates in (("DSW_SDATE", start), ("DSW_EDATE", end), ("DSW_BDATE", birth), ("DSW_IDATE", issue)):
        raw = _stripped(wl, name)
        out.rows(
            ~dates.valid,
            "row.date_format",
            name,
            lambda i, r=raw: f"تاریخ «{r[i]}» تاریخ شمسی معتبر به شکل YYYYMMDD نیست.",
        )
    out.rows(birth.blank, "row.birth_date_missing", "DSW_BDATE", lambda i: "تاریخ تولد خالی است.", WARNING)
    if month is None:
        return
    first = month.year * 10000 + month.month * 100 + 1
    last = first - 1 + month.days
    has_start, has_end = start.value > 0, end.value > 0
    out.rows(
        has_start & (start.value > last),
        "row.start_date",
        "DSW_SDATE",
        lambda i: f"تاریخ شروع به کار {int(start.value[i])} پس از پایان ماه لیست است.",
    )
    out.rows(
        has_end & ((end.value < first) | (end.value > last)),
        "row.end_date",
        "DSW_EDATE",
        lambda i: f"تاریخ ترک کار {int(end.value[i])} در ماه لیست ({month}) نیست.",
    )
    out.rows(
        has_start & has_end & (end.value < start.value),
        "row.end_before_start",
        "DSW_EDATE",
        lambda i: "تاریخ ترک کار پیش از تاریخ شروع به کار است.",
    )
    out.rows(
        birth.value > last,
        "row.birth_date_future",
        "DSW_BDATE",
        lambda i: f"تاریخ تولد {int(birth.value[i])} پس از ماه لیست است.",
    )
    # Days worked cannot exceed the days employed in the month (inclusive of both dates, which is
    # lenient: the real lists count the leaving day as not worked).
    from_day = np.where(
        has_start & (start.value >= first) & (start.value <= last), start.value - first + 1, 1
    )
    to_day = np.where(has_end & (end.value >= first) & (end.value <= last), end.value - first + 1, month.days)
    span = np.maximum(to_day - from_day + 1, 0)
    out.rows(
        (days > span) & (days <= month.days),  # beyond the month is row.days already
        "row.days_exceed_employment",
        "DSW_DD",
        lambda i: f"{int(days[i])} روز کارکرد بیش از {int(span[i])} روز اشتغال در این ماه است.",
        WARNING,
    )


def _check_amounts(
    wl: WageList, out: _Collector, price: ListPrice, minimum: int, insured_rate: object
) -> None:
    days, rooz, inc = wl.column("DSW_DD"), wl.column("DSW_ROOZ"), wl.column("DSW_INC")
    mah, maz, mash = wl.column("DSW_MAH"), wl.column("DSW_MAZ"), wl.column("DSW_MASH")
    working = days > 0
    daily = rooz + inc
    out.rows(
        working & (daily < minimum),
        "row.below_minimum",
        "DSW_ROOZ",
        lambda i: f"دستمزد روزانه {_rial(daily[i])} کمتر از حداقل دستمزد روزانه {_rial(minimum)} است.",
    )
    expected_mah = days * daily
    off = np.abs(mah - expected_mah)
    out.rows(
        working & (off > MONTHLY_WAGE_TOLERANCE_PER_DAY * days),
        "row.monthly_wage",
        "DSW_MAH",
        lambda i: (
            f"دستمزد ماهانه {_rial(mah[i])} با روز × (دستمزد روزانه + پایه سنوات) = "
            f"{_rial(expected_mah[i])} نمی‌خواند."
        ),
    )
    ceiling = price.derivation.ceiling
    out.rows(
        mash > ceiling,
        "row.above_ceiling",
        "DSW_MASH",
        lambda i: f"دستمزد مشمول {_rial(mash[i])} از سقف {_rial(ceiling)} بیشتر است.",
    )
    expected_mash = np.minimum(mah + maz, ceiling)
    out.rows(
        (mash <= ceiling) & (np.abs(mash - expected_mash) > WAGE_SUBJECT_TOLERANCE),
        "row.wage_subject_mismatch",
        "DSW_MASH",
        lambda i: (
            f"دستمزد و مزایای مشمول {_rial(mash[i])} برابر کمینهٔ (دستمزد + مزایا، سقف) = "
            f"{_rial(expected_mash[i])} نیست."
        ),
        WARNING,
    )
    bime = wl.column("DSW_BIME")
    expected_bime = formulas.share(price.rows["wage_subject"], insured_rate)  # type: ignore[arg-type]
    out.rows(
        np.abs(bime - expected_bime) > INSURED_SHARE_TOLERANCE,
        "row.insured_share_mismatch",
        "DSW_BIME",
        lambda i: (
            f"حق بیمه سهم بیمه‌شده {_rial(bime[i])} است ولی ۷٪ دستمزد مشمول {_rial(expected_bime[i])} می‌شود."
        ),
        WARNING,
    )
    if "DSW_TOTL" in wl.rows:
        total = wl.column("DSW_TOTL")
        out.rows(
            total < mash,
            "row.total_below_subject",
            "DSW_TOTL",
            lambda i: f"جمع کل دستمزد {_rial(total[i])} از دستمزد مشمول {_rial(mash[i])} کمتر است.",
            WARNING,
        )
    declared = wl.header.get("DSK_TKOSO")
    computed = int((price.rows["employer_share"] + price.rows["employer_exempt"]).sum())
    if declared is not None and abs(int(declared) - computed) > HEADER_TOTAL_TOLERANCE_PER_ROW * max(wl.n, 1):
        out.header(
            "header.employer_share",
            f"سهم کارفرما در سرصفحه {_rial(int(declared))} است ولی ۲۰٪ دستمزد مشمول ردیف‌ها "
            f"{_rial(computed)}؛ "
            "مبلغ محاسبه‌شده ملاک است.",
            "DSK_TKOSO",
            WARNING,
        )
