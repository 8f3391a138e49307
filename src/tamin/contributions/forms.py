"""Wage-list forms of the portal: the upload of a DSKKAR00/DSKWOR00 pair, and the manual entry of a small
workshop's list (a header and up to ten worker rows).

The manual form builds the same in-memory `WageList` the DBF reader produces and derives the amounts a
list program (ListDisk) derives — monthly wage, wage subject capped at the ceiling, insured share, header
totals — so the list is checked and priced by the very same `check_list` and posted by the same import.
Its fields are named by the DBF fields (`PER_NATCOD`, `DSW_DD`, …), so every problem the checks report
(`field`, `record`) lands next to the input it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django import forms
from django.forms import formset_factory

from tamin.contributions.wagelist import SourceFile, WageList
from tamin.core.errors import DomainError, Problem
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.forms import PortalForm
from tamin.registry.models import Workshop
from tamin.rules import contributions as formulas
from tamin.rules.params import default_parameters
from tamin.rules.wages import monthly_ceiling

MAX_ROWS = 10  # a small workshop's list; larger ones come as files
MANUAL_KAR = "فرم سرصفحه"  # the "file" a manual list's problems name
MANUAL_WOR = "فرم کارکنان"
IRANIAN = "ایرانی"


def _ltr(placeholder: str = "", numeric: bool = True) -> forms.TextInput:
    attrs = {"dir": "ltr", "placeholder": placeholder, "autocomplete": "off"}
    if numeric:
        attrs["inputmode"] = "numeric"
    return forms.TextInput(attrs=attrs)


class UploadForm(PortalForm):
    kar = forms.FileField(label="فایل کارگاه (DSKKAR00.DBF یا DSKKAR00.TXT)", required=False)
    wor = forms.FileField(label="فایل کارکنان (DSKWOR00.DBF یا DSKWOR00.TXT)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("kar", "wor"):
            self.fields[name].widget.attrs["accept"] = ".dbf,.DBF,.txt,.TXT"


class ManualHeaderForm(PortalForm):
    # Free text with a Select widget (as in PersonRegistrationForm): a code outside the choices must
    # reach the scope check and be refused there, the same way the API refuses it.
    DSK_ID = forms.CharField(label="کارگاه", required=False)
    month = forms.CharField(label="ماه لیست", required=False, widget=_ltr("۱۴۰۴/۰۷"))
    DSK_LISTNO = forms.CharField(label="شمارهٔ لیست", required=False, initial="01", widget=_ltr("01"))

    def __init__(self, *args: Any, workshops: list[Workshop] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if workshops is not None:
            choices = [("", "— انتخاب کنید —")] + [(w.code, f"{w.name} ({w.code})") for w in workshops]
            self.fields["DSK_ID"].widget = forms.Select(choices=choices, attrs={"class": "form-select"})
        else:  # too many to list (a branch's or the nation's): the code is typed
            self.fields["DSK_ID"].widget = _ltr("کد ۱۰ رقمی کارگاه")
            self.fields["DSK_ID"].widget.attrs["class"] = "form-control"


class ManualRowForm(PortalForm):
    PER_NATCOD = forms.CharField(label="کد ملی", required=False, widget=_ltr("۰۰۱۲۳۴۵۶۷۸"))
    DSW_ID1 = forms.CharField(label="شمارهٔ بیمه", required=False, widget=_ltr())
    DSW_FNAME = forms.CharField(label="نام", required=False)
    DSW_LNAME = forms.CharField(label="نام خانوادگی", required=False)
    DSW_DNAME = forms.CharField(label="نام پدر", required=False)
    DSW_SEX = forms.CharField(
        label="جنسیت",
        required=False,
        widget=forms.Select(choices=[("", "—"), ("مرد", "مرد"), ("زن", "زن")]),
    )
    DSW_BDATE = forms.CharField(label="تاریخ تولد", required=False, widget=_ltr("۱۳۶۵/۰۱/۱۵"))
    DSW_NAT = forms.CharField(label="ملیت", required=False, initial=IRANIAN)
    DSW_OCP = forms.CharField(label="شرح شغل", required=False)
    DSW_JOB = forms.CharField(label="کد شغل", required=False, widget=_ltr("۷۲۲۳۰۱"))
    DSW_SDATE = forms.CharField(label="شروع به کار در ماه", required=False, widget=_ltr("۱۴۰۴/۰۷/۰۱"))
    DSW_EDATE = forms.CharField(label="ترک کار در ماه", required=False, widget=_ltr("۱۴۰۴/۰۷/۳۰"))
    DSW_DD = forms.CharField(label="روز کارکرد", required=False, widget=_ltr("۳۰"))
    DSW_ROOZ = forms.CharField(label="دستمزد روزانه (ریال)", required=False, widget=_ltr())
    DSW_INC = forms.CharField(label="پایهٔ سنوات روزانه", required=False, widget=_ltr("۰"))
    DSW_MAZ = forms.CharField(label="مزایای مشمول ماهانه", required=False, widget=_ltr())

    TEXTS = ("PER_NATCOD", "DSW_ID1", "DSW_FNAME", "DSW_LNAME", "DSW_DNAME", "DSW_SEX", "DSW_NAT", "DSW_OCP",
             "DSW_JOB")  # fmt: skip
    DATES = ("DSW_BDATE", "DSW_SDATE", "DSW_EDATE")
    NUMBERS = ("DSW_DD", "DSW_ROOZ", "DSW_INC", "DSW_MAZ")
    # Fields that do not make a row on their own (an untouched row keeps its default nationality).
    DEFAULTS = {"DSW_NAT": IRANIAN}


ManualRowFormSet = formset_factory(
    ManualRowForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)


@dataclass
class ManualList:
    """A typed list as a WageList, the problems met while reading the typed text (numbers that are not
    numbers), and which form row each list record came from (blank rows are skipped)."""

    wage_list: WageList
    problems: list[Problem] = field(default_factory=list)
    form_rows: list[int] = field(default_factory=list)

    def form_row(self, record: int | str | None) -> int | None:
        """The formset index of a record counted from 1."""
        if isinstance(record, int) and 1 <= record <= len(self.form_rows):
            return self.form_rows[record - 1]
        return None


_SEPARATORS = re.compile(r"[\s,٬،_]")


def _number(text: str) -> int | None:
    clean = _SEPARATORS.sub("", to_ascii_digits(normalize(text)))
    if clean == "":
        return 0
    return int(clean) if clean.isdigit() and len(clean) <= 15 else None


def _date(text: str) -> str:
    """`1365/01/15` (Persian or ASCII digits) as the DBF's `13650101`; anything else as typed, for the
    check to report (row.date_format)."""
    clean = to_ascii_digits(normalize(text)).strip().replace("-", "/")
    parts = clean.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        y, m, d = (int(p) for p in parts)
        if m <= 12 and d <= 31:
            return f"{y:04d}{m:02d}{d:02d}"
    return clean


def _is_blank(data: dict[str, Any]) -> bool:
    return all(
        not str(value).strip() or ManualRowForm.DEFAULTS.get(name) == str(value).strip()
        for name, value in data.items()
    )


def build_manual_list(
    header: dict[str, Any], rows: list[dict[str, Any]], workshop: Workshop | None
) -> ManualList:
    """The WageList of a typed header and rows (cleaned_data of the forms; blank rows skipped)."""
    problems: list[Problem] = []
    kept = [(i, r) for i, r in enumerate(rows) if not _is_blank(r)]
    n = len(kept)
    month: JalaliMonth | None = None
    yy = mm = 0
    raw_month = str(header.get("month") or "").strip()
    if raw_month:
        try:
            month = JalaliMonth.parse(raw_month.replace("-", "/"), field="month")
            yy, mm = month.year % 100, month.month
        except DomainError as err:
            problems.extend(err.problems)
    # A blank or unreadable month leaves DSK_YY/DSK_MM 0, which the check reports as header.month.

    text: dict[str, list[str]] = {name: [] for name in (*ManualRowForm.TEXTS, *ManualRowForm.DATES)}
    numbers: dict[str, list[int]] = {name: [] for name in ManualRowForm.NUMBERS}
    blank: dict[str, list[bool]] = {name: [] for name in ManualRowForm.NUMBERS}
    for record, (_, r) in enumerate(kept, start=1):
        for name in ManualRowForm.TEXTS:
            value = normalize(str(r.get(name) or "")).strip()
            if name in ("PER_NATCOD", "DSW_ID1", "DSW_JOB"):
                value = to_ascii_digits(value)
            text[name].append(value)
        for name in ManualRowForm.DATES:
            text[name].append(_date(str(r.get(name) or "")))
        for name in ManualRowForm.NUMBERS:
            raw = str(r.get(name) or "")
            value = _number(raw)
            if value is None:
                problems.append(
                    Problem(
                        "form.not_number",
                        f"«{raw.strip()}» عدد نیست؛ فقط رقم وارد کنید (جداکنندهٔ هزارگان مجاز است).",
                        name,
                        record,
                        file=MANUAL_WOR,
                    )
                )
                value = 0
            numbers[name].append(value)
            blank[name].append(not raw.strip())

    dd = np.array(numbers["DSW_DD"], dtype=np.int64)
    rooz = np.array(numbers["DSW_ROOZ"], dtype=np.int64)
    inc = np.array(numbers["DSW_INC"], dtype=np.int64)
    maz = np.array(numbers["DSW_MAZ"], dtype=np.int64)
    mah = dd * (rooz + inc)
    mash = mah + maz
    bime = np.zeros(n, dtype=np.int64)
    employer_total = unemployment_total = 0
    iranian = np.array([nat in ("", IRANIAN) for nat in text["DSW_NAT"]], dtype=bool)
    if month is not None:
        try:
            p = default_parameters()
            on = month.first_day()
            mash = np.minimum(mash, monthly_ceiling(month, params=p))
            bime = formulas.share(mash, p.value("contribution.rate.insured", on))
            employer_total = int(formulas.share(mash, p.value("contribution.rate.employer", on)).sum())
            unemployment_total = int(
                formulas.share(mash, p.value("contribution.rate.unemployment", on), iranian).sum()
            )
        except DomainError:
            pass  # no parameters for the month: the check reports list.no_parameters
    code = to_ascii_digits(normalize(str(header.get("DSK_ID") or ""))).strip()
    list_no = to_ascii_digits(normalize(str(header.get("DSK_LISTNO") or ""))).strip() or "01"

    def column(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=str) if n else np.zeros(0, dtype="<U1")

    row_cols: dict[str, np.ndarray] = {
        "DSW_ID": column([code] * n),
        "DSW_YY": np.full(n, yy, dtype=np.int64),
        "DSW_MM": np.full(n, mm, dtype=np.int64),
        "DSW_LISTNO": column([list_no] * n),
        **{name: column(values) for name, values in text.items()},
        "DSW_IDNO": column([""] * n),
        "DSW_IDPLC": column([""] * n),
        "DSW_IDATE": column([""] * n),
        "DSW_DD": dd,
        "DSW_ROOZ": rooz,
        "DSW_INC": inc,
        "DSW_MAH": mah,
        "DSW_MAZ": maz,
        "DSW_MASH": mash,
        "DSW_TOTL": mah + maz,
        "DSW_BIME": bime,
        "DSW_PRATE": np.zeros(n, dtype=np.int64),
        "DSW_SPOUSE": np.zeros(n, dtype=np.int64),
    }
    head: dict[str, int | str] = {
        "DSK_ID": code,
        "DSK_NAME": workshop.name if workshop else "",
        "DSK_FARM": workshop.employer.name if workshop else "",
        "DSK_ADRS": workshop.address if workshop else "",
        "DSK_KIND": 0,
        "DSK_YY": yy,
        "DSK_MM": mm,
        "DSK_LISTNO": list_no,
        "DSK_DISC": "",
        "DSK_NUM": n,
        "DSK_TDD": int(dd.sum()),
        "DSK_TROOZ": int(rooz.sum()),
        "DSK_TMAH": int(mah.sum()),
        "DSK_TMAZ": int(maz.sum()),
        "DSK_TMASH": int(mash.sum()),
        "DSK_TTOTL": int((mah + maz).sum()),
        "DSK_TBIME": int(bime.sum()),
        "DSK_TKOSO": employer_total,
        "DSK_BIC": unemployment_total,
        "DSK_RATE": 0,
        "DSK_PRATE": 0,
        "DSK_BIMH": 0,
        "MON_PYM": "",
        "DSK_INC": int((inc * dd).sum()),
        "DSK_SPOUSE": 0,
    }
    wl = WageList(
        kar=SourceFile(MANUAL_KAR, "form", "ascii"),
        wor=SourceFile(MANUAL_WOR, "form", "ascii"),
        header=head,
        rows=row_cols,
        blank={name: np.array(values, dtype=bool) for name, values in blank.items()},
    )
    return ManualList(wl, problems, [i for i, _ in kept])


# Header fields of the list and the form field that shows their problems.
HEADER_FIELDS = {"DSK_ID": "DSK_ID", "DSK_YY": "month", "DSK_MM": "month", "DSK_LISTNO": "DSK_LISTNO",
                 "month": "month"}  # fmt: skip
# Row fields the form does not show (derived): their problems go to the input they derive from.
DERIVED = {"DSW_MAH": "DSW_ROOZ", "DSW_MASH": "DSW_MAZ", "DSW_TOTL": "DSW_MAZ", "DSW_BIME": "DSW_ROOZ"}
