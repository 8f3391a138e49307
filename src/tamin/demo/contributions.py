"""The demo's contribution cycle: wage lists, bills, payments, one instalment plan and one objection.

For each of the last N months before the reference month, every active workshop sends one list (number
01) with the workers employed in that month: the full month for most, part of it for hires and leavers
(from the employment dates), a few days less for a few. The lists are checked, priced, posted, billed and
written to the history by the production path (`contributions.batch.import_batch`, one call per month,
on the day the list is sent). Employers then pay: most on time, some late (the statement charges the
late-payment penalty), some not at all. The demo employer's workshop falls behind and gets an
instalment plan, approved by the demo branch staff; the demo insured person objects to a month.

Every figure comes from the dated parameters (`tamin.rules`) except the behaviour below, which is
modelled (no published distribution of declared wages or payment delays was at hand): the wage levels by
occupation group, the share of workshops that pay late or not at all, the benefits when no housing and
grocery parameters exist. Draws come from their own stream of the seed, so the population a seed makes is
the same with or without the cycle, and the same seed and date make the same lists and bills.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from tamin.accounts.models import User
from tamin.accounts.roles import Role
from tamin.audit import services as audit
from tamin.audit.models import AuditEntry
from tamin.contributions import billing, posting
from tamin.contributions.batch import _reserve_ids, _stamp, import_batch
from tamin.contributions.models import Bill, Payment
from tamin.contributions.pricing import EMPLOYER, INSURED, UNEMPLOYMENT
from tamin.contributions.wagelist import KAR, WOR, SourceFile, WageList
from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth
from tamin.core.text import to_persian_digits
from tamin.records.models import HistoryMonth, ObjectionKind
from tamin.records.services import file_objection
from tamin.registry.models import Employment, Person, Workshop, WorkshopStatus
from tamin.relief import installments
from tamin.relief.services import load_positions
from tamin.rules import contributions as formulas
from tamin.rules import installments as plan_rules
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.wages import MINIMUM_DAILY, monthly_ceiling

DEFAULT_MONTHS = 6
MAX_MONTHS = 24
LIST_NO = "01"
SEED_STREAM = 3  # the cycle draws from PCG64([seed, 3]): independent of the population's draws
SEND_DAY = 15  # lists are sent on the 15th of the following month (or the reference day, if earlier)
KAR_FILE = SourceFile(f"{KAR}.DBF", "B", "iran_system")
WOR_FILE = SourceFile(f"{WOR}.DBF", "B", "iran_system")
MALE, FEMALE, IRANIAN = "مرد", "زن", "ایرانی"

# Housing and grocery aid (rules.md §2.2), when the parameters hold them; else BENEFITS_PERMILLE of the
# minimum wage for the days worked: 1404's 9,000,000 + 22,000,000 Rials a month are 30 % of that year's
# minimum monthly wage (3,463,656 × 30 = 103,909,680), so 300 ‰ (modelled).
HOUSING = "wage.allowance.housing"
GROCERY = "wage.allowance.grocery"
BENEFITS_PERMILLE = 300

# Declared daily wage by ISCO-08 major group (the job code's first digit): the share declared at exactly
# the minimum, and for the rest a log-normal multiple of the minimum (median, sigma). Modelled.
WAGE_LEVELS: dict[str, tuple[float, float, float]] = {
    "1": (0.05, 2.6, 0.45),  # managers
    "2": (0.10, 1.9, 0.40),  # professionals
    "3": (0.20, 1.5, 0.30),  # technicians
    "4": (0.35, 1.25, 0.20),  # clerks
    "5": (0.55, 1.15, 0.15),  # service and sales
    "6": (0.60, 1.10, 0.12),  # agriculture
    "7": (0.45, 1.25, 0.20),  # crafts
    "8": (0.45, 1.25, 0.20),  # machine operators, drivers
    "9": (0.70, 1.08, 0.08),  # elementary occupations
}
FEWER_DAYS_SHARE = 0.04  # full-month rows with 1–10 days less (unpaid leave, absence); modelled
# How workshops pay (modelled): punctual ones pay each bill before its due date (now and then late);
# late payers pay most bills after it; debtors stop paying from some month on.
PUNCTUAL, LATE, DEBTOR = 0, 1, 2
PAYER_SHARES = (0.75, 0.17, 0.08)
PUNCTUAL_LATE_SHARE = 0.05
LATE_PAYER = (0.30, 0.60)  # P(on time), P(late); the rest unpaid
LATE_DAYS = (1, 75)  # a late payment comes 1–75 days after the due date
FOCUS_FEWER_DAYS = 7  # the demo insured person's month reported short (the objection's subject)
INSTALMENT_MONTHS = 12


@dataclass
class Lists:
    """The cycle's lists, one group per month (oldest first), and the month the objection is about."""

    months: tuple[JalaliMonth, ...]
    by_month: list[list[WageList]]
    send_days: list[dt.date]
    # (month, workshop code, days reported, days claimed) for the demo insured person, if in a list
    short_month: tuple[JalaliMonth, str, int, int] | None = None

    @property
    def lists(self) -> list[WageList]:
        return [wl for group in self.by_month for wl in group]


