"""Wage lists in the portal: the lists a user may read, sending a list as a DBF/TXT pair or typed into a
form (checked live as it is typed), and one posted list with its rows, price and bill.

Everything goes through `tamin.contributions.submission`, the same operations the API runs; the views
only turn its answers into pages: every problem is shown next to its row and field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tamin.accounts.permissions import allowed
from tamin.contributions import submission
from tamin.contributions.checking import CheckResult, problem_dict
from tamin.contributions.forms import (
    DERIVED,
    HEADER_FIELDS,
    MANUAL_KAR,
    MAX_ROWS,
    ManualHeaderForm,
    ManualList,
    ManualRowFormSet,
    UploadForm,
    build_manual_list,
)
from tamin.contributions.transfer import Outcome
from tamin.contributions.wagelist import WageList
from tamin.core import jalali
from tamin.core.errors import DomainError, Forbidden, Problem
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize, to_ascii_digits
from tamin.portal.access import portal_view

# Persian names of the DBF fields, for problems about a field the page shows no input for.
FIELD_LABELS = {
    "DSK_ID": "کد کارگاه", "DSK_NAME": "نام کارگاه", "DSK_YY": "سال", "DSK_MM": "ماه",
    "DSK_LISTNO": "شمارهٔ لیست", "DSK_NUM": "تعداد کارکنان", "DSK_KIND": "نوع لیست", "DSK_TDD": "جمع روزها",
    "DSK_TROOZ": "جمع دستمزد روزانه", "DSK_TMAH": "جمع دستمزد ماهانه", "DSK_TMAZ": "جمع مزایا",
    "DSK_TMASH": "جمع دستمزد مشمول", "DSK_TTOTL": "جمع کل", "DSK_TBIME": "جمع سهم بیمه‌شده",
    "DSK_TKOSO": "جمع سهم کارفرما", "DSK_BIC": "جمع بیمهٔ بیکاری", "PER_NATCOD": "کد ملی",
    "DSW_ID1": "شمارهٔ بیمه", "DSW_FNAME": "نام", "DSW_LNAME": "نام خانوادگی", "DSW_DNAME": "نام پدر",
    "DSW_SEX": "جنسیت", "DSW_NAT": "ملیت", "DSW_BDATE": "تاریخ تولد", "DSW_IDATE": "تاریخ صدور",
    "DSW_SDATE": "شروع به کار", "DSW_EDATE": "ترک کار", "DSW_OCP": "شرح شغل", "DSW_JOB": "کد شغل",
    "DSW_DD": "روز کارکرد", "DSW_ROOZ": "دستمزد روزانه", "DSW_INC": "پایهٔ سنوات", "DSW_MAH": "دستمزد ماهانه",
    "DSW_MAZ": "مزایای مشمول", "DSW_MASH": "دستمزد مشمول", "DSW_TOTL": "جمع کل", "DSW_BIME": "سهم بیمه‌شده",
    "DSW_YY": "سال", "DSW_MM": "ماه", "DSW_LISTNO": "شمارهٔ لیست", "DSW_ID": "کد کارگاه",
    "kar": "فایل کارگاه", "wor": "فایل کارکنان", "month": "ماه لیست",
}  # fmt: skip
# A big list shows its first rows and every row with a problem, not a page of 50,000 rows.
ROWS_SHOWN = 300
DETAIL_PAGE = 200
STATUS_TEXT = {
    "posted": "لیست ثبت شد",
    "corrected": "لیست اصلاحی ثبت شد و جای لیست پیشین را گرفت",
    "supplementary": "لیست مکمل ثبت شد",
    "unchanged": "این لیست پیش‌تر با همین محتوا ثبت شده بود؛ چیزی تغییر نکرد",
}


def _problem(p: Problem | dict[str, Any]) -> dict[str, Any]:
    d = p if isinstance(p, dict) else problem_dict(p)
    return {**d, "label": FIELD_LABELS.get(d.get("field") or "", d.get("field") or "")}


def _result_context(
    wl: WageList, result: CheckResult | None, problems: list[dict[str, Any]]
) -> dict[str, Any]:
    """The priced rows with their problems, and the problems that belong to no row."""
    summary = result.as_dict(rows=True) if result is not None else None
    by_row: dict[int, list[dict[str, Any]]] = {}
    general: list[dict[str, Any]] = []
    for p in problems:
        record = p.get("record")
        if p.get("file") == wl.wor.name and isinstance(record, int) and 1 <= record <= wl.n:
            by_row.setdefault(record, []).append(p)
        else:
            general.append(p)
    rows = []
    if summary is not None:
        for i, row in enumerate(summary["rows"], start=1):
            if i <= ROWS_SHOWN or i in by_row:
                rows.append({"no": i, **row, "problems": by_row.get(i, [])})
    errors = sum(1 for p in problems if p.get("severity", "error") == "error")
    return {
        "summary": summary,
        "rows": rows,
        "hidden_rows": (wl.n - len(rows)) if summary is not None else 0,
        "general_problems": general,
        "problems_by_row": by_row,
        "error_count": errors,
        "warning_count": len(problems) - errors,
        "due_on": submission.due_on(wl) if summary is not None else None,
    }


def _check_problems(result: CheckResult) -> list[dict[str, Any]]:
    return [_problem(p) for p in result.problems]


def _posted(request: HttpRequest, outcome: Outcome) -> HttpResponse:
    status = outcome.status
    messages.success(request, f"{STATUS_TEXT.get(status, status)}.")
    return redirect("portal:wagelist_detail", list_id=outcome.summary["list_id"])


# --- the lists ---------------------------------------------------------------------------------------


@portal_view(action=submission.READ)
def wagelist_list(request: HttpRequest) -> HttpResponse:
    workshop = request.GET.get("workshop", "").strip()
    month = request.GET.get("month", "").strip()
    problems: list[dict[str, Any]] = []
    try:
        qs = submission.lists(request.user, workshop=workshop or None, month=month or None)
    except DomainError as err:
        if isinstance(err, Forbidden):
            raise
        problems = [_problem(p) for p in err.problems]
        qs = submission.lists(request.user, workshop=workshop or None)
    page = Paginator(qs.select_related("bill"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/wagelists/list.html",
        {
            "page": page,
            "workshop": workshop,
            "month": month,
            "problems": problems,
            "can_submit": allowed(request.user, submission.SUBMIT),
        },
        status=400 if problems else 200,
    )


@portal_view(action=submission.READ)
def wagelist_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    cl = submission.get_list(request.user, list_id)
    page = Paginator(cl.lines.order_by("row_no"), DETAIL_PAGE).get_page(request.GET.get("page"))
    bill = getattr(cl, "bill", None)
    return render(request, "portal/wagelists/detail.html", {"list": cl, "page": page, "bill": bill})


# --- sending a pair of files -------------------------------------------------------------------------


@portal_view(methods=("GET", "POST"), action=submission.SUBMIT)
def wagelist_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/wagelists/upload.html", {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    form.is_valid()
    context: dict[str, Any] = {"form": form}
    try:
        wl = submission.read_upload(request.FILES.get("kar"), request.FILES.get("wor"))
    except Forbidden:
        raise
    except DomainError as err:
        # Unreadable files: nothing to price; each problem names its file, record and field.
        context["file_problems"] = [_problem(p) for p in err.problems]
        return render(request, "portal/wagelists/upload.html", context, status=400)
    return _check_or_send(request, wl, request.POST.get("action") == "check", "portal/wagelists/upload.html",
                          context)  # fmt: skip


def _check_or_send(
    request: HttpRequest, wl: WageList, only_check: bool, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Check (writing nothing); unless only checking and if the list is sound, send it."""
    result = submission.check(request.user, wl)
    problems = _check_problems(result)
    status = 200
    if not only_check:
        if result.ok:
            outcome = submission.submit(request.user, wl)
            if outcome.status != "rejected":
                return _posted(request, outcome)
            # Refused by the registry side of the import (a new person without a readable birth date…).
            problems += [_problem(p) for p in outcome.problems]
        status = 400
    context.update(_result_context(wl, result, problems), checked=True, only_check=only_check, wage_list=wl)
    return render(request, template, context, status=status)


