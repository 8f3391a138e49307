"""Employments (اشتغال) kept from posted wage lists: a worker on a workshop's list for a month is employed
there that month. Called by `posting.post_list` and `batch.post_batch` inside their transaction.

The rules (one row = one worker on one posted list of workshop W for Jalali month M):

* Dates. DSW_SDATE / DSW_EDATE are Jalali text (`14030901`, also `1403/09/01`), parsed by
  `tamin.core.jalali`. A date counts only inside the list's month; empty, `0`, malformed or out-of-month
  dates are ignored (start falls back to the month's first day, end to open), and so is a leaving date
  before the row's own start date. The end date is stored as the list gives it: the leaving day (ترک کار,
  the first day not worked), as the demo's employments and the lists built from them do.
* Covered month. An employment of the person at W covers M when it starts on or before M's last day and
  is open or ends on or after M's first day. A covered row creates nothing.
* New employment. A row of an uncovered month creates one: start = DSW_SDATE (else M's first day),
  end = DSW_EDATE (else open). An employment that ended before M (a return to the same workshop) is
  not re-opened: no rule found says so, and the lists report a return as a new hire with its own
  DSW_SDATE (rules.md §3.1: start and leaving of each worker are reported in the list), so the break
  stays in the record. If the person already has a later employment at W (a late list for an earlier
  month), the new one ends the day before that one starts, so employments never overlap.
* Closing. A row with a leaving date closes the open employment(s) covering M that started on or
  before that date: the only change ever made to an employment entered by staff. Start dates, ended
  employments, job codes and `hard_job` (a certification, never taken from a list) are not changed.
* Order. Rows are taken in the order of `list_ids`, then by row number: the same outcome as syncing
  the lists one after another. Most pairs (person, workshop) have one row per call and are decided
  with numpy over columns; a pair with several rows in one call (several months in one batch, a
  supplementary list, a worker twice in a list) is walked row by row, which is the same rule spelled
  out.
* Idempotent. A second sync of the same lists finds every month covered and every leaving date applied.
* Corrected list (اصلاحی, version > 1, rows replaced in place). Employments of earlier months stay as
  they are. An employment is removed when the corrected list no longer carries the person and it is
  one that only the withdrawn rows can have made: it is at W, starts within M, is not `hard_job`, was
  not entered by staff (no `employment.start` audit entry) and no row of any posted list of W, in any
  month it spans, supports it. A leaving date the withdrawn rows applied stays (the employment model
  keeps no record of who set an end date); staff correct it by hand.

Rows are read back from the database, or taken from memory when `batch.post_batch` passes the lists it
has just written. Existing employments are fetched by the rows' persons in one query. Writes are
set-based: new employments by one bulk insert (ids reserved first, so the audit entry names them),
closings by one UPDATE (SQLite: one per leaving date), removals by one delete; one audit entry per call
that changed something (`employment.from_lists`) with the counts, the synced list ids, the created id
ranges, the closed ids and the removed rows (a call that changes nothing writes nothing, the audit
entry included).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from tamin.audit.models import AuditEntry
from tamin.audit.services import record, snapshot
from tamin.contributions.models import ROW_TEXT_COLUMNS, ContributionList, ListRow
from tamin.core.jalali import InvalidJalaliDate, JalaliMonth, parse_jalali_date
from tamin.registry.models import Employment

if TYPE_CHECKING:
    from tamin.contributions.batch import BatchItem

_CHUNK = 5000  # ids per IN (...) query
OPEN = np.iinfo(np.int64).max  # end ordinal of an open employment
NONE = -1  # no usable date
WORKSHOP_LOCK = 7354005  # advisory lock class: employments of one workshop (PostgreSQL)
AUDIT_ACTION = "employment.from_lists"
STAFF_ACTION = "employment.start"  # registry.services.employments.start_employment


@dataclass(frozen=True)
class EmploymentChanges:
    created: int = 0
    closed: int = 0
    removed: int = 0
    rows: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.closed or self.removed)

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "closed": self.closed, "removed": self.removed}


@dataclass
class _Rows:
    """The rows to sync as columns, in sync order (list position, row number). Dates are ordinals."""

    person: np.ndarray
    workshop: np.ndarray
    first: np.ndarray  # the month's first day
    last: np.ndarray  # the month's last day
    start: np.ndarray  # DSW_SDATE inside the month, else the first day
    end: np.ndarray  # DSW_EDATE inside the month and not before the start, else NONE
    job_code: np.ndarray
    job_title: np.ndarray

    @property
    def n(self) -> int:
        return int(self.person.size)


@dataclass
class _Jobs:
    """Existing employments of the rows' (person, workshop) pairs, as columns."""

    id: np.ndarray
    person: np.ndarray
    workshop: np.ndarray
    start: np.ndarray
    end: np.ndarray  # OPEN when open

    def take(self, keep: np.ndarray) -> _Jobs:
        return _Jobs(self.id[keep], self.person[keep], self.workshop[keep], self.start[keep], self.end[keep])


