"""Check and price many wage lists at once, with the same results as `checking.check_list` per list.

A national month is ~100,000 lists, most of 1–5 workers: run one list at a time, the fixed cost of a
few hundred numpy calls per list dominates (≈2 ms a list, minutes for the month). Here the lists are
concatenated into one set of columns with a list index, every rule of `checks.check_wage_list` is
evaluated once over all rows as a mask, and masks and sums are reduced per list (`np.add.reduceat`).

The batch pass is a *screen*: a list for which any rule could produce a problem (error or warning),
or whose price depends on the list as a whole (the small-workshop exemption), or whose month has no
parameters, is checked again by `check_list` itself, so its problems, messages and counts are exactly
the per-list ones. A list the screen passes has no problems at all, and its price is computed here
with the same formulas over the concatenated columns (rounding is per row, so slicing the batch
columns gives the per-list arrays). `tests/contributions/test_batch.py` compares both paths on lists
with every kind of fault.

Pure (no Django).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tamin.contributions import checks
from tamin.contributions.checking import CheckResult, check_list
from tamin.contributions.pricing import (
    EMPLOYER,
    HARD_JOB,
    INSURED,
    STATE,
    UNEMPLOYMENT,
    Derivation,
    ListPrice,
    ParameterUse,
    default_unemployment_exempt,
)
from tamin.contributions.wagelist import WageList
from tamin.core.errors import DomainError
from tamin.core.idcodes import valid_national_codes
from tamin.core.jalali import JalaliMonth
from tamin.core.jalali import today as tehran_today
from tamin.rules import contributions as formulas
from tamin.rules.params import ParameterSet, default_parameters
from tamin.rules.wages import CEILING_MULTIPLIER, MINIMUM_DAILY, monthly_ceiling

# Columns the screen reads (every column a rule of checks.py or the price reads).
_NUMBERS = ("DSW_YY", "DSW_MM", "DSW_DD", "DSW_ROOZ", "DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_TOTL",
            "DSW_BIME", "DSW_INC", "DSW_SPOUSE")  # fmt: skip
_TEXTS = ("DSW_ID", "DSW_LISTNO", "DSW_ID1", "DSW_FNAME", "DSW_LNAME", "DSW_JOB", "DSW_SEX", "DSW_NAT",
          "DSW_SDATE", "DSW_EDATE", "DSW_BDATE", "DSW_IDATE", "PER_NATCOD")  # fmt: skip


@dataclass(frozen=True)
class BatchStats:
    """How a batch was checked: lists settled by the screen and lists checked again one by one."""

    lists: int
    rows: int
    screened: int
    per_list: int


@dataclass(frozen=True)
class _MonthFacts:
    month: JalaliMonth
    on: dt.date
    days: int
    minimum: int
    ceiling: int
    insured_rate: object
    rates: dict[str, object]
    used: tuple[ParameterUse, ...]


def _month_facts(month: JalaliMonth, p: ParameterSet) -> _MonthFacts:
    """What price_list and the amount checks look up for a month (raises DomainError like they do)."""
    on = month.first_day()
    entries = {name: p.entry(name, on) for name in (INSURED, EMPLOYER, UNEMPLOYMENT, HARD_JOB, STATE)}
    minimum = p.entry(MINIMUM_DAILY, on)
    multiplier = p.entry(CEILING_MULTIPLIER, on)
    ceiling = monthly_ceiling(month, params=p)
    used = [ParameterUse.of(MINIMUM_DAILY, minimum), ParameterUse.of(CEILING_MULTIPLIER, multiplier)]
    used += [ParameterUse.of(name, e) for name, e in entries.items()]
    return _MonthFacts(
        month=month,
        on=on,
        days=month.days,
        minimum=int(p.value(MINIMUM_DAILY, on)),
        ceiling=ceiling,
        insured_rate=p.value(INSURED, on),
        rates={name: e.value for name, e in entries.items()},
        used=tuple(used),
    )


def _concat(lists: Sequence[WageList], name: str) -> np.ndarray:
    return np.concatenate([wl.column(name) for wl in lists])


def _has(lists: Sequence[WageList], name: str) -> np.ndarray:
    return np.fromiter((name in wl.rows for wl in lists), dtype=bool, count=len(lists))


def _header_int(lists: Sequence[WageList], name: str) -> np.ndarray:
    return np.fromiter((int(wl.header.get(name) or 0) for wl in lists), dtype=np.int64, count=len(lists))


def _per_list_any(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(mask.astype(np.int64), starts) > 0


def _within_list_repeats(values: np.ndarray, usable: np.ndarray, list_of_row: np.ndarray) -> np.ndarray:
    """Rows whose value appears earlier in the same list (usable values only), by one sort of the batch."""
    order = np.lexsort((values, list_of_row))
    v, li = values[order], list_of_row[order]
    same = (v[1:] == v[:-1]) & (li[1:] == li[:-1]) & usable[order][1:]
    out = np.zeros(values.size, dtype=bool)
    out[order[1:][same]] = True
    return out


def check_batch(
    lists: Sequence[WageList],
    *,
    today: dt.date | None = None,
    unemployment_exempt: Sequence[np.ndarray | None] | None = None,
    hard_job: Sequence[np.ndarray | None] | None = None,
    small_workshop: Sequence[bool] | None = None,
    params: ParameterSet | None = None,
    unemployment_reasons: Sequence[Sequence[str]] | None = None,
) -> tuple[list[CheckResult], BatchStats]:
    """`check_list` for every list (same arguments, given per list), computed set-based.
    Returns the results in the order of `lists` and how many lists the screen settled."""
    p = default_parameters() if params is None else params
    today = tehran_today() if today is None else today
    m = len(lists)
    exempt_in = list(unemployment_exempt) if unemployment_exempt is not None else [None] * m
    hard_in = list(hard_job) if hard_job is not None else [None] * m
    reasons_in = list(unemployment_reasons) if unemployment_reasons is not None else [()] * m
    small = np.asarray(list(small_workshop) if small_workshop is not None else [False] * m, dtype=bool)
    if not (len(exempt_in) == len(hard_in) == len(reasons_in) == small.size == m):
        raise ValueError("unemployment_exempt, hard_job and small_workshop need one entry per list")
    sizes = np.fromiter((wl.n for wl in lists), dtype=np.int64, count=m)
    for i, mask in enumerate((*exempt_in, *hard_in)):
        if mask is not None and np.shape(mask) != (sizes[i % m],):
            raise ValueError(f"masks must have the list's {sizes[i % m]} rows, got {np.shape(mask)}")

    # Lists the screen leaves to check_list at once: no rows, a small-workshop price, no valid month,
    # a future month, a month without parameters.
    fallback = (sizes == 0) | small
    current = JalaliMonth.of(today)
    month_of: list[JalaliMonth | None] = [None] * m
    seen: dict[tuple[object, object], JalaliMonth | None] = {}
    facts: dict[JalaliMonth, _MonthFacts | None] = {}
    for i, wl in enumerate(lists):
        key = (wl.header.get("DSK_YY", 0), wl.header.get("DSK_MM", 0))
        if key not in seen:
            try:
                seen[key] = wl.month
            except DomainError:
                seen[key] = None
        jm = seen[key]
        if jm is None or jm > current:
            fallback[i] = True
            continue
        if jm not in facts:
            try:
                facts[jm] = _month_facts(jm, p)
            except DomainError:
                facts[jm] = None
        if facts[jm] is None:
            fallback[i] = True
        month_of[i] = jm

    cand = np.flatnonzero(~fallback)
    clean = np.zeros(m, dtype=bool)
    prices: dict[int, ListPrice] = {}
    if cand.size:
        clean_c, price_c = _screen(
            [lists[i] for i in cand.tolist()],
            [month_of[i] for i in cand.tolist()],  # type: ignore[misc]
            facts,  # type: ignore[arg-type]
            [exempt_in[i] for i in cand.tolist()],
            [hard_in[i] for i in cand.tolist()],
            [reasons_in[i] for i in cand.tolist()],
        )
        clean[cand] = clean_c
        prices = {int(cand[j]): price for j, price in price_c.items()}

    results: list[CheckResult] = []
    for i, wl in enumerate(lists):
        if clean[i]:
            results.append(CheckResult(wl, (), {}, prices[i]))
        else:
            results.append(
                check_list(
                    wl,
                    today=today,
                    unemployment_exempt=exempt_in[i],
                    hard_job=hard_in[i],
                    small_workshop=bool(small[i]),
                    params=p,
                    unemployment_reasons=reasons_in[i],
                )
            )
    stats = BatchStats(m, int(sizes.sum()), int(clean.sum()), int(m - clean.sum()))
    return results, stats


def _list_price(
    month: JalaliMonth,
    rows: dict[str, np.ndarray],
    covered: np.ndarray,
    hard: np.ndarray,
    derivation: Derivation,
    totals: dict[str, int],
) -> ListPrice:
    """A ListPrice with its totals taken from the batch's segment sums: ListPrice.__post_init__ would
    sum seven columns again per list, the largest per-list cost left in a batch of small lists."""
    price = object.__new__(ListPrice)
    for name, value in (
        ("month", month), ("rows", rows), ("unemployment_covered", covered), ("hard_job", hard),
        ("derivation", derivation),
    ):  # fmt: skip
        object.__setattr__(price, name, value)
    totals = dict(totals)
    totals["total_due"] = (
        totals["insured_share"]
        + totals["employer_share"]
        + totals["unemployment_share"]
        + totals["hard_job_share"]
    )
    object.__setattr__(price, "totals", totals)
    return price


def _screen(
    lists: list[WageList],
    months: list[JalaliMonth],
    facts: dict[JalaliMonth, _MonthFacts],
    exempt_in: list[np.ndarray | None],
    hard_in: list[np.ndarray | None],
    reasons_in: list[Sequence[str]],
) -> tuple[np.ndarray, dict[int, ListPrice]]:
    """(clean per list, price of each clean list) for lists with rows and a priceable month."""
    m = len(lists)
    sizes = np.fromiter((wl.n for wl in lists), dtype=np.int64, count=m)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    starts = bounds[:-1]
    list_of_row = np.repeat(np.arange(m), sizes)
    num = {name: _concat(lists, name).astype(np.int64, copy=False) for name in _NUMBERS}
    txt = {name: _concat(lists, name) for name in _TEXTS}

    def per_row(values: Sequence[object] | np.ndarray) -> np.ndarray:
        return np.repeat(np.asarray(values), sizes)

    # Month facts per row.
    keys = sorted(set(months))
    month_idx = np.fromiter((keys.index(jm) for jm in months), dtype=np.int64, count=m)
    f = [facts[k] for k in keys]
    month_days = per_row(np.array([k.days for k in keys])[month_idx])
    first = per_row(np.array([k.year * 10000 + k.month * 100 + 1 for k in keys])[month_idx])
    last = first - 1 + month_days
    ceiling = per_row(np.array([x.ceiling for x in f], dtype=np.int64)[month_idx])
    minimum = per_row(np.array([x.minimum for x in f], dtype=np.int64)[month_idx])
    row_month = per_row(month_idx)

    bad = np.zeros(bounds[-1], dtype=bool)
    days = num["DSW_DD"]
    # _check_against_header
    workshop = [str(wl.header.get("DSK_ID", "")).strip() for wl in lists]
    if (has := _has(lists, "DSW_ID")).any():
        bad |= per_row(has) & (np.char.strip(np.asarray(txt["DSW_ID"], dtype=str)) != per_row(workshop))
    for row_field, header_field in (("DSW_YY", "DSK_YY"), ("DSW_MM", "DSK_MM")):
        if (has := _has(lists, row_field)).any():
            bad |= per_row(has) & (num[row_field] != per_row(_header_int(lists, header_field)))
    if (has := _has(lists, "DSW_LISTNO")).any():
        want = [str(wl.header.get("DSK_LISTNO", "")).strip().lstrip("0") for wl in lists]
        listno = np.char.lstrip(np.char.strip(np.asarray(txt["DSW_LISTNO"], dtype=str)), "0")
        bad |= per_row(has) & (listno != per_row(want))
    # _check_identity
    codes = np.char.strip(np.asarray(txt["PER_NATCOD"], dtype=str))
    bad |= ~valid_national_codes(codes)
    number = np.char.strip(np.asarray(txt["DSW_ID1"], dtype=str))
    length = np.char.str_len(number)
    ascii_digits = (length > 0) & (np.char.strip(number, "0123456789") == "")
    well_formed = ascii_digits & (length <= 10) & (np.char.strip(number, "0") != "")
    bad |= ~well_formed | (length < 8)
    for name in ("DSW_FNAME", "DSW_LNAME", "DSW_JOB"):
        bad |= np.char.strip(np.asarray(txt[name], dtype=str)) == ""
    sex = np.char.strip(np.asarray(txt["DSW_SEX"], dtype=str))
    bad |= (sex != checks.MALE) & (sex != checks.FEMALE)
    bad |= _within_list_repeats(codes, codes != "", list_of_row)
    bad |= _within_list_repeats(number, well_formed, list_of_row)
    # _check_days_and_dates
    bad |= (days < 0) | (days > month_days) | (days == 0)
    for name in checks.AMOUNTS:
        bad |= num[name] < 0
    start = checks.parse_dates(txt["DSW_SDATE"])
    end = checks.parse_dates(txt["DSW_EDATE"])
    birth = checks.parse_dates(txt["DSW_BDATE"], short=True)
    issue = checks.parse_dates(txt["DSW_IDATE"], short=True, zero_is_blank=True)
    for dates in (start, end, birth, issue):
        bad |= ~dates.valid
    bad |= birth.blank
    has_start, has_end = start.value > 0, end.value > 0
    bad |= has_start & (start.value > last)
    bad |= has_end & ((end.value < first) | (end.value > last))
    bad |= has_start & has_end & (end.value < start.value)
    bad |= birth.value > last
    from_day = np.where(
        has_start & (start.value >= first) & (start.value <= last), start.value - first + 1, 1
    )
    to_day = np.where(has_end & (end.value >= first) & (end.value <= last), end.value - first + 1, month_days)
    span = np.maximum(to_day - from_day + 1, 0)
    bad |= (days > span) & (days <= month_days)

    # The price, row by row (pricing.price_list over the concatenated columns, month by month).
    exempt = default_unemployment_exempt(
        WageList(lists[0].kar, lists[0].wor, {}, {"DSW_NAT": txt["DSW_NAT"]})
    )
    hard = np.zeros(bounds[-1], dtype=bool)
    for j in range(m):
        if exempt_in[j] is not None:
            exempt[bounds[j] : bounds[j + 1]] = np.asarray(exempt_in[j], dtype=bool)
        if hard_in[j] is not None:
            hard[bounds[j] : bounds[j + 1]] = np.asarray(hard_in[j], dtype=bool)
    covered = ~exempt
    mah, maz, mash = num["DSW_MAH"], num["DSW_MAZ"], num["DSW_MASH"]
    base = np.maximum(formulas.wage_subject(mah, maz, mash, ceiling), 0)
    shares = {name: np.zeros(bounds[-1], dtype=np.int64) for name in ("ins", "emp", "unemp", "hard", "state")}
    expected_bime = np.zeros(bounds[-1], dtype=np.int64)
    for k, x in enumerate(f):
        rows = np.flatnonzero(row_month == k) if len(f) > 1 else slice(None)
        b = base[rows]
        try:
            shares["ins"][rows] = formulas.share(b, x.rates[INSURED])  # type: ignore[arg-type]
            shares["emp"][rows] = formulas.share(b, x.rates[EMPLOYER])  # type: ignore[arg-type]
            shares["unemp"][rows] = formulas.share(b, x.rates[UNEMPLOYMENT], covered[rows])  # type: ignore[arg-type]
            shares["hard"][rows] = formulas.share(b, x.rates[HARD_JOB], hard[rows])  # type: ignore[arg-type]
            shares["state"][rows] = formulas.share(b, x.rates[STATE])  # type: ignore[arg-type]
            expected_bime[rows] = formulas.share(b, x.insured_rate)  # type: ignore[arg-type]
        except OverflowError:
            # apply_percent refuses when the batch's largest amount would overflow; per list it may not.
            bad[rows] = True
    # _check_amounts
    rooz, inc = num["DSW_ROOZ"], num["DSW_INC"]
    working = days > 0
    daily = rooz + inc
    bad |= working & (daily < minimum)
    bad |= working & (np.abs(mah - days * daily) > checks.MONTHLY_WAGE_TOLERANCE_PER_DAY * days)
    bad |= mash > ceiling
    bad |= (mash <= ceiling) & (np.abs(mash - np.minimum(mah + maz, ceiling)) > checks.WAGE_SUBJECT_TOLERANCE)
    bad |= np.abs(num["DSW_BIME"] - expected_bime) > checks.INSURED_SHARE_TOLERANCE
    if (has := _has(lists, "DSW_TOTL")).any():
        bad |= per_row(has) & (num["DSW_TOTL"] < mash)

    list_bad = _per_list_any(bad, starts)
    # _check_header, per list.
    for j, w in enumerate(workshop):
        if not (w.isascii() and w.isdigit() and len(w) <= 10):
            list_bad[j] = True
    list_bad |= _header_int(lists, "DSK_KIND") != 0
    list_bad |= _header_int(lists, "DSK_NUM") != sizes
    list_bad |= _header_int(lists, "DSK_TDD") != np.add.reduceat(days, starts)
    for header_field, row_field in checks.HEADER_SUMS:
        has = _has(lists, row_field) & np.fromiter((header_field in wl.header for wl in lists), bool, m)
        if has.any():
            list_bad |= has & (_header_int(lists, header_field) != np.add.reduceat(num[row_field], starts))
    has = _has(lists, "DSW_INC") & np.fromiter(("DSK_INC" in wl.header for wl in lists), bool, m)
    if has.any():
        list_bad |= has & (_header_int(lists, "DSK_INC") != np.add.reduceat(inc * days, starts))
    has = np.fromiter((wl.header.get("DSK_TKOSO") is not None for wl in lists), bool, m)
    employer_total = np.add.reduceat(shares["emp"], starts)
    tolerance = checks.HEADER_TOTAL_TOLERANCE_PER_ROW * np.maximum(sizes, 1)
    list_bad |= has & (np.abs(_header_int(lists, "DSK_TKOSO") - employer_total) > tolerance)

    # The price of each clean list, as price_list would build it.
    counts = {
        "working_rows": np.add.reduceat((base > 0).astype(np.int64), starts),
        "capped_rows": np.add.reduceat((np.maximum(mash, mah + maz) > ceiling).astype(np.int64), starts),
        "unemployment_covered": np.add.reduceat(covered.astype(np.int64), starts),
        "unemployment_exempt": np.add.reduceat(exempt.astype(np.int64), starts),
        "hard_job_rows": np.add.reduceat(hard.astype(np.int64), starts),
    }
    counts_l = {name: v.tolist() for name, v in counts.items()}
    columns = {
        "wage_subject": base,
        "insured_share": shares["ins"],
        "employer_share": shares["emp"],
        "employer_exempt": np.zeros(bounds[-1], dtype=np.int64),
        "unemployment_share": shares["unemp"],
        "hard_job_share": shares["hard"],
        "state_share": shares["state"],
    }
    sums = {name: np.add.reduceat(col, starts).tolist() for name, col in columns.items()}
    prices: dict[int, ListPrice] = {}
    bounds_l = bounds.tolist()
    for j in np.flatnonzero(~list_bad).tolist():
        a, b = bounds_l[j], bounds_l[j + 1]
        x = f[int(month_idx[j])]
        n_exempt = counts_l["unemployment_exempt"][j]
        derivation = Derivation(
            month=x.month,
            on=x.on,
            days_in_month=x.days,
            minimum_daily=x.minimum,
            ceiling=x.ceiling,
            parameters=x.used,
            exemptions=(f"unemployment: {n_exempt} rows exempt from {UNEMPLOYMENT}", *reasons_in[j])
            if n_exempt
            else (),
            counts={
                "rows": b - a,
                "working_rows": counts_l["working_rows"][j],
                "capped_rows": counts_l["capped_rows"][j],
                "unemployment_covered": counts_l["unemployment_covered"][j],
                "unemployment_exempt": n_exempt,
                "hard_job_rows": counts_l["hard_job_rows"][j],
                "small_workshop_exempt_rows": 0,
            },
        )
        prices[j] = _list_price(
            x.month,
            {name: col[a:b] for name, col in columns.items()},
            covered[a:b],
            hard[a:b],
            derivation,
            {name: v[j] for name, v in sums.items()},
        )
    return ~list_bad, prices