# --- typing a small workshop's list ------------------------------------------------------------------


def _header_form(user: Any, data: Any = None) -> ManualHeaderForm:
    workshops = list(submission.submit_workshops(user).order_by("code")[:301])
    choices = workshops if len(workshops) <= 300 else None
    initial = {"month": _default_month(), "DSK_LISTNO": "01"}
    if choices is not None and len(choices) == 1:
        initial["DSK_ID"] = choices[0].code
    return ManualHeaderForm(data, workshops=choices, initial=initial)


def _default_month() -> str:
    # A list is sent for the month just ended.
    return str(JalaliMonth.of(jalali.today()).previous()).replace("-", "/")


def _manual(request: HttpRequest) -> tuple[ManualHeaderForm, Any, ManualList | None, CheckResult | None]:
    """Read the posted forms, build the list and check it. The result is None when there is no
    workshop to check against yet (its problem is on the header form)."""
    header = _header_form(request.user, request.POST)
    rows = ManualRowFormSet(request.POST, prefix="rows")
    header.is_valid()
    if not rows.is_valid() and rows.non_form_errors():
        return header, rows, None, None  # a tampered or oversized formset: shown on top
    code = to_ascii_digits(normalize(header.cleaned_data.get("DSK_ID", ""))).strip()
    workshop = submission.submit_workshops(request.user).filter(code=code).first() if code else None
    manual = build_manual_list(header.cleaned_data, [f.cleaned_data for f in rows.forms], workshop)
    if not code:
        manual.problems.append(Problem("header.workshop_missing", "کارگاه را انتخاب کنید.", "DSK_ID", 1,
                                       file=MANUAL_KAR))  # fmt: skip
        return header, rows, manual, None
    return header, rows, manual, submission.check(request.user, manual.wage_list)