def sync_from_lists(
    actor: Any, list_ids: Sequence[int], items: Sequence[BatchItem] | None = None
) -> EmploymentChanges:
    """Create, close (and for corrected lists remove) employments from the rows of the posted lists
    `list_ids`, as the module docstring says. Runs in (or as) one transaction; a few queries per
    5,000 lists whatever their size.

    `items`: the new lists just written as `list_ids` (one each, in that order, version 1), as
    `batch.post_batch` holds them: their rows are taken from memory, exactly as `batch._write_rows`
    stored them, rather than read back (at a month's 60,000 rows per batch, reading them back was
    most of the sync)."""
    ids = list(dict.fromkeys(int(i) for i in list_ids))
    if not ids:
        return EmploymentChanges()
    if items is not None and len(items) != len(ids):
        raise ValueError(f"items must hold the {len(ids)} lists of list_ids, in order")
    with transaction.atomic():
        if items is None:
            lists = _read_lists(ids)
            rows = _read_rows(ids, lists)
            # Lists a correction has replaced (rows replaced in place, version + 1).
            corrected = [(pk, w, y, m) for pk, (w, y, m, version) in lists.items() if version > 1]
        else:
            rows = _rows_of_items(items)
            corrected = []  # new lists: nothing withdrawn
        _lock_workshops(sorted({*rows.workshop.tolist(), *(c[1] for c in corrected)}))
        jobs = _read_jobs(rows)
        removed = _withdrawn(corrected) if corrected else []
        if removed:
            gone = np.isin(jobs.id, np.fromiter((e.pk for e in removed), dtype=np.int64))
            jobs = jobs.take(~gone)
        decision = _decide(rows, jobs)
        removed_snapshots = [snapshot(e) for e in removed]
        if removed:
            Employment.objects.filter(pk__in=[e.pk for e in removed]).delete()
        created_ids = _insert(decision, rows)
        _close(decision.closes)
        closes = decision.closes
        changes = EmploymentChanges(len(created_ids), len(closes), len(removed), rows.n)
        if changes.changed:
            after = {
                "lists": len(ids),
                "list_ids": _ranges(np.array(ids, dtype=np.int64)),
                **changes.as_dict(),
                "created_ids": _ranges(created_ids),
                "closed_ids": sorted(closes),
            }
            record(
                actor,
                AUDIT_ACTION,
                object_type=Employment._meta.label_lower,
                object_id="",  # many employments: `after` names them
                before={"removed": removed_snapshots} if removed_snapshots else None,
                after=after,
            )
    return changes


