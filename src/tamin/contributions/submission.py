"""Sending a wage list from the portal or the API: the uploaded pair read in memory, the workshop checked
against the sender's scope, then the same check (`checking.check_list`) and the same import
(`transfer.import_list`) the `tamin wagelist` command runs. The API and the portal call these; neither
reads files or decides scope on its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.db.models import QuerySet

from tamin.accounts import scope
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import NATIONWIDE_READ
from tamin.contributions import dbf
from tamin.contributions.checking import CheckResult, check_list
from tamin.contributions.exemptions import of_list
from tamin.contributions.models import ContributionList
from tamin.contributions.transfer import Outcome, import_list, known_persons, national_codes
from tamin.contributions.transfer import _hard_job_rows as hard_job_rows  # the import's rule, not a copy
from tamin.contributions.wagelist import WageList
from tamin.core import jalali
from tamin.core.errors import DomainError, Forbidden, NotFound, Problem
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize, to_ascii_digits
from tamin.registry.models import Workshop, WorkshopStatus

# A list of 60,000 workers in the widest layout is about 20 MB; nothing larger is a wage list.
MAX_FILE_BYTES = 20 * 1024 * 1024

SUBMIT = "wagelist.submit"
READ = "wagelist.read"


class Upload(Protocol):
    """What Django's UploadedFile offers and this module uses."""

    name: str | None
    size: int | None

    def read(self, size: int = -1) -> bytes: ...


def require(user: Any, action: str) -> None:
    if not allowed(user, action):
        raise Forbidden("auth.forbidden", "شما اجازهٔ این کار را با لیست بیمه ندارید.")


# --- reading an uploaded pair ------------------------------------------------------------------------


def _bytes(upload: Upload | None, slot: str, label: str) -> tuple[str, bytes]:
    if upload is None:
        raise DomainError("upload.missing", f"فایل {label} فرستاده نشده است.", slot)
    name = (upload.name or slot).rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or slot
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise DomainError.of([_too_large(name, slot)])
    # Read one byte past the bound: a file whose declared size lied is still refused, not truncated.
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError.of([_too_large(name, slot)])
    return name, data


def _too_large(name: str, slot: str) -> Problem:
    return Problem(
        "upload.too_large",
        f"فایل «{name}» بزرگ‌تر از {MAX_FILE_BYTES // (1024 * 1024)} مگابایت است و لیست بیمه نیست.",
        slot,
        file=name,
    )


def read_upload(kar: Upload | None, wor: Upload | None) -> WageList:
    """The pair as a WageList, read in memory. Raises DomainError (DbfError for a bad file) naming the
    file, record and field of every problem; nothing is written anywhere."""
    problems: list[Problem] = []
    pair: list[tuple[str, bytes]] = []
    for upload, slot, label in ((kar, "kar", "کارگاه (DSKKAR00)"), (wor, "wor", "کارکنان (DSKWOR00)")):
        try:
            pair.append(_bytes(upload, slot, label))
        except DomainError as err:
            problems.extend(err.problems)
    if problems:
        raise DomainError.of(problems)
    (kar_name, kar_data), (wor_name, wor_data) = pair
    # Given the other way round (WOR in the header's slot), the names say so.
    if "KAR" in wor_name.upper() and "WOR" in kar_name.upper():
        (kar_name, kar_data), (wor_name, wor_data) = (wor_name, wor_data), (kar_name, kar_data)
    txt = [n.upper().endswith(".TXT") for n in (kar_name, wor_name)]
    if txt[0] != txt[1]:
        raise DomainError.of([
            Problem("upload.mixed_formats", "هر دو فایل باید DBF باشند یا هر دو TXT.", "wor", file=wor_name)
        ])  # fmt: skip
    reader = dbf.read_txt_list if txt[0] else dbf.read_list
    return reader((kar_name, kar_data), (wor_name, wor_data))


# --- the sender's workshop ---------------------------------------------------------------------------


def workshop_of(user: Any, wl: WageList) -> Workshop | None:
    """The list's workshop (DSK_ID) if the user may send lists for it. Someone else's workshop is refused
    (nationwide users, who may act anywhere, are told it does not exist). None: no such workshop, which
    only a nationwide user gets to hear (the import then rejects the list with `workshop.unknown`)."""
    code = to_ascii_digits(normalize(wl.workshop)).strip()
    workshop = scope.workshops(user).select_related("branch", "employer").filter(code=code).first()
    if workshop is not None:
        return workshop
    if getattr(user, "role", None) in NATIONWIDE_READ:
        return None
    raise Forbidden.of([
        Problem(
            "auth.out_of_scope",
            f"کارگاه با کد «{code}» (فیلد DSK_ID) در فهرست کارگاه‌های شما نیست.",
            "DSK_ID",
            1,
            file=wl.kar.name,
        )
    ])  # fmt: skip