def _place(header: ManualHeaderForm, rows: Any, manual: ManualList, problems: list[dict[str, Any]]) -> None:
    """Each problem onto the input it is about: header fields, a row's field, else the row or the top."""
    from django.core.exceptions import ValidationError

    for p in problems:
        field = p.get("field") or ""
        error = ValidationError(p["message"], code=p["code"], params={"field": field})
        index = manual.form_row(p.get("record")) if p.get("file") == manual.wage_list.wor.name else None
        if index is not None and index < len(rows.forms):
            form = rows.forms[index]
            name = field if field in form.fields else DERIVED.get(field)
            form.add_error(name if name in form.fields else None, error)
        elif field in HEADER_FIELDS:
            header.add_error(HEADER_FIELDS[field], error)
        else:
            header.add_error(None, error)


def _row_items(
    rows: Any, manual: ManualList | None = None, context: dict[str, Any] | None = None
) -> list[dict]:
    """Per form row: the form, and (once checked) its computed shares and problems."""
    context = context or {}
    priced = {r["no"]: r for r in context.get("rows", [])}
    by_row = context.get("problems_by_row", {})
    items = []
    for index, form in enumerate(rows.forms):
        record = manual.form_rows.index(index) + 1 if manual and index in manual.form_rows else None
        check = None
        if record is not None:
            check = {"record": record, "row": priced.get(record), "problems": by_row.get(record, [])}
        items.append({"index": index, "form": form, "check": check})
    return items


def _manual_context(header: ManualHeaderForm, rows: Any, manual: ManualList | None,
                    result: CheckResult | None) -> dict[str, Any]:  # fmt: skip
    context: dict[str, Any] = {"header": header, "rows_formset": rows, "max_rows": MAX_ROWS, "problems": []}
    if manual is not None:
        problems = [_problem(p) for p in manual.problems]
        if result is not None:
            problems += _check_problems(result)
        context.update(_result_context(manual.wage_list, result, problems), wage_list=manual.wage_list)
        context["problems"] = problems
    context["row_items"] = _row_items(rows, manual, context)
    return context


@portal_view(methods=("GET", "POST"), action=submission.SUBMIT)
def wagelist_manual(request: HttpRequest) -> HttpResponse:
    template = "portal/wagelists/manual.html"
    if request.method == "GET":
        rows = ManualRowFormSet(prefix="rows", initial=[{"DSW_NAT": "ایرانی"}] * 3)
        return render(request, template, _manual_context(_header_form(request.user), rows, None, None))
    action = request.POST.get("action", "check")
    if action == "add_row":
        data = request.POST.copy()
        try:
            total = int(data.get("rows-TOTAL_FORMS", "0"))
        except ValueError:
            total = 0
        data["rows-TOTAL_FORMS"] = str(max(0, min(total + 1, MAX_ROWS)))
        rows = ManualRowFormSet(data, prefix="rows")
        return render(request, template, _manual_context(_header_form(request.user, data), rows, None, None))
    header, rows, manual, result = _manual(request)
    context = _manual_context(header, rows, manual, result)
    if manual is None:
        return render(request, template, context, status=400)
    problems = context["problems"]
    blocked = any(p.get("severity", "error") == "error" for p in problems)
    if action == "submit" and not blocked and result is not None:
        outcome = submission.submit(request.user, manual.wage_list)
        if outcome.status != "rejected":
            return _posted(request, outcome)
        more = [_problem(p) for p in outcome.problems]
        problems += more
        context.update(_result_context(manual.wage_list, result, problems))
        context["row_items"] = _row_items(rows, manual, context)
        blocked = True
    _place(header, rows, manual, problems)
    context.update(checked=True, only_check=action != "submit")
    return render(request, template, context, status=400 if blocked and action == "submit" else 200)


@portal_view(methods=("POST",), action=submission.SUBMIT)
def wagelist_manual_check(request: HttpRequest) -> HttpResponse:
    """The live check: the problems and each row's shares, for htmx to place (never writes)."""
    header, rows, manual, result = _manual(request)
    context = _manual_context(header, rows, manual, result)
    return render(request, "portal/wagelists/partials/manual_check.html", context)