# --- reading -----------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _in(column: str, chunk: Sequence[int]) -> tuple[str, list[Any]]:
    """`column IN (chunk)` for raw SQL: one array parameter on PostgreSQL (psycopg spends ~30 ms
    splitting a query text with 5,000 placeholders), placeholders on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(chunk)]
    return f"{column} IN ({', '.join(['%s'] * len(chunk))})", list(chunk)


def _ordinals(texts: np.ndarray) -> np.ndarray:
    """Each Jalali date text as a Gregorian ordinal, NONE when empty or unreadable. Parsed once per
    distinct text (a month's lists hold a few hundred distinct dates)."""
    if texts.size == 0:
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(texts.astype(str), return_inverse=True)
    values = np.array([_ordinal(t) for t in distinct.tolist()], dtype=np.int64)
    return values[inverse.reshape(-1)]


def _ordinal(text: str) -> int:
    text = text.strip()
    if not text.strip("0"):  # blank, or the 0 some generators write for "no date"
        return NONE
    try:
        return parse_jalali_date(text, "DSW_SDATE").toordinal()
    except InvalidJalaliDate:
        return NONE


def _read_lists(ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """list id → (workshop, year, month, version)."""
    table = connection.ops.quote_name(ContributionList._meta.db_table)
    out: dict[int, tuple[int, int, int, int]] = {}
    with connection.cursor() as cur:
        for chunk in _chunks(ids):
            where, params = _in("id", chunk)
            cur.execute(f"SELECT id, workshop_id, year, month, version FROM {table} WHERE {where}", params)
            out.update((pk, (w, y, m, v)) for pk, w, y, m, v in cur.fetchall())
    return out


def _read_rows(ids: list[int], lists: dict[int, tuple[int, int, int, int]]) -> _Rows:
    """The lists' rows in sync order. Raw SQL and numpy: at 60,000 rows the ORM's per-value work
    would be most of the sync's cost."""
    table = connection.ops.quote_name(ListRow._meta.db_table)
    raw: list[tuple[Any, ...]] = []
    with connection.cursor() as cur:
        for chunk in _chunks(ids):
            where, params = _in("contribution_list_id", chunk)
            cur.execute(
                "SELECT contribution_list_id, row_no, person_id, start_date, end_date, job_code, job_title "
                f"FROM {table} WHERE {where}",
                params,
            )
            raw.extend(cur.fetchall())
    if not raw:
        empty, text = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        return _build_rows(empty, empty, empty, text, text, text, text, [], [])
    cols = list(zip(*raw, strict=True))
    # Each row's list as its place in `ids` (every row's list is among `lists`, read from `ids`).
    known = np.array(sorted(lists), dtype=np.int64)
    places = {pk: i for i, pk in enumerate(ids)}
    known_place = np.array([places[pk] for pk in known.tolist()], dtype=np.int64)
    list_place = known_place[np.searchsorted(known, np.array(cols[0], dtype=np.int64))]
    meta = [lists.get(pk, (0, 1403, 1, 1)) for pk in ids]  # an id with no list has no rows: any month
    return _build_rows(
        list_place,
        np.array(cols[1], dtype=np.int64),
        np.array(cols[2], dtype=np.int64),
        np.array(cols[3], dtype=object),
        np.array(cols[4], dtype=object),
        np.array(cols[5], dtype=object),
        np.array(cols[6], dtype=object),
        [w for w, _, _, _ in meta],
        [JalaliMonth(y, m) for _, y, m, _ in meta],
    )


def _rows_of_items(items: Sequence[BatchItem]) -> _Rows:
    """The rows of lists about to be synced, from memory: the columns `batch._write_rows` wrote, cut to
    the widths it cut them to, so that they are the rows `_read_rows` would read back."""
    from tamin.contributions import batch, posting

    widths = {f.attname: f.max_length for f in ListRow._meta.concrete_fields if f.max_length}
    sizes = np.array([it.wl.n for it in items], dtype=np.int64)
    total = int(sizes.sum())
    if total == 0:
        empty, text = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        return _build_rows(empty, empty, empty, text, text, text, text, [], [])
    starts = np.concatenate([[0], np.cumsum(sizes)])[:-1]
    text = {
        column: posting._text(np.concatenate([it.wl.column(dbf) for it in items]), widths[column])
        for column, dbf in ROW_TEXT_COLUMNS
        if column in ("start_date", "end_date", "job_code", "job_title")
    }
    return _build_rows(
        np.repeat(np.arange(len(items), dtype=np.int64), sizes),
        np.arange(1, total + 1, dtype=np.int64) - np.repeat(starts, sizes),
        np.concatenate([np.asarray(it.person_ids, dtype=np.int64) for it in items]),
        text["start_date"],
        text["end_date"],
        text["job_code"],
        text["job_title"],
        [it.workshop.pk for it in items],
        [batch._month(it.wl) for it in items],
    )


def _build_rows(
    list_place: np.ndarray,
    row_no: np.ndarray,
    person: np.ndarray,
    sdate: np.ndarray,
    edate: np.ndarray,
    job_code: np.ndarray,
    job_title: np.ndarray,
    workshops: Sequence[int],
    months: Sequence[JalaliMonth],
) -> _Rows:
    """Rows as columns (each row's list given by its place in the synced list ids, whose workshops and
    months follow) put in sync order, their dates parsed and bounded to the month."""
    l_workshop = np.array(workshops, dtype=np.int64)
    l_first = np.array([m.first_day().toordinal() for m in months], dtype=np.int64)
    l_last = np.array([m.last_day().toordinal() for m in months], dtype=np.int64)
    order = np.lexsort((row_no, list_place))
    at = list_place[order]
    first, last = l_first[at], l_last[at]
    s_ord = _ordinals(sdate[order])
    e_ord = _ordinals(edate[order])
    start = np.where((s_ord >= first) & (s_ord <= last), s_ord, first)
    e_ok = (e_ord >= first) & (e_ord <= last) & (e_ord >= start)
    return _Rows(
        person=person[order],
        workshop=l_workshop[at],
        first=first,
        last=last,
        start=start,
        end=np.where(e_ok, e_ord, NONE),
        job_code=job_code[order],
        job_title=job_title[order],
    )


def _read_jobs(rows: _Rows) -> _Jobs:
    """The employments of every (person, workshop) pair of the rows: one query by the rows' persons (one
    array parameter: PostgreSQL `= ANY`, SQLite `json_each`), kept to the rows' pairs by numpy. Dates
    come back as Gregorian ordinals computed by the database (NONE for an open end), so that every
    column is an integer and the result is one numpy conversion, with no date object per value (in a
    month where most rows are covered, the employments read are as many as the rows)."""
    empty = np.zeros(0, dtype=np.int64)
    if rows.n == 0:
        return _Jobs(empty, empty, empty, empty, empty)
    persons = np.unique(rows.person).tolist()
    table = connection.ops.quote_name(Employment._meta.db_table)
    if connection.vendor == "postgresql":
        wanted, param = "= ANY(%s::bigint[])", "{" + ",".join(map(str, persons)) + "}"
        start, end = (f"{c} - DATE '0001-01-01' + 1" for c in ("start_date", "end_date"))
    else:
        wanted, param = "IN (SELECT value FROM json_each(%s))", json.dumps(persons)
        # julianday is 1721425.5 at 0001-01-01 (ordinal 1) and exact in a double for whole days.
        start, end = (f"CAST(julianday({c}) - 1721424.5 AS INTEGER)" for c in ("start_date", "end_date"))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, person_id, workshop_id, {start}, COALESCE({end}, %s) FROM {table} "
            f"WHERE person_id {wanted}",
            [NONE, param],
        )
        found = np.array(cur.fetchall(), dtype=np.int64).reshape(-1, 5)
    mine = np.isin(_keys(found[:, 1], found[:, 2]), np.unique(_keys(rows.person, rows.workshop)))
    found = found[mine]
    found = found[np.argsort(found[:, 0])]  # in id order, as the walk takes a pair's employments
    return _Jobs(
        id=found[:, 0].copy(),
        person=found[:, 1].copy(),
        workshop=found[:, 2].copy(),
        start=found[:, 3].copy(),
        end=np.where(found[:, 4] == NONE, OPEN, found[:, 4]),
    )


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _lock_workshops(workshops: list[int]) -> None:
    # Two posts for the same workshop (other months or list numbers) must not both find a worker
    # uncovered and both create an employment. SQLite writers are already serialised.
    if connection.vendor != "postgresql" or not workshops:
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(%s, w) FROM unnest(%s::int[]) AS w ORDER BY w",
            [WORKSHOP_LOCK, workshops],
        )