def submit_workshops(user: Any) -> QuerySet[Workshop]:
    """The active workshops the user may send a list for."""
    if not allowed(user, SUBMIT):
        return Workshop.objects.none()
    return scope.workshops(user).filter(status=WorkshopStatus.ACTIVE).select_related("employer")


# --- check and send ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the registry knows that changes a list's price (transfer.import_list uses the same)."""

    unemployment_exempt: np.ndarray
    hard_job: np.ndarray
    small_workshop: bool
    unemployment_reasons: tuple[str, ...] = ()


def facts(wl: WageList, workshop: Workshop | None) -> Facts:
    n = wl.n
    codes = national_codes(wl)
    known = known_persons(codes) if n else {}
    found = [known.get(c) for c in codes.tolist()]
    ids = np.array([f[0] if f else 0 for f in found], dtype=np.int64)
    exemption = of_list(wl, workshop.pk if workshop is not None else None, ids)
    hard = np.zeros(n, dtype=bool)
    small = False
    if workshop is not None and workshop.status == WorkshopStatus.ACTIVE:
        small = workshop.small_workshop_exempt
        with contextlib.suppress(DomainError):  # no valid month: the check reports it
            hard = hard_job_rows(workshop, wl.month, ids)
    return Facts(exemption.mask, hard, small, exemption.describe())


def check(user: Any, wl: WageList, *, today: dt.date | None = None) -> CheckResult:
    """Check and price a list for a workshop the user may send it for, writing nothing."""
    require(user, SUBMIT)
    workshop = workshop_of(user, wl)
    f = facts(wl, workshop)
    return check_list(
        wl,
        today=today or jalali.today(),
        unemployment_exempt=f.unemployment_exempt,
        hard_job=f.hard_job,
        small_workshop=f.small_workshop,
        unemployment_reasons=f.unemployment_reasons,
    )


def submit(user: Any, wl: WageList, *, today: dt.date | None = None) -> Outcome:
    """Check, price, bill and post a list (all or nothing). A rejected list is an Outcome with status
    `rejected` and every problem; a refusal (role, scope) raises."""
    require(user, SUBMIT)
    workshop_of(user, wl)
    return import_list(wl, actor=user, today=today)


def due_on(wl: WageList) -> dt.date | None:
    """The day the list's bill would fall due (None without a valid month); the bill itself is issued
    only when the list is posted (tamin.contributions.billing)."""
    from tamin.rules.penalties import payment_due_date

    code = to_ascii_digits(normalize(wl.workshop)).strip()
    small = Workshop.objects.filter(code=code, small_workshop_exempt=True).exists()
    try:
        return payment_due_date(wl.month, small_exempt=small)
    except DomainError:
        return None


# --- reading posted lists ----------------------------------------------------------------------------


def lists(user: Any, *, workshop: str | None = None, month: str | None = None) -> QuerySet[ContributionList]:
    """The posted lists the user may read, newest month first."""
    require(user, READ)
    qs = ContributionList.objects.filter(workshop__in=scope.workshops(user)).select_related("workshop")
    if workshop:
        qs = qs.filter(workshop__code=to_ascii_digits(normalize(workshop)).strip())
    if month:
        m = JalaliMonth.parse(month.replace("-", "/"), field="month")
        qs = qs.filter(year=m.year, month=m.month)
    return qs.order_by("-year", "-month", "workshop__code", "list_no")


def get_list(user: Any, list_id: int) -> ContributionList:
    require(user, READ)
    cl = (
        ContributionList.objects.filter(pk=list_id, workshop__in=scope.workshops(user))
        .select_related("workshop__branch", "workshop__employer", "posted_by")
        .first()
    )
    if cl is None:
        if getattr(user, "role", None) in NATIONWIDE_READ:
            raise NotFound("wagelist.not_found", "لیستی با این شناسه یافت نشد.", "list_id")
        raise Forbidden("auth.out_of_scope", "این لیست در حوزهٔ دسترسی شما نیست.", "list_id")
    return cl