@dataclass
class CycleResult:
    months: tuple[JalaliMonth, ...]
    counts: dict[str, int]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


def window(reference: dt.date, months: int) -> tuple[JalaliMonth, ...]:
    """The `months` whole months before the reference date's month, oldest first."""
    current = JalaliMonth.of(reference)
    return tuple(current - k for k in range(months, 0, -1))


def send_day(month: JalaliMonth, reference: dt.date) -> dt.date:
    """The day a month's list is sent: the 15th of the next month, or the reference day if earlier."""
    return min(month.next().first_day() + dt.timedelta(days=SEND_DAY - 1), reference)


# --- Jalali dates over columns -----------------------------------------------------------------------


@cache
def _month_starts() -> tuple[np.ndarray, np.ndarray]:
    """First day (datetime64[D]) and yyyymm of every Jalali month 1280–1430, for searchsorted."""
    months = [JalaliMonth(y, m) for y in range(1280, 1431) for m in range(1, 13)]
    first = np.array([m.first_day() for m in months], dtype="datetime64[D]")
    return first, np.array([m.year * 100 + m.month for m in months], dtype=np.int64)


def jalali_numbers(dates: np.ndarray) -> np.ndarray:
    """YYYYMMDD (Jalali) of each datetime64 date as int64; 0 for NaT."""
    first, yyyymm = _month_starts()
    d = np.asarray(dates, dtype="datetime64[D]")
    missing = np.isnat(d)
    safe = np.where(missing, first[0], d)
    at = np.searchsorted(first, safe, side="right") - 1
    day = (safe - first[at]).astype(np.int64) + 1
    return np.where(missing, 0, yyyymm[at] * 100 + day)


def _jalali_text(dates: np.ndarray) -> np.ndarray:
    numbers = jalali_numbers(dates)
    return np.where(numbers > 0, numbers.astype(str), "")


# --- the lists ---------------------------------------------------------------------------------------


@dataclass
class _Jobs:
    """The employments that touch the window, with their person and workshop, as columns."""

    national_code: np.ndarray
    insurance: np.ndarray
    first: np.ndarray
    last: np.ndarray
    father: np.ndarray
    id_card: np.ndarray
    birth: np.ndarray  # datetime64[D]
    male: np.ndarray
    pensioner: np.ndarray
    workshop: np.ndarray  # code
    start: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D], NaT while current
    job_code: np.ndarray
    job_title: np.ndarray


def _load_jobs(first_day: dt.date, last_day: dt.date) -> _Jobs:
    rows = list(
        Employment.objects.filter(
            start_date__lte=last_day,
            workshop__status=WorkshopStatus.ACTIVE,
            person__insurance_number__isnull=False,
            person__death_date__isnull=True,
        )
        .exclude(end_date__lt=first_day)
        .order_by("workshop__code", "person__national_code", "start_date", "id")
        .values_list(
            "person__national_code",
            "person__insurance_number",
            "person__first_name",
            "person__last_name",
            "person__father_name",
            "person__id_card_number",
            "person__birth_date",
            "person__sex",
            "person__is_pensioner",
            "workshop__code",
            "start_date",
            "end_date",
            "job_code",
            "job_title",
        )
    )
    cols = list(zip(*rows, strict=True)) if rows else [()] * 14

    def text(i: int) -> np.ndarray:
        return np.array([v or "" for v in cols[i]], dtype=str) if rows else np.zeros(0, dtype="<U1")

    def day(i: int) -> np.ndarray:
        return np.array([v if v is not None else "NaT" for v in cols[i]], dtype="datetime64[D]")

    return _Jobs(
        national_code=text(0),
        insurance=text(1),
        first=text(2),
        last=text(3),
        father=text(4),
        id_card=text(5),
        birth=day(6),
        male=np.array([s == "male" for s in cols[7]], dtype=bool),
        pensioner=np.array(cols[8], dtype=bool),
        workshop=text(9),
        start=day(10),
        end=day(11),
        job_code=text(12),
        job_title=text(13),
    )