# --- deciding ----------------------------------------------------------------------------------------


@dataclass
class _Decision:
    """What a sync does: new employments as columns (the row that opens each, its start and end, OPEN
    when open) and closings (employment id → end ordinal)."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    closes: dict[int, int]

    @classmethod
    def none(cls) -> _Decision:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, {})


def _keys(person: np.ndarray, workshop: np.ndarray) -> np.ndarray:
    return (person.astype(np.int64) << 31) | workshop.astype(np.int64)


def _decide(rows: _Rows, jobs: _Jobs) -> _Decision:
    if rows.n == 0:
        return _Decision.none()
    key = _keys(rows.person, rows.workshop)
    _, pair, count = np.unique(key, return_inverse=True, return_counts=True)
    single = count[pair.reshape(-1)] == 1
    one = _decide_single(rows, np.flatnonzero(single), key, jobs)
    more = np.flatnonzero(~single)
    if more.size == 0:
        return one
    walk = _decide_walk(rows, more, key, jobs)
    row = np.concatenate([one.row, walk.row])
    order = np.argsort(row, kind="stable")
    return _Decision(
        row[order],
        np.concatenate([one.start, walk.start])[order],
        np.concatenate([one.end, walk.end])[order],
        {**one.closes, **walk.closes},
    )


def _decide_single(rows: _Rows, pick: np.ndarray, key: np.ndarray, jobs: _Jobs) -> _Decision:
    """Rows alone in their pair in this call, over columns."""
    if pick.size == 0:
        return _Decision.none()
    k = key[pick]
    order = np.argsort(k)
    sk = k[order]
    jk = _keys(jobs.person, jobs.workshop)
    at = np.minimum(np.searchsorted(sk, jk), sk.size - 1)
    mine = sk[at] == jk  # employments of these pairs
    jr = order[at[mine]]  # → index into pick
    j_start, j_end, j_id = jobs.start[mine], jobs.end[mine], jobs.id[mine]
    first, last = rows.first[pick], rows.last[pick]
    start, end = rows.start[pick], rows.end[pick]
    covers = (j_start <= last[jr]) & (j_end >= first[jr])
    covered = np.bincount(jr[covers], minlength=pick.size) > 0
    row_end = end[jr]
    shut = covers & (j_end == OPEN) & (row_end != NONE) & (j_start <= row_end)
    closes = dict(zip(j_id[shut].tolist(), row_end[shut].tolist(), strict=True))
    # A later employment of the pair (possible only with a late list) bounds the new one.
    nxt = np.full(pick.size, OPEN, dtype=np.int64)
    later = j_start > last[jr]
    np.minimum.at(nxt, jr[later], j_start[later])
    create = np.flatnonzero(~covered)
    new_end = np.where(end[create] == NONE, OPEN, end[create])
    new_end = np.minimum(new_end, np.where(nxt[create] == OPEN, OPEN, nxt[create] - 1))
    return _Decision(pick[create], start[create], new_end, closes)


def _decide_walk(rows: _Rows, pick: np.ndarray, key: np.ndarray, jobs: _Jobs) -> _Decision:
    """Pairs with several rows in this call: the rule applied row after row, in sync order."""
    jk = _keys(jobs.person, jobs.workshop)
    wanted = np.isin(jk, np.unique(key[pick]))
    # [start, end, employment id or None, index into `made` or None] per employment of each pair
    state: dict[int, list[list[Any]]] = {}
    for kk, s, e, pk in zip(
        jk[wanted].tolist(), jobs.start[wanted].tolist(), jobs.end[wanted].tolist(), jobs.id[wanted].tolist(),
        strict=True,
    ):  # fmt: skip
        state.setdefault(kk, []).append([s, e, pk, None])
    made: list[list[int]] = []  # [row, start, end]
    closes: dict[int, int] = {}
    cols = zip(
        pick.tolist(), key[pick].tolist(), rows.first[pick].tolist(), rows.last[pick].tolist(),
        rows.start[pick].tolist(), rows.end[pick].tolist(), strict=True,
    )  # fmt: skip
    for r, kk, first, last, start, end in cols:
        held = state.setdefault(kk, [])
        covering = [j for j in held if j[0] <= last and j[1] >= first]
        if covering:
            if end != NONE:
                for j in covering:
                    if j[1] == OPEN and j[0] <= end:
                        j[1] = end
                        if j[2] is not None:
                            closes[j[2]] = end
                        else:
                            made[j[3]][2] = end
            continue
        stop = OPEN if end == NONE else end
        nxt = min((j[0] for j in held if j[0] > last), default=OPEN)
        if nxt != OPEN:
            stop = min(stop, nxt - 1)
        made.append([r, start, stop])
        held.append([start, stop, None, len(made) - 1])
    cols_made = np.array(made, dtype=np.int64).reshape(-1, 3)
    return _Decision(cols_made[:, 0], cols_made[:, 1], cols_made[:, 2], closes)


def _withdrawn(corrected: list[tuple[int, int, int, int]]) -> list[Employment]:
    """Employments that only rows a correction withdrew can have made (module docstring)."""
    spans = {(w, y, m): JalaliMonth(y, m) for _, w, y, m in corrected}
    listed: set[tuple[int, int, int, int]] = set()  # (workshop, year, month, person)
    where = Q()
    for w, y, m in spans:
        where |= Q(contribution_list__workshop_id=w, contribution_list__year=y, contribution_list__month=m)
    for w, y, m, p in ListRow.objects.filter(where).values_list(
        "contribution_list__workshop_id", "contribution_list__year", "contribution_list__month", "person_id"
    ):
        listed.add((w, y, m, p))
    starts = Q()
    for (w, _, _), month in spans.items():
        starts |= Q(workshop_id=w, start_date__gte=month.first_day(), start_date__lte=month.last_day())
    candidates = [
        e
        for e in Employment.objects.filter(starts, hard_job=False).order_by("id")
        if any(
            (e.workshop_id, y, m, e.person_id) not in listed and month.contains(e.start_date)
            for (w, y, m), month in spans.items()
            if w == e.workshop_id
        )
    ]
    if not candidates:
        return []
    staff = set(
        AuditEntry.objects.filter(
            object_type=Employment._meta.label_lower,
            action=STAFF_ACTION,
            object_id__in=[str(e.pk) for e in candidates],
        ).values_list("object_id", flat=True)
    )
    candidates = [e for e in candidates if str(e.pk) not in staff]
    if not candidates:
        return []
    months: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for p, w, y, m in (
        ListRow.objects.filter(
            person_id__in={e.person_id for e in candidates},
            contribution_list__workshop_id__in={e.workshop_id for e in candidates},
        )
        .values_list(
            "person_id",
            "contribution_list__workshop_id",
            "contribution_list__year",
            "contribution_list__month",
        )
        .distinct()
    ):
        months.setdefault((p, w), set()).add((y, m))

    def supported(e: Employment) -> bool:
        for y, m in months.get((e.person_id, e.workshop_id), ()):
            month = JalaliMonth(y, m)
            if e.start_date <= month.last_day() and (e.end_date is None or e.end_date >= month.first_day()):
                return True
        return False

    return [e for e in candidates if not supported(e)]


# --- writing -----------------------------------------------------------------------------------------


def _insert(new: _Decision, rows: _Rows) -> np.ndarray:
    """Insert the new employments (open ones without an end date column, so it is NULL); their ids."""
    n = int(new.row.size)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    from tamin.contributions.posting import bulk_insert

    code_width = Employment._meta.get_field("job_code").max_length
    title_width = Employment._meta.get_field("job_title").max_length
    ids = _reserve(n)
    r = new.row
    cols: dict[str, np.ndarray] = {
        "id": ids,
        "person_id": rows.person[r],
        "workshop_id": rows.workshop[r],
        "start_date": _iso(new.start),
        "end_date": _iso(np.where(new.end == OPEN, new.start, new.end)),
        "job_code": np.strings.strip(rows.job_code[r].astype(str)).astype(f"<U{code_width}"),
        "job_title": np.strings.strip(rows.job_title[r].astype(str)).astype(f"<U{title_width}"),
        "hard_job": np.zeros(n, dtype=bool),
    }
    is_open = new.end == OPEN
    for part, ended in ((~is_open, True), (is_open, False)):
        if part.any():
            chosen = cols if part.all() else {k: v[part] for k, v in cols.items()}
            bulk_insert(
                Employment._meta.db_table, {k: v for k, v in chosen.items() if ended or k != "end_date"}
            )
    return ids


def _reserve(n: int) -> np.ndarray:
    """n ids for new employments. PostgreSQL: n values of the identity sequence drawn in one statement
    that returns only their range (fetching 60,000 values costs ~1 s); they are contiguous unless another
    session drew from the sequence meanwhile, and then they are drawn again one by one (the first range
    is left unused: a gap, nothing more)."""
    from tamin.contributions.batch import _reserve_ids

    if connection.vendor != "postgresql":
        return _reserve_ids(Employment, n)
    with connection.cursor() as cur:
        # The sequence looked up once (an InitPlan) and passed as a regclass: nextval of a name looked up
        # per value (pg_get_serial_sequence is only stable) cost 8x the drawing itself.
        cur.execute(
            "SELECT min(v), max(v) FROM (SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id')::regclass))"
            " AS v FROM generate_series(1, %s)) s",
            [Employment._meta.db_table, n],
        )
        low, high = cur.fetchone()
    if high - low + 1 == n:
        return np.arange(low, high + 1, dtype=np.int64)
    return _reserve_ids(Employment, n)


def _iso(ordinals: np.ndarray) -> np.ndarray:
    # Gregorian ISO text from ordinals without a Python date per row: datetime64 counts from 1970-01-01.
    return np.datetime_as_string((ordinals - _EPOCH).astype("datetime64[D]"), unit="D")


def _close(closes: dict[int, int]) -> None:
    """PostgreSQL: one UPDATE from the (id, date) pairs as two array parameters. SQLite (no round trips):
    one UPDATE per leaving date (a month's leavers share a few dozen dates) and chunk of ids."""
    if not closes:
        return
    if connection.vendor == "postgresql":
        pks = sorted(closes)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {connection.ops.quote_name(Employment._meta.db_table)} AS e SET end_date = v.day"
                " FROM unnest(%s::bigint[], %s::date[]) AS v(id, day)"
                " WHERE e.id = v.id AND e.end_date IS NULL",
                [pks, [dt.date.fromordinal(closes[pk]) for pk in pks]],
            )
        return
    by_day: dict[int, list[int]] = {}
    for pk, end in closes.items():
        by_day.setdefault(end, []).append(pk)
    for end, pks in sorted(by_day.items()):
        pks.sort()
        for chunk in _chunks(pks):
            Employment.objects.filter(pk__in=chunk, end_date__isnull=True).update(
                end_date=dt.date.fromordinal(end)
            )


def _ranges(ids: np.ndarray) -> list[list[int]]:
    """Sorted ids as [first, last] runs of consecutive ids."""
    if ids.size == 0:
        return []
    s = np.sort(ids)
    breaks = np.flatnonzero(np.diff(s) != 1)
    firsts = np.r_[s[0], s[breaks + 1]]
    lasts = np.r_[s[breaks], s[-1]]
    return [[int(a), int(b)] for a, b in zip(firsts, lasts, strict=True)]