def _daily_permille(rng: np.random.Generator, job_code: np.ndarray) -> np.ndarray:
    """Each job's daily wage as a multiple of the minimum, in thousandths (1000 = at the minimum)."""
    n = job_code.size
    group = job_code.astype("<U1")  # the ISCO major group: the code's first digit
    at_min, median, sigma = (np.full(n, v) for v in WAGE_LEVELS["9"])
    for g, (s, m, sd) in WAGE_LEVELS.items():
        pick = group == g
        at_min[pick], median[pick], sigma[pick] = s, m, sd
    u = rng.random(n)
    draw = rng.lognormal(0.0, 1.0, n) ** sigma * median
    permille = np.ceil(np.maximum(draw, 1.0) * 1000).astype(np.int64)
    return np.where(u < at_min, 1000, permille)


def _benefits(params: ParameterSet, month: JalaliMonth, minimum: int, days: np.ndarray) -> np.ndarray:
    """Housing + grocery aid for the days worked (a month's aid pro rata by days)."""
    on = month.first_day()
    if HOUSING in params and GROCERY in params:
        try:
            monthly = int(params.value(HOUSING, on)) + int(params.value(GROCERY, on))
        except DomainError:  # the parameters do not reach this month
            pass
        else:
            return (monthly * days + month.days // 2) // month.days
    return minimum * BENEFITS_PERMILLE * days // 1000


def build_lists(
    reference: dt.date,
    months: int,
    seed: int,
    *,
    focus: str | None = None,
    params: ParameterSet | None = None,
) -> Lists:
    """One list per active workshop and month of the window, from the registry's employments.

    `focus` is the national code of the demo insured person: one of their full months is reported
    FOCUS_FEWER_DAYS short, the month their objection is about."""
    p = default_parameters() if params is None else params
    span = window(reference, months)
    rng = np.random.Generator(np.random.PCG64([seed, SEED_STREAM]))
    if not span:
        return Lists((), [], [])
    jobs = _load_jobs(span[0].first_day(), span[-1].last_day())
    permille = _daily_permille(rng, jobs.job_code)

    # Every (job, month) pair the job overlaps: days from the later of hire and the 1st to the month's
    # end, or to the day before leaving (the real lists count the leaving day as not worked).
    m_first = np.array([m.first_day() for m in span], dtype="datetime64[D]")
    m_last = np.array([m.last_day() for m in span], dtype="datetime64[D]")
    end = np.where(np.isnat(jobs.end), np.datetime64("9999-12-31"), jobs.end)
    lo = np.maximum(jobs.start[:, None], m_first[None, :])
    hi = np.minimum(end[:, None], m_last[None, :] + 1)  # exclusive
    days_all = (hi - lo).astype(np.int64)
    job, mi = np.nonzero(days_all > 0)
    days = days_all[job, mi]
    hired = (jobs.start[job] >= m_first[mi]) & (jobs.start[job] <= m_last[mi])
    left = ~np.isnat(jobs.end[job]) & (jobs.end[job] >= m_first[mi]) & (jobs.end[job] <= m_last[mi])
    month_days = np.array([m.days for m in span], dtype=np.int64)[mi]
    # Lists are ordered by month, workshop, person; a person twice in one list (an old job and a new
    # one at the same workshop in the same month) keeps the row with more days.
    order = np.lexsort((-days, jobs.national_code[job], jobs.workshop[job], mi))
    job, mi, days, hired, left, month_days = (a[order] for a in (job, mi, days, hired, left, month_days))
    key_ws, key_code = jobs.workshop[job], jobs.national_code[job]
    repeat = np.r_[False, (mi[1:] == mi[:-1]) & (key_ws[1:] == key_ws[:-1]) & (key_code[1:] == key_code[:-1])]
    keep = ~repeat
    job, mi, days, hired, left, month_days = (a[keep] for a in (job, mi, days, hired, left, month_days))
    full = (days == month_days) & ~hired & ~left
    fewer = full & (rng.random(days.size) < FEWER_DAYS_SHARE)
    days = np.where(fewer, np.maximum(days - rng.integers(1, 11, days.size), 1), days)

    short: tuple[JalaliMonth, str, int, int] | None = None
    if focus is not None:
        mine = np.flatnonzero(full & (jobs.national_code[job] == focus))
        if mine.size:
            r = int(mine[mine.size // 2])
            days[r] = month_days[r] - FOCUS_FEWER_DAYS
            short = (span[mi[r]], str(jobs.workshop[job[r]]), int(days[r]), int(month_days[r]))

    # Amounts, month by month (parameters are those in force on the month's first day).
    n = days.size
    rooz = np.zeros(n, dtype=np.int64)
    maz = np.zeros(n, dtype=np.int64)
    mash = np.zeros(n, dtype=np.int64)
    bime = np.zeros(n, dtype=np.int64)
    koso = np.zeros(n, dtype=np.int64)
    bic = np.zeros(n, dtype=np.int64)
    covered = ~jobs.pensioner[job]  # working pensioners pay no unemployment premium
    for k, month in enumerate(span):
        pick = mi == k
        on = month.first_day()
        minimum = int(p.value(MINIMUM_DAILY, on))
        level = permille[job[pick]]
        # Above the minimum, rounded up to a thousand Rials; at the minimum, exactly the minimum.
        rooz[pick] = np.where(level == 1000, minimum, -(-minimum * level // 1_000_000) * 1000)
        maz[pick] = _benefits(p, month, minimum, days[pick])
        mash[pick] = np.minimum(days[pick] * rooz[pick] + maz[pick], monthly_ceiling(month, params=p))
        bime[pick] = formulas.share(mash[pick], p.value(INSURED, on))
        koso[pick] = formulas.share(mash[pick], p.value(EMPLOYER, on))
        bic[pick] = formulas.share(mash[pick], p.value(UNEMPLOYMENT, on), covered[pick])
    mah = days * rooz

    j = job
    rows: dict[str, np.ndarray] = {
        "DSW_ID": jobs.workshop[j],
        "DSW_YY": np.array([m.year % 100 for m in span], dtype=np.int64)[mi],
        "DSW_MM": np.array([m.month for m in span], dtype=np.int64)[mi],
        "DSW_LISTNO": np.full(n, LIST_NO),
        "DSW_ID1": jobs.insurance[j],
        "DSW_FNAME": jobs.first[j],
        "DSW_LNAME": jobs.last[j],
        "DSW_DNAME": jobs.father[j],
        "DSW_IDNO": jobs.id_card[j],
        "DSW_IDPLC": np.full(n, ""),
        "DSW_IDATE": np.full(n, ""),
        "DSW_BDATE": _jalali_text(jobs.birth[j]),
        "DSW_SEX": np.where(jobs.male[j], MALE, FEMALE),
        "DSW_NAT": np.full(n, IRANIAN),
        "DSW_OCP": jobs.job_title[j],
        "DSW_SDATE": np.where(hired, _jalali_text(jobs.start[j]), ""),
        "DSW_EDATE": np.where(left, _jalali_text(jobs.end[j]), ""),
        "DSW_DD": days,
        "DSW_ROOZ": rooz,
        "DSW_MAH": mah,
        "DSW_MAZ": maz,
        "DSW_MASH": mash,
        "DSW_TOTL": mah + maz,
        "DSW_BIME": bime,
        "DSW_PRATE": np.zeros(n, dtype=np.int64),
        "DSW_JOB": jobs.job_code[j],
        "PER_NATCOD": jobs.national_code[j],
        "DSW_INC": np.zeros(n, dtype=np.int64),
        "DSW_SPOUSE": np.zeros(n, dtype=np.int64),
    }
    # List boundaries: a new list wherever the month or the workshop changes.
    ws = rows["DSW_ID"]
    starts = np.flatnonzero(np.r_[True, (mi[1:] != mi[:-1]) | (ws[1:] != ws[:-1])]) if n else np.zeros(0, int)
    bounds = np.r_[starts, n]
    sums = {
        name: np.add.reduceat(col, starts) if n else col[:0]
        for name, col in (
            ("DSK_TDD", days), ("DSK_TROOZ", rooz), ("DSK_TMAH", mah), ("DSK_TMAZ", maz), ("DSK_TMASH", mash),
            ("DSK_TTOTL", mah + maz), ("DSK_TBIME", bime), ("DSK_TKOSO", koso), ("DSK_BIC", bic),
        )
    }  # fmt: skip
    codes = ws[starts].tolist()
    workshops = {
        w["code"]: w
        for w in Workshop.objects.filter(code__in=sorted(set(codes))).values(
            "code", "name", "address", "employer__name"
        )
    }
    by_month: list[list[WageList]] = [[] for _ in span]
    totals = {name: col.tolist() for name, col in sums.items()}
    list_month = mi[starts].tolist()
    for i, (a, b) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        month = span[list_month[i]]
        w = workshops[codes[i]]
        header: dict[str, int | str] = {
            "DSK_ID": codes[i],
            "DSK_NAME": w["name"],
            "DSK_FARM": w["employer__name"],
            "DSK_ADRS": w["address"],
            "DSK_KIND": 0,
            "DSK_YY": month.year % 100,
            "DSK_MM": month.month,
            "DSK_LISTNO": LIST_NO,
            "DSK_DISC": "",
            "DSK_NUM": b - a,
            "DSK_RATE": 0,
            "DSK_PRATE": 0,
            "DSK_BIMH": 0,
            "MON_PYM": "",
            "DSK_INC": 0,
            "DSK_SPOUSE": 0,
        }
        for name, values in totals.items():
            header[name] = values[i]
        by_month[list_month[i]].append(
            WageList(KAR_FILE, WOR_FILE, header, {name: col[a:b] for name, col in rows.items()})
        )
    return Lists(span, by_month, [send_day(m, reference) for m in span], short)


# --- posting -----------------------------------------------------------------------------------------


class CycleError(Exception):
    """The demo's own lists were refused: a bug in this module, never bad input."""


def post(lists: Lists, actor: User) -> dict[str, int]:
    """Import each month's lists on the day they are sent; every list must be posted."""
    counts = {"lists": 0, "list_rows": 0}
    for group, day in zip(lists.by_month, lists.send_days, strict=True):
        for wl, outcome in zip(group, import_batch(group, actor=actor, today=day), strict=True):
            if outcome.status != "posted":
                errors = outcome.summary.get("errors") or [p.__dict__ for p in outcome.problems]
                raise CycleError(f"demo list {wl.workshop} {wl.month} was {outcome.status}: {errors[:3]}")
            counts["lists"] += 1
            counts["list_rows"] += wl.n
    return counts


# --- payments ----------------------------------------------------------------------------------------


@dataclass
class _Bills:
    id: np.ndarray
    workshop: np.ndarray  # id
    code: np.ndarray  # workshop code
    month: np.ndarray  # yyyymm
    amount: np.ndarray
    sent: np.ndarray  # datetime64[D], the day the list was sent
    due: np.ndarray  # datetime64[D]
    number: np.ndarray


def _load_bills(months: Sequence[JalaliMonth], sent: Sequence[dt.date]) -> _Bills:
    """The bills of the window's months, by workshop code and month. `sent` is the day each month's
    lists were sent: payments are planned from it rather than from the bill's issued_on, because
    `batch.import_batch` issues bills on the day it runs, whatever `today` it is given."""
    keys = [m.year * 100 + m.month for m in months]
    rows = [
        r
        for r in Bill.objects.filter(year__in={m.year for m in months}, month__in={m.month for m in months})
        .order_by("workshop__code", "year", "month", "id")
        .values_list("id", "workshop_id", "workshop__code", "year", "month", "amount", "due_on", "number")
        if r[3] * 100 + r[4] in keys
    ]
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    month = np.array(cols[3], dtype=np.int64) * 100 + np.array(cols[4], dtype=np.int64)
    sent_on = np.array(sent, dtype="datetime64[D]")
    return _Bills(
        id=np.array(cols[0], dtype=np.int64),
        workshop=np.array(cols[1], dtype=np.int64),
        code=np.array(cols[2], dtype=str),
        month=month,
        amount=np.array(cols[5], dtype=np.int64),
        sent=sent_on[np.searchsorted(np.array(keys, dtype=np.int64), month)],
        due=np.array(cols[6], dtype="datetime64[D]"),
        number=np.array(cols[7], dtype=str),
    )


def plan_payments(
    bills: _Bills, reference: dt.date, rng: np.random.Generator, indebted: str | None = None
) -> np.ndarray:
    """The day each bill is paid (datetime64[D]; NaT: not paid by the reference date).

    `indebted` (a workshop code) pays its first bills on time, one late, and none of its last three."""
    n = bills.id.size
    ref = np.datetime64(reference, "D")
    codes, of = np.unique(bills.code, return_inverse=True)
    kind = rng.choice(3, size=codes.size, p=PAYER_SHARES)
    stop = rng.integers(0, 6, codes.size)  # a debtor's first unpaid bill, counted from its first one
    u = rng.random(n)
    window_days = np.maximum((bills.due - bills.sent).astype(np.int64), 0)
    on_time = bills.sent + np.floor(rng.random(n) * (window_days + 1)).astype(np.int64)
    late = bills.due + rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, n)
    first_of = np.r_[0, np.flatnonzero(of[1:] != of[:-1]) + 1] if n else np.zeros(0, int)
    nth = np.arange(n) - np.repeat(first_of, np.diff(np.r_[first_of, n])) if n else np.zeros(0, int)

    k = kind[of]
    outcome = np.select(
        [
            k == PUNCTUAL,
            (k == LATE) & (u < LATE_PAYER[0]),
            (k == LATE) & (u < LATE_PAYER[0] + LATE_PAYER[1]),
            (k == DEBTOR) & (nth < stop[of]),
        ],
        [np.where(u < PUNCTUAL_LATE_SHARE, 1, 0), 0, 1, 1],
        2,
    )  # 0 on time, 1 late, 2 unpaid
    if indebted is not None:
        mine = np.flatnonzero(bills.code == indebted)
        if mine.size:
            outcome[mine] = 0
            outcome[mine[-3:]] = 2
            if mine.size > 3:
                outcome[mine[-4]] = 1
    paid = np.where(outcome == 0, on_time, np.where(outcome == 1, late, np.datetime64("NaT", "D")))
    # Nothing is paid on or after the reference date: the demo's "today".
    return np.where(paid < ref, paid, np.datetime64("NaT", "D"))


def _allocation(bills: _Bills, pay_bill: np.ndarray, pay_day: np.ndarray) -> list[list[dict[str, Any]]]:
    """How each payment settles principals, as `billing.record_payment` audits it: the workshop's
    payments in date order fill its bills' principals oldest due date first (every payment here is
    at most what is owed, so no money reaches penalties). Payments in the order given."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(pay_bill.size)]
    ws = bills.workshop[pay_bill]
    order = np.lexsort((np.arange(pay_bill.size), pay_day, ws))
    bill_order = np.lexsort((bills.id, bills.month, bills.due, bills.workshop))
    by_ws: dict[int, list[int]] = {}
    for b in bill_order.tolist():
        by_ws.setdefault(int(bills.workshop[b]), []).append(b)
    open_amount = bills.amount.copy()
    cursor: dict[int, int] = {}
    for i in order.tolist():
        w = int(ws[i])
        queue = by_ws[w]
        left = int(bills.amount[pay_bill[i]])
        at = cursor.get(w, 0)
        while left and at < len(queue):
            b = queue[at]
            take = min(left, int(open_amount[b]))
            if take:
                out[i].append({"bill": str(bills.number[b]), "principal": take, "penalty": 0})
                open_amount[b] -= take
                left -= take
            if open_amount[b] == 0:
                at += 1
        cursor[w] = at
    return out


def pay(bills: _Bills, paid_on: np.ndarray, actor: User, now: dt.datetime | None = None) -> dict[str, int]:
    """Record the planned payments set-based (one per paid bill, the bill's amount), with the audit
    entries `billing.record_payment` would write, in the order the payments were made."""
    now = now or timezone.now()
    which = np.flatnonzero(~np.isnat(paid_on))
    which = which[np.lexsort((bills.code[which], paid_on[which]))]
    n = which.size
    if n == 0:
        return {"payments": 0, "paid": 0}
    ids = _reserve_ids(Payment, n)
    refs = np.char.add("DEMO-", bills.number[which])
    stamp = _stamp(now)
    cols = {
        "id": ids,
        "reference": refs,
        "workshop_id": bills.workshop[which],
        "amount": bills.amount[which],
        "paid_on": np.datetime_as_string(paid_on[which]),
        "recorded_at": np.full(n, stamp),
        "recorded_by_id": np.full(n, actor.pk, dtype=np.int64),
    }
    posting.bulk_insert(Payment._meta.db_table, cols)
    allocation = _allocation(bills, which, paid_on[which])
    recorded_at = audit._jsonable(now)
    afters = [
        {
            "id": pk,
            "reference": ref,
            "workshop_id": w,
            "amount": a,
            "paid_on": day,
            "recorded_at": recorded_at,
            "recorded_by_id": actor.pk,
            "allocation_rule": billing.ALLOCATION_RULE,
            "allocation": alloc,
        }
        for pk, ref, w, a, day, alloc in zip(
            ids.tolist(),
            refs.tolist(),
            cols["workshop_id"].tolist(),
            cols["amount"].tolist(),
            cols["paid_on"].tolist(),
            allocation,
            strict=True,
        )
    ]
    _append_audit(actor, "payment.record", Payment._meta.label_lower, ids, afters, now)
    return {"payments": n, "paid": int(cols["amount"].sum())}


def _append_audit(
    actor: User,
    action: str,
    object_type: str,
    ids: np.ndarray,
    afters: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    """Entries as `audit.record` writes them one after another, chained under the audit lock."""
    audit._lock_chain()
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else audit.GENESIS
    hashes, prevs, texts = [], [], []
    for j, (pk, after) in enumerate(zip(ids.tolist(), afters, strict=True)):
        digest = audit.entry_hash(
            seq=seq + j, at=now, actor_id=actor.pk, actor_name=actor.username, action=action,
            object_type=object_type, object_id=str(pk), before=None, after=after, prev_hash=prev,
        )  # fmt: skip
        texts.append(json.dumps(after, ensure_ascii=False))
        prevs.append(prev)
        hashes.append(digest)
        prev = digest
    n = len(afters)
    posting.bulk_insert(
        AuditEntry._meta.db_table,
        {
            "seq": np.arange(seq, seq + n, dtype=np.int64),
            "at": np.full(n, _stamp(now)),
            "actor_id": np.full(n, actor.pk, dtype=np.int64),
            "actor_name": np.full(n, actor.username),
            "action": np.full(n, action),
            "object_type": np.full(n, object_type),
            "object_id": ids.astype(str),
            "after": np.array(texts, dtype=str),
            "prev_hash": np.array(prevs, dtype=str),
            "hash": np.array(hashes, dtype=str),
        },
    )


# --- relief: one instalment plan, one objection --------------------------------------------------------


def _instalment(reference: dt.date, employer: User, staff: User, code: str) -> dict[str, Any] | None:
    """The employer asks to pay the workshop's debt in instalments, the branch approves the longest
    plan the rules allow up to INSTALMENT_MONTHS, and the down payment is paid on the signing day."""
    workshop = Workshop.objects.get(code=code)
    debt = int(billing.statement(employer, workshop, reference - dt.timedelta(days=1)).outstanding)
    if debt <= 0:
        return None
    months = 0
    for m in range(INSTALMENT_MONTHS, 0, -1):
        try:
            plan_rules.installment_plan(debt, requested_months=m, on=reference)
        except DomainError:
            continue
        months = m
        break
    if not months:
        return None
    agreement = installments.request(employer, workshop, months=months, on=reference)
    agreement = installments.approve(
        staff, agreement, on=reference, note="بدهی معوق کارگاه؛ پیش‌قسط در روز امضای قرارداد پرداخت شد."
    )
    if agreement.down_payment:
        billing.record_payment(
            staff,
            workshop=workshop,
            reference=f"DEMO-{code}-INSTALMENT-0",
            amount=int(agreement.down_payment),
            paid_on=reference,
        )
    return {"workshop": code, "months": months, "debt": int(agreement.debt or 0), "id": agreement.pk}


def _objection(lists: Lists, insured: User, workshop_code: str) -> int:
    """The demo insured person objects to the month reported short (or, if none is in the window, to
    the month before it as missing)."""
    person = Person.objects.get(pk=insured.person_id)
    if lists.short_month is not None:
        month, code, reported, claimed = lists.short_month
        kind = ObjectionKind.WRONG
        text = (
            f"در لیست {month.label_fa} کارفرما {reported} روز کارکرد برای من اعلام کرده است، "
            f"ولی من همهٔ {claimed} روز این ماه را در کارگاه کار کرده‌ام."
        )
    else:
        month, code = lists.months[0] - 1, workshop_code
        claimed = month.days
        kind = ObjectionKind.MISSING
        text = f"سابقهٔ {month.label_fa} من در این کارگاه ثبت نشده است، در حالی که همهٔ ماه را کار کرده‌ام."
    objection = file_objection(
        insured,
        person,
        workshop=Workshop.objects.get(code=code),
        year=month.year,
        month=month.month,
        kind=kind,
        statement=to_persian_digits(text),
        claimed_days=claimed,
    )
    return objection.pk


# --- the whole cycle -----------------------------------------------------------------------------------


def _standing(bills: _Bills, paid_on: np.ndarray, reference: dt.date) -> dict[str, int]:
    """What the cycle's bills add up to on the reference date, as the debt statements compute it."""
    pos = load_positions(sorted(set(bills.workshop.tolist())), reference)
    ref = np.datetime64(reference, "D")
    open_principal = pos.principal - pos.paid_principal
    return {
        "bills": int(bills.id.size),
        "billed": int(bills.amount.sum()),
        "late_payments": int((paid_on > bills.due).sum()),
        "unpaid_bills": int((open_principal > 0).sum()),
        "overdue_bills": int(((open_principal > 0) & (pos.due < ref)).sum()),
        "penalties": int(pos.penalty.sum()),
        "outstanding": int(open_principal.sum() + pos.open_penalty.sum() - sum(pos.credit.values())),
    }


def run(
    reference: dt.date, *, months: int, seed: int, usernames: dict[str, str], workshop: str
) -> CycleResult:
    """The cycle for the demo just built: `usernames` maps role → demo username, `workshop` is the
    demo employer's workshop (the one that falls behind and gets the instalment plan)."""
    if not 0 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 0–{MAX_MONTHS}, got {months}")
    users = {u.role: u for u in User.objects.filter(username__in=usernames.values())}
    admin, insured = users[Role.ADMIN], users[Role.INSURED]
    employer, staff = users[Role.EMPLOYER], users[Role.BRANCH_STAFF]
    focus = Person.objects.filter(pk=insured.person_id).values_list("national_code", flat=True).first()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    lists = build_lists(reference, months, seed, focus=focus)
    timings["wage lists"] = time.perf_counter() - t0
    notes: list[str] = []
    with transaction.atomic():
        t0 = time.perf_counter()
        counts = post(lists, admin)
        counts["history_months"] = HistoryMonth.objects.filter(source_list__isnull=False).count()
        timings["posting"] = time.perf_counter() - t0
        misdated = sum(
            Bill.objects.filter(year=m.year, month=m.month).exclude(issued_on=day).count()
            for m, day in zip(lists.months, lists.send_days, strict=True)
        )
        if misdated:
            notes.append(
                f"{misdated:,} bills are dated the day of the import rather than the day their list was sent "
                "(contributions.batch.import_batch does not pass `today` on to post_batch), so lists of "
                "months whose deadline had passed by then owe the late-list penalty"
            )
        t0 = time.perf_counter()
        bills = _load_bills(lists.months, lists.send_days)
        rng = np.random.Generator(np.random.PCG64([seed, SEED_STREAM, 1]))
        paid_on = plan_payments(bills, reference, rng, indebted=workshop)
        counts |= pay(bills, paid_on, admin)
        agreement = _instalment(reference, employer, staff, workshop) if bills.id.size else None
        counts["agreements"] = int(agreement is not None)
        if agreement is None and bills.id.size:
            notes.append(f"workshop {workshop} owed too little for an instalment plan")
        counts["objections"] = int(bool(_objection(lists, insured, workshop))) if months else 0
        standing = _standing(bills, paid_on, reference)
        counts |= standing
        paid = Payment.objects.aggregate(n=Count("id"), total=Sum("amount"))
        counts["payments"], counts["paid"] = paid["n"], int(paid["total"] or 0)
        timings["payments"] = time.perf_counter() - t0
    return CycleResult(lists.months, counts, timings, notes)
