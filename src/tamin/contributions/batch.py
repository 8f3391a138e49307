"""Posting many checked, priced wage lists in one transaction: a national month in minutes, not hours.

`posting.post_list` is one transaction and ~28 queries per list; most lists have 1–5 workers, so a
month of 100,000 lists spends its time on per-list round trips. `post_batch` posts a batch (e.g. 5,000
lists) with the same meaning, set-based:

* one look-up of every list already posted for the batch's workshop-months, then, in batch order, the
  same decisions as posting lists one after another: same key and content hash → `unchanged`; a new
  key → `posted`, or `supplementary` when its workshop-month already has a list (in the database or
  earlier in the batch); same key, other content → a correction, handed to `posting.post_list` inside
  the batch's transaction after the new lists are written (corrections are few; their statuses
  depend only on their own key, so running them after the new lists changes no outcome);
* list headers, rows, bills and one audit entry per list written with one COPY (PostgreSQL) /
  executemany (SQLite) each (the rows are the history months: records.HistoryMonth is a view over
  them); list ids reserved first (`nextval` over the identity sequence on PostgreSQL,
  the range above the table's highest id on SQLite, whose writers are serialised by BEGIN IMMEDIATE);
* the rows' persons checked in one query (`posting.check_persons`): ListRow has no
  database foreign keys, whose row-by-row checks cost a month more than writing its rows (ListRow);
* the derivation's shared part (the month's parameters and their citations, ≈ 3.5 KB) stored once per
  month as a PricingBasis, each list keeping its own part (`posting.derivation_fields`);
* the audit chain extended in Python under the audit service's own lock (`audit.services._lock_chain`):
  each entry's hash is `audit.services.entry_hash` of its fields and the previous entry's hash, so
  `tamin audit verify` checks a batch like any other write;
* all or nothing: any failure rolls the whole batch back.

Concurrency (PostgreSQL): a batch holds an advisory lock (`posting.BATCH_LOCK`) exclusively, and each
`post_list` holds it shared: batches are serialised, and a single post waits for a batch in progress
(and a batch for the single posts in progress), so both see what the other posted — a list sent both
ways is posted once and `unchanged` the second time. SQLite serialises all writers (BEGIN IMMEDIATE).

`import_batch` is `transfer.import_list` for many lists: workshops and persons looked up in bulk,
lists checked and priced together (`batch_check.check_batch`), unknown persons registered in bulk —
with the outcomes of importing the lists one by one in the same order.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tamin.accounts import scope
from tamin.audit import services as audit
from tamin.audit.models import AuditEntry
from tamin.contributions import billing, posting
from tamin.contributions.models import (
    ROW_NUMBER_COLUMNS,
    ROW_PRICE_COLUMNS,
    ROW_TEXT_COLUMNS,
    Bill,
    ContributionList,
    ListRow,
    ListStatus,
)
from tamin.contributions.wagelist import WageList, full_year
from tamin.core import jalali
from tamin.core.errors import DomainError, Forbidden
from tamin.core.jalali import JalaliMonth
from tamin.registry.models import Workshop

DEFAULT_BATCH = 5000  # lists per transaction
_CHUNK = 5000  # ids per IN (...) query

# Called inside the batch's transaction once the rows are written, before bills and audit
# (tests inject a failure here to check that nothing of the batch is left).
after_rows_hook: Callable[[list[int]], None] | None = None


@dataclass(frozen=True)
class BatchItem:
    """One checked, priced list to post, as `posting.post_list` takes it."""

    wl: WageList
    price: posting.Price
    workshop: Workshop
    person_ids: np.ndarray
    hard_job: np.ndarray | None = None
    derivation: dict[str, Any] | None = None
    extra_audit: dict[str, Any] | None = None


@dataclass(frozen=True)
class BatchResult:
    """What `PostResult.as_dict` says, without building model instances for every list."""

    status: str
    list_id: int
    bill: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "list_id": self.list_id, "bill": self.bill}


@dataclass
class _Plan:
    new: list[int] = field(default_factory=list)  # item indexes written set-based
    statuses: dict[int, str] = field(default_factory=dict)
    corrections: list[int] = field(default_factory=list)


def _require_importer_batch(actor: Any, workshop_ids: Sequence[int]) -> None:
    role = getattr(actor, "role", None) if getattr(actor, "is_authenticated", False) else None
    if role not in posting.IMPORTERS or not getattr(actor, "is_active", False):
        raise Forbidden("auth.forbidden", "شما اجازهٔ ثبت لیست بیمه را ندارید.")
    ids = sorted(set(workshop_ids))
    if not ids:
        return
    allowed = set(scope.workshops(actor).filter(_id_in(Workshop, ids)).values_list("pk", flat=True))
    if len(allowed) != len(ids):
        raise Forbidden("auth.out_of_scope", "این کارگاه در حوزهٔ دسترسی شما نیست.", "DSK_ID")


def _id_in(model: type, ids: list[int]) -> RawSQL:
    """`pk__in=ids` as one parameter (the ORM prepares 5,000 ids value by value, which cost more than
    the query), probed in the primary key as posting.check_persons does."""
    text = ",".join(map(str, ids))
    qn = connection.ops.quote_name
    pk = f"{qn(model._meta.db_table)}.{qn(model._meta.pk.column)}"
    if connection.vendor == "postgresql":
        return RawSQL(f"{pk} = ANY(%s::bigint[])", ["{" + text + "}"], output_field=BooleanField())
    return RawSQL(
        f"{pk} IN (SELECT value FROM json_each(%s))", ["[" + text + "]"], output_field=BooleanField()
    )


def _existing(keys: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, int, str, str]]:
    """(id, workshop, year, month, list_no, content_hash) of every list of the keys' workshop-months."""
    if not keys:
        return []
    wsm = {k[:3] for k in keys}
    workshops = sorted({k[0] for k in keys})
    years = sorted({k[1] for k in keys})
    months = sorted({k[2] for k in keys})
    table = connection.ops.quote_name(ContributionList._meta.db_table)
    # The workshops as one array parameter probed in the key's index (an IN subquery of unnest was
    # planned as a scan re-reading the array for every list of the table: seconds per batch).
    if connection.vendor == "postgresql":
        where = "workshop_id = ANY(%s::bigint[])"
        listed = "{" + ",".join(map(str, workshops)) + "}"
    else:
        where = "workshop_id IN (SELECT value FROM json_each(%s))"
        listed = json.dumps(workshops)
    in_years, in_months = (", ".join(str(int(x)) for x in v) for v in (years, months))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, workshop_id, year, month, list_no, content_hash FROM {table}"
            f" WHERE {where} AND year IN ({in_years}) AND month IN ({in_months})",
            [listed],
        )
        rows = cur.fetchall()
    return [tuple(r) for r in rows if tuple(r[1:4]) in wsm]


def _plan(
    keys: list[tuple[int, int, int, str]], digests: list[str]
) -> tuple[_Plan, dict[tuple[int, int, int, str], int]]:
    """The status of every item as if the items were posted one after another, in order."""
    plan = _Plan()
    existing = _existing(keys)
    state: dict[tuple[int, int, int, str], str] = {}
    db_id: dict[tuple[int, int, int, str], int] = {}
    months_with_lists: set[tuple[int, int, int]] = set()
    for pk, ws, y, mo, no, digest in existing:
        state[(ws, y, mo, no)] = digest
        db_id[(ws, y, mo, no)] = pk
        months_with_lists.add((ws, y, mo))
    for i, (key, digest) in enumerate(zip(keys, digests, strict=True)):
        if key not in state:
            plan.new.append(i)
            supplementary = key[:3] in months_with_lists
            plan.statuses[i] = ListStatus.SUPPLEMENTARY.value if supplementary else ListStatus.POSTED.value
            months_with_lists.add(key[:3])
        elif state[key] == digest:
            plan.statuses[i] = "unchanged"
        else:
            plan.corrections.append(i)
            plan.statuses[i] = ListStatus.CORRECTED.value
        state[key] = digest
    return plan, db_id


# --- ids, stamps, JSON -------------------------------------------------------------------------------


def _reserve_ids(model: type, n: int) -> np.ndarray:
    """n ids for rows about to be inserted with explicit ids."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The sequence looked up once per statement, not once per id (8× faster for a batch).
            cur.execute(
                "SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id'))::regclass)"
                " FROM generate_series(1, %s)",
                [table, n],
            )
            return np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the range is ours; the
        # AUTOINCREMENT counter may be above the highest id left (ids of deleted rows are not reused).
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        top = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        top = max(top, cur.fetchone()[0])
    return np.arange(top + 1, top + 1 + n, dtype=np.int64)


def _stamp(at: dt.datetime) -> str:
    # What Django itself writes: aware ISO on PostgreSQL, naive UTC on SQLite.
    if connection.vendor == "postgresql":
        return at.isoformat()
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


# What json.dumps(value, ensure_ascii=False) and the audit's canonical json.dumps give, with the encoders
# made once: json.dumps builds a new encoder for every call with options, ~⅓ of a small document's cost.
_JSON = json.JSONEncoder(ensure_ascii=False)
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _JSON.encode(value)


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


_ENCODE_STR = json.encoder.encode_basestring  # what both encoders above write for a str (no ASCII escaping)


def _json_texts(values: list[Any], encode: Callable[[Any], str]) -> list[str]:
    """`encode(v)` for every value: a column of exact ints, of strs or of Nones (what the batch's
    documents hold) is turned into JSON text in C, as the encoders write them; anything else by
    `encode` itself."""
    kinds = set(map(type, values))
    if kinds <= {int}:
        return list(map(int.__repr__, values))
    if kinds <= {str}:
        return list(map(_ENCODE_STR, values))
    if kinds <= {type(None)}:
        return ["null"] * len(values)
    return list(map(encode, values))


def _object_parts(keys: Sequence[str], item: str, sep: str) -> list[str]:
    """A JSON object's text around its values (one more part than keys), for `_fill`."""
    names = [_ENCODE_STR(k) + item for k in keys]
    return ["{" + names[0], *(sep + name for name in names[1:]), "}"] if names else ["{}"]


def _fill(parts: list[str], columns: Sequence[list[str]], n: int) -> list[str]:
    """parts[0] + columns[0][i] + parts[1] + … + parts[-1] for i < n, joined in C (`str.format` parses
    its template again at every call: 5 µs for a header)."""
    pieces: list[Any] = []
    for part, column in zip(parts, columns, strict=False):
        pieces += [itertools.repeat(part, n), column]
    pieces.append(itertools.repeat(parts[-1], n))
    return list(map("".join, zip(*pieces, strict=False)))


def _insert(model: type, cols: dict[str, np.ndarray]) -> None:
    """bulk_insert (columns by database name), with the model's default for every column not given
    (Django defaults live in Python, not in the table, so a bare INSERT would leave them NULL)."""
    n = len(next(iter(cols.values())))
    for f in model._meta.concrete_fields:
        if f.column in cols or not f.has_default() or f.primary_key:
            continue
        value = f.get_default()
        if isinstance(value, bool | int):
            cols[f.column] = np.full(n, value, dtype=bool if isinstance(value, bool) else np.int64)
        elif isinstance(value, str):
            cols[f.column] = np.full(n, value)
        elif isinstance(value, dict | list):
            cols[f.column] = np.full(n, _json(value))
    posting.bulk_insert(model._meta.db_table, cols)


@functools.lru_cache(maxsize=256)
def _month_of(yy: int, mm: int) -> JalaliMonth:
    return JalaliMonth(full_year(yy), mm)


def _month(wl: WageList) -> JalaliMonth:
    """wl.month, built once per distinct DSK_YY/DSK_MM rather than once per use."""
    return _month_of(int(wl.header.get("DSK_YY", 0)), int(wl.header.get("DSK_MM", 0)))


def content_hashes(wls: Sequence[WageList]) -> list[str]:
    """posting.content_hash of every list, byte for byte. Lists whose fields convert alike (lists read
    by one reader, whatever the widths of their text columns) share the work that depends on the
    fields only: the sorted order, the labels, each column's conversion, the header's template; each
    list's bytes are then made by C-level calls over its columns (`map`, `zip`, `bytes.join`), no
    Python per column. The columns are read list by list: a list's arrays are scattered in memory, and
    reading them column by column (to concatenate or convert a batch's column at once) reads every
    array from memory twice, which cost more than the conversions it saved."""
    out: list[str] = [""] * len(wls)
    exact: dict[tuple[Any, ...], list[int]] = {}
    dtype_of = operator.attrgetter("dtype")
    for i, wl in enumerate(wls):
        key = (tuple(wl.rows), tuple(map(dtype_of, wl.rows.values())), tuple(wl.header))
        exact.setdefault(key, []).append(i)
    # The reader sizes a text column to its longest value: one group per layout, not per width.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for (names, dtypes, header_names), members in exact.items():
        groups.setdefault((names, tuple(map(_conversion, dtypes)), header_names), []).extend(members)
    sha, call, join, chained = hashlib.sha256, operator.call, b"".join, itertools.chain.from_iterable
    for (names, conversions, header_names), members in groups.items():
        convert_of = dict(zip(names, conversions, strict=True))
        order = sorted(names)
        labels = [name.encode() + b"\x1d" for name in order]
        convert = [convert_of[name] for name in order]
        heads = _hash_heads([wls[i].header for i in members], sorted(header_names))
        columns_of = _getter(order)
        for i, head in zip(members, heads, strict=True):
            data = join(chained(zip(labels, map(call, convert, columns_of(wls[i].rows)), strict=True)))
            out[i] = sha(head + data).hexdigest()
    return out


def _getter(keys: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of `keys`, as a tuple, in C (itemgetter of one key gives the value, not a tuple)."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    return lambda d: tuple(d[k] for k in keys)


def _int64_bytes(col: np.ndarray) -> bytes:
    return np.ascontiguousarray(col, dtype=np.int64).tobytes()


def _text_bytes(col: np.ndarray) -> bytes:
    return "\x1f".join(col.tolist()).encode()


def _conversion(dtype: np.dtype) -> Callable[[np.ndarray], bytes]:
    """What posting.content_hash hashes for a column of this type (the same function for every width
    of a text type, so that lists differing only in widths are one group)."""
    if dtype == np.int64:
        return np.ndarray.tobytes  # C order, as ascontiguousarray gives it
    if dtype.kind in "iub":
        return _int64_bytes
    return _text_bytes


_PLAIN_HEADER = frozenset({str, int, bool})  # types whose f"{value}" is "%s" % value


def _hash_heads(headers: list[dict[str, Any]], fields: list[str]) -> list[bytes]:
    """Each header's `name=value\x1e` in `fields` order, encoded. `%` formats a whole header in one
    C call; it is str(value), so it is used only when every value is of a type whose format() is str()."""
    parts = [f"{fields[0]}=", *(f"\x1e{name}=" for name in fields[1:]), "\x1e"] if fields else [""]
    values = list(map(_getter(fields), headers))
    if set(map(type, itertools.chain.from_iterable(values))) <= _PLAIN_HEADER:
        template = "%s".join(part.replace("%", "%%") for part in parts)
        return list(map(str.encode, map(template.__mod__, values)))
    texts = _fill(parts, [list(map(format, column)) for column in zip(*values, strict=True)], len(headers))
    return list(map(str.encode, texts))


def _concat(items: Sequence[BatchItem], name: str) -> np.ndarray:
    return np.concatenate([it.wl.column(name) for it in items])


# --- the batch ---------------------------------------------------------------------------------------


def post_batch(actor: Any, items: Sequence[BatchItem], *, today: dt.date | None = None) -> list[BatchResult]:
    """Post `items` (checked and priced lists) in one transaction, with the outcomes of calling
    `posting.post_list` for each in order. Raises (and writes nothing) if anything fails."""
    if not items:
        return []
    _require_importer_batch(actor, [it.workshop.pk for it in items])
    for it in items:
        if np.shape(it.person_ids) != (it.wl.n,):
            raise ValueError(f"person_ids must have the list's {it.wl.n} rows")
    keys = [(it.workshop.pk, _month(it.wl).year, _month(it.wl).month, it.wl.list_no.strip()) for it in items]
    digests = content_hashes([it.wl for it in items])
    today = today or jalali.today()
    results: dict[int, BatchResult] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [posting.BATCH_LOCK])
        plan, db_id = _plan(keys, digests)
        new = [items[i] for i in plan.new]
        list_ids = _reserve_ids(ContributionList, len(new)) if new else np.zeros(0, dtype=np.int64)
        key_id = dict(db_id)
        for i, pk in zip(plan.new, list_ids.tolist(), strict=True):
            key_id[keys[i]] = pk
        if new:
            # What the rows' person foreign keys would check row by row (they have none: ListRow).
            posting.check_persons(np.concatenate([np.asarray(it.person_ids, dtype=np.int64) for it in new]))
            now = timezone.now()
            totals = [posting._totals(it.price, it.wl) for it in new]
            _write_lists(actor, new, [plan.statuses[i] for i in plan.new], list_ids, digests, plan.new,
                         totals, now)  # fmt: skip
            _write_rows(new, list_ids)
            from tamin.contributions.employments import sync_from_lists  # employments uses bulk_insert

            sync_from_lists(actor, list_ids.tolist(), items=new)
            if after_rows_hook is not None:
                after_rows_hook(list_ids.tolist())
            bills = _write_bills(new, list_ids, totals, today, now)
            _write_audit(actor, new, [plan.statuses[i] for i in plan.new], list_ids, digests, plan.new,
                         totals, bills, now)  # fmt: skip
            for j, i in enumerate(plan.new):
                results[i] = BatchResult(plan.statuses[i], int(list_ids[j]), bills[j])
            if connection.vendor == "postgresql":
                # Check the deferred foreign keys of the batch's rows now rather than at the outer
                # commit: a violation fails post_batch itself, and its cost is counted where it arises.
                with connection.cursor() as cur:
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cur.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are deferred
        # Corrections, and the re-sent lists whose key a correction of this batch changes, in batch order
        # (the bill an `unchanged` reports is the one in force at its turn); other re-sent lists at once.
        corrected = {keys[i] for i in plan.corrections}
        unchanged = [i for i, s in plan.statuses.items() if s == "unchanged"]
        settled = [i for i in unchanged if keys[i] not in corrected]
        if settled:
            current = _current_bills([key_id[keys[i]] for i in settled])
            for i in settled:
                results[i] = BatchResult("unchanged", key_id[keys[i]], current[key_id[keys[i]]])
        for i in sorted({*plan.corrections, *(i for i in unchanged if keys[i] in corrected)}):
            if plan.statuses[i] == "unchanged":
                pk = key_id[keys[i]]
                results[i] = BatchResult("unchanged", pk, _current_bills([pk])[pk])
                continue
            it = items[i]
            posted = posting.post_list(
                actor,
                it.wl,
                it.price,
                workshop=it.workshop,
                person_ids=it.person_ids,
                hard_job=it.hard_job,
                derivation=it.derivation,
                extra_audit=it.extra_audit,
                today=today,
            )
            results[i] = BatchResult(
                posted.status, posted.contribution_list.pk, posting.bill_dict(posted.bill)
            )
    return [results[i] for i in range(len(items))]


def _current_bills(list_ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    unique = sorted(set(list_ids))
    for i in range(0, len(unique), _CHUNK):
        for bill in Bill.objects.filter(contribution_list_id__in=unique[i : i + _CHUNK]):
            out[bill.contribution_list_id] = posting.bill_dict(bill)
    return out


def _write_lists(
    actor: Any,
    new: list[BatchItem],
    statuses: list[str],
    ids: np.ndarray,
    digests: list[str],
    index: list[int],
    totals: list[dict[str, int]],
    now: dt.datetime,
) -> None:
    n = len(new)
    cols: dict[str, np.ndarray] = {
        "id": ids,
        "workshop_id": np.array([it.workshop.pk for it in new], dtype=np.int64),
        "year": np.array([_month(it.wl).year for it in new], dtype=np.int64),
        "month": np.array([_month(it.wl).month for it in new], dtype=np.int64),
        "list_no": np.array([it.wl.list_no.strip() for it in new], dtype=str),
        "status": np.array(statuses, dtype=str),
        "version": np.ones(n, dtype=np.int64),
        "content_hash": np.array([digests[i] for i in index], dtype=str),
        "rows": np.array([it.wl.n for it in new], dtype=np.int64),
        "header": np.array(_header_texts([it.wl.header for it in new]), dtype=str),
        "layout": np.array([it.wl.wor.layout for it in new], dtype=str),
        "source": np.array([f"{it.wl.kar.name} {it.wl.wor.name}"[:300] for it in new], dtype=str),
        "posted_at": np.full(n, _stamp(now)),
    }
    derivations = posting.derivation_fields([it.derivation for it in new])
    basis = np.array([d["basis_id"] or 0 for d in derivations], dtype=np.int64)
    cols["basis_id"] = np.ma.masked_array(basis, mask=basis == 0)
    cols["derivation"] = np.array([_json(d["own_derivation"]) for d in derivations], dtype=str)  # column
    for name in (*ROW_PRICE_COLUMNS, "total_days"):
        cols[name] = np.array([t[name] for t in totals], dtype=np.int64)
    if getattr(actor, "pk", None) is not None:
        cols["posted_by_id"] = np.full(n, actor.pk, dtype=np.int64)
    _insert(ContributionList, cols)


def _header_texts(headers: list[dict[str, Any]]) -> list[str]:
    """`_json(posting._jsonable_header(h))` of every header, text for text: headers with the same
    fields (lists read by one reader) filled into one template, each field's values encoded together."""
    out = [""] * len(headers)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for j, h in enumerate(headers):
        groups.setdefault(tuple(h), []).append(j)
    for keys, members in groups.items():
        if len(keys) < 2 or not all(type(k) is str for k in keys):
            for j in members:
                out[j] = _json(posting._jsonable_header(headers[j]))
            continue
        rows = list(map(operator.itemgetter(*keys), [headers[j] for j in members]))
        texts = [_header_value_texts(list(values)) for values in zip(*rows, strict=True)]
        for j, text in zip(members, _fill(_object_parts(keys, ": ", ", "), texts, len(members)), strict=True):
            out[j] = text
    return out


def _header_value_texts(values: list[Any]) -> list[str]:
    kinds = set(map(type, values))
    if kinds <= {int}:
        return list(map(int.__repr__, values))
    if kinds <= {str}:
        return list(map(_ENCODE_STR, values))
    return [_json(posting._jsonable_header({"": v})[""]) for v in values]


def _write_rows(new: list[BatchItem], ids: np.ndarray) -> None:
    sizes = np.array([it.wl.n for it in new], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])[:-1]
    widths = {f.attname: f.max_length for f in ListRow._meta.concrete_fields if f.max_length}
    total = int(sizes.sum())
    cols: dict[str, np.ndarray] = {
        "contribution_list_id": np.repeat(ids, sizes),
        "row_no": np.arange(1, total + 1, dtype=np.int64) - np.repeat(starts, sizes),
        "person_id": np.concatenate([np.asarray(it.person_ids, dtype=np.int64) for it in new]),
    }
    for column, dbf in ROW_TEXT_COLUMNS:
        cols[column] = posting._text(_concat(new, dbf), widths[column])
    for column, dbf in ROW_NUMBER_COLUMNS:
        cols[column] = _concat(new, dbf).astype(np.int64, copy=False)
    cols["hard_job"] = _hard(new)
    for name in ROW_PRICE_COLUMNS:
        cols[name] = np.concatenate([np.asarray(it.price.rows[name], dtype=np.int64) for it in new])
    posting.bulk_insert(ListRow._meta.db_table, cols)


def _hard(new: list[BatchItem]) -> np.ndarray:
    return np.concatenate(
        [
            np.zeros(it.wl.n, dtype=bool) if it.hard_job is None else np.asarray(it.hard_job, dtype=bool)
            for it in new
        ]
    )


def _write_bills(
    new: list[BatchItem], ids: np.ndarray, totals: list[dict[str, int]], today: dt.date, now: dt.datetime
) -> list[dict[str, Any]]:
    """The bills (billing.issue_or_adjust for a new list), and each as posting.bill_dict says it."""
    n = len(new)
    months = [_month(it.wl) for it in new]
    terms = list(zip(months, [bool(it.workshop.small_workshop_exempt) for it in new], strict=True))
    due_of: dict[tuple[JalaliMonth, bool], tuple[str, str, str]] = {}
    for month, small in set(terms):
        due, source = billing.due_date(month, small_workshop_exempt=small)
        due_of[(month, small)] = (due.isoformat(), source, jalali.format_jalali(due))
    dues, sources, due_texts = (list(x) for x in zip(*map(due_of.__getitem__, terms), strict=True))
    numbers = [
        f"{it.workshop.code}-{m.year:04d}{m.month:02d}-{it.wl.list_no.strip()}"
        for it, m in zip(new, months, strict=True)
    ]
    shares = {
        name: [t[name] for t in totals]
        for name in ("insured_share", "employer_share", "unemployment_share", "hard_job_share", "state_share")
    }
    # Python ints, as issue_or_adjust adds them (an int64 sum would wrap silently, not fail).
    amounts = list(map(sum, zip(*(shares[k] for k in list(shares)[:4]), strict=True)))
    cols: dict[str, np.ndarray] = {
        "contribution_list_id": ids,
        "workshop_id": np.array([it.workshop.pk for it in new], dtype=np.int64),
        "number": np.array(numbers, dtype=str),
        "year": np.array([m.year for m in months], dtype=np.int64),
        "month": np.array([m.month for m in months], dtype=np.int64),
    }
    for name, values in (*shares.items(), ("amount", amounts)):
        cols[name] = np.array(values, dtype=np.int64)
    # The list is first sent today: late-list penalty as billing.issue_or_adjust fixes it, one pass.
    late_list = billing.late_list_penalty(
        cols["amount"], np.array(dues, dtype="datetime64[D]"), np.full(n, np.datetime64(today, "D"))
    )
    today_text = jalali.format_jalali(today)
    out = [
        {
            "number": number, "insured_share": insured, "employer_share": employer,
            "unemployment_share": unemployment, "hard_job_share": hard, "state_share": state,
            "amount": amount, "previous_amount": None, "difference": amount, "version": 1,
            "due_on": due_text, "due_source": source, "first_submitted_on": today_text,
            "late_list_penalty": penalty,
        }
        for number, insured, employer, unemployment, hard, state, amount, due_text, source, penalty in zip(
            numbers, *shares.values(), amounts, due_texts, sources, late_list.tolist(), strict=True
        )
    ]  # fmt: skip
    cols |= {
        "version": np.ones(n, dtype=np.int64),
        "issued_on": np.full(n, today.isoformat()),
        "due_on": np.array(dues, dtype=str),
        "due_source": np.array(sources, dtype=str),
        "first_submitted_on": np.full(n, today.isoformat()),
        "late_list_penalty": late_list,
        "updated_at": np.full(n, _stamp(now)),
    }
    _insert(Bill, cols)
    return out


def _audit_afters(
    new: list[BatchItem],
    statuses: list[str],
    digests: list[str],
    index: list[int],
    totals: list[dict[str, int]],
    bills: list[dict[str, Any]],
) -> list[str]:
    """`_canonical` of each entry's `after` (what post_list records for a new list), filled into one
    template of the sorted keys rather than encoded dict by dict; a list with extra_audit, or totals or
    a bill of other keys, is encoded whole."""
    n = len(new)
    if n == 0:
        return []
    values: dict[str, list[Any]] = {
        "workshop": [it.workshop.pk for it in new],
        "year": [_month(it.wl).year for it in new],
        "month": [_month(it.wl).month for it in new],
        "list_no": [it.wl.list_no.strip() for it in new],
        "status": list(statuses),
        "version": [1] * n,
        "content_hash": [digests[i] for i in index],
        "rows": [it.wl.n for it in new],
    }
    total_keys, bill_keys = tuple(totals[0]), tuple(sorted(bills[0]))
    for name in total_keys:
        values[name] = [t[name] for t in totals]
    top = sorted([*values, "bill"])
    at = top.index("bill")
    parts, bill = _object_parts(top, ":", ","), _object_parts(bill_keys, ":", ",")
    # The bill's object in place of its value: its parts joined to those around it.
    parts[at : at + 2] = [parts[at] + bill[0], *bill[1:-1], bill[-1] + parts[at + 1]]
    texts = [_json_texts(values[k], _canonical) for k in top if k != "bill"]
    texts[at:at] = [_json_texts([b[k] for b in bills], _canonical) for k in bill_keys]
    out = _fill(parts, texts, n)
    total_set, bill_set = set(total_keys), set(bill_keys)
    for j, it in enumerate(new):
        if it.extra_audit or totals[j].keys() != total_set or bills[j].keys() != bill_set:
            after = {k: v[j] for k, v in values.items()} | {"bill": bills[j], **(it.extra_audit or {})}
            out[j] = _canonical(after)
    return out


def _write_audit(
    actor: Any,
    new: list[BatchItem],
    statuses: list[str],
    ids: np.ndarray,
    digests: list[str],
    index: list[int],
    totals: list[dict[str, int]],
    bills: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    """One entry per list, as `audit.record` would write them one after another (same fields, same
    hash), the chain continued from its last entry under the audit service's lock."""
    audit._lock_chain()
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else audit.GENESIS
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", None) or str(actor or "system")
    object_type = ContributionList._meta.label_lower
    # The body of entry_hash, built around each entry's `after` already in canonical form (JSON with
    # sorted keys and "," ":" separators nests, so the text is what _canonical of the whole list gives).
    head = _canonical([audit._timestamp(now), actor_id, actor_name])[1:-1]
    n = len(new)
    seqs = np.arange(seq, seq + n, dtype=np.int64)
    actions = [f"wagelist.{s}" for s in statuses]
    afters = _audit_afters(new, statuses, digests, index, totals, bills)
    # Each entry's text up to its previous hash (the part that does not depend on the chain), then the
    # chain itself: the only per-entry Python left is one SHA-256.
    columns = [
        list(map(str, seqs.tolist())),
        _json_texts(actions, _canonical),
        list(map(str, ids.tolist())),
        afters,
    ]
    bodies = _fill(["[", f",{head},", f',{_canonical(object_type)},"', '",null,', ',"'], columns, n)
    prevs, hashes = [], []
    sha = hashlib.sha256
    for body in bodies:
        prevs.append(prev)
        prev = sha(f'{body}{prev}"]'.encode()).hexdigest()
        hashes.append(prev)
    cols: dict[str, np.ndarray] = {
        "seq": seqs,
        "at": np.full(n, _stamp(now)),
        "actor_name": np.full(n, actor_name),
        "action": np.array(actions, dtype=str),
        "object_type": np.full(n, object_type),
        "object_id": ids.astype(str),
        "after": np.array(afters, dtype=str),
        "prev_hash": np.array(prevs, dtype=str),
        "hash": np.array(hashes, dtype=str),
    }
    if actor_id is not None:
        cols["actor_id"] = np.full(n, actor_id, dtype=np.int64)
    posting.bulk_insert(AuditEntry._meta.db_table, cols)


# --- importing many lists (transfer.import_list, set-based) -------------------------------------------


def _workshops(lists: Sequence[WageList]) -> dict[str, Workshop]:
    codes = sorted({wl.workshop.strip() for wl in lists})
    out: dict[str, Workshop] = {}
    for i in range(0, len(codes), _CHUNK):
        out.update((w.code, w) for w in Workshop.objects.filter(code__in=codes[i : i + _CHUNK]))
    return out


@dataclass(frozen=True)
class _Known:
    """The registry's persons among a batch's national codes, as sorted arrays for searchsorted."""

    codes: np.ndarray
    ids: np.ndarray
    foreign: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray) -> _Known:
        from tamin.registry.models import Person

        unique = np.unique(codes).tolist()
        rows: list[tuple[str, int, str]] = []
        # Raw SQL: the ORM spends more time preparing 5,000 parameters than the database answering.
        table = connection.ops.quote_name(Person._meta.db_table)
        select = f"SELECT national_code, id, nationality FROM {table} WHERE "
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute(select + "national_code = ANY(%s)", [unique])
                rows.extend(cur.fetchall())
            else:
                for i in range(0, len(unique), _CHUNK):
                    part = unique[i : i + _CHUNK]
                    cur.execute(select + f"national_code IN ({', '.join(['%s'] * len(part))})", part)
                    rows.extend(cur.fetchall())
        # A sentinel that matches no code keeps indexing valid when nobody is known.
        rows = sorted(rows) or [("\uffff", 0, "IR")]
        return cls(
            np.array([r[0] for r in rows], dtype=str),
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([r[2] != "IR" for r in rows], dtype=bool),
        )

    def find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, index into the arrays) per code."""
        at = np.minimum(np.searchsorted(self.codes, codes), self.codes.size - 1)
        return self.codes[at] == codes, at


def _hard_jobs(
    lists: Sequence[WageList], workshops: list[Workshop | None], ids: list[np.ndarray]
) -> list[np.ndarray]:
    """transfer._hard_job_rows for every list, from one query per chunk of workshops."""
    from tamin.registry.models import Employment

    out = [np.zeros(wl.n, dtype=bool) for wl in lists]
    wanted = sorted({w.pk for w in workshops if w is not None})
    jobs: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}
    for i in range(0, len(wanted), _CHUNK):
        for ws, person, start, end in Employment.objects.filter(
            workshop_id__in=wanted[i : i + _CHUNK], hard_job=True
        ).values_list("workshop_id", "person_id", "start_date", "end_date"):
            jobs.setdefault(ws, []).append((person, start, end))
    if not jobs:
        return out
    for k, (wl, w) in enumerate(zip(lists, workshops, strict=True)):
        if w is None or w.pk not in jobs:
            continue
        try:
            month = wl.month
        except DomainError:  # no valid month: the check reports it
            continue
        first, last = month.first_day(), month.last_day()
        certified = {p for p, s, e in jobs[w.pk] if s <= last and not (e is not None and e < first)}
        if certified:
            out[k] = np.isin(ids[k], np.fromiter(certified, dtype=np.int64))
    return out


def _first_day(wl: WageList) -> np.datetime64:
    """The list's first day, NaT where DSK_YY/DSK_MM make no month (the check reports it)."""
    try:
        return np.datetime64(wl.month.first_day(), "D")
    except DomainError:
        return np.datetime64("NaT", "D")


def import_batch(lists: Sequence[WageList], *, actor: Any, today: dt.date | None = None) -> list[Any]:
    """`transfer.import_list` for every list, in one transaction: the outcomes (transfer.Outcome) are
    those of importing the lists one by one in this order. Raises, writing nothing, if the batch
    cannot be written (e.g. a concurrent import took one of its keys); bad lists are outcomes."""
    from tamin.contributions import transfer
    from tamin.contributions.batch_check import check_batch
    from tamin.contributions.exemptions import REASONS, Exemption, unemployment_exempt

    today = today or jalali.today()
    m = len(lists)
    if m == 0:
        return []
    by_code = _workshops(lists)
    found = [transfer.workshop_problems(wl, by_code.get(wl.workshop.strip())) for wl in lists]
    workshops = [w for w, _ in found]
    sizes = np.array([wl.n for wl in lists], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    codes = transfer.national_codes(
        WageList(
            lists[0].kar,
            lists[0].wor,
            {},
            {"PER_NATCOD": np.concatenate([wl.column("PER_NATCOD") for wl in lists])},
        )
    )
    known = _Known.of(codes)
    is_known, at = known.find(codes)
    ids_all = np.where(is_known, known.ids[at], 0)
    nat = np.concatenate([wl.column("DSW_NAT") for wl in lists])
    exemption = unemployment_exempt(
        np.repeat(np.array([w.pk if w is not None else 0 for w in workshops], dtype=np.int64), sizes),
        ids_all,
        np.repeat(np.array([_first_day(wl) for wl in lists], dtype="datetime64[D]"), sizes),
        listed_nationality=nat,
        lists=np.repeat(np.arange(m), sizes),
    )
    exempt_all = exemption.mask
    ids = [ids_all[bounds[k] : bounds[k + 1]] for k in range(m)]
    exempt = [exempt_all[bounds[k] : bounds[k + 1]] for k in range(m)]
    # Why rows are exempt, for each list with exempt rows (most lists have none: no per-list work).
    reasons = [
        exemption.part(bounds[k], bounds[k + 1]).describe() if exempt[k].any() else () for k in range(m)
    ]
    ok_workshop = [w if not p else None for w, p in found]
    hard = _hard_jobs(lists, ok_workshop, ids)
    small = [bool(w.small_workshop_exempt) if w is not None else False for w in ok_workshop]
    results, _ = check_batch(
        lists,
        today=today,
        unemployment_exempt=exempt,
        hard_job=hard,
        small_workshop=small,
        unemployment_reasons=reasons,
    )

    outcomes: list[Any] = [None] * m
    cache: dict[Any, dict[str, Any]] = {}
    summaries: list[dict[str, Any]] = [_summary(r, cache) for r in results]
    candidates: list[int] = []
    for k, (r, (w, problems)) in enumerate(zip(results, found, strict=True)):
        problems = [*problems, *r.errors]
        if problems or r.price is None or w is None:
            outcomes[k] = transfer._rejected(summaries[k], problems)
        else:
            candidates.append(k)
    # What post_list would refuse for the actor, list by list.
    try:
        _require_importer_batch(actor, [])
    except Forbidden as err:
        for k in candidates:
            outcomes[k] = transfer._rejected(summaries[k], err.problems)
        return outcomes
    ws_ids = sorted({workshops[k].pk for k in candidates})  # type: ignore[union-attr]
    allowed: set[int] = set()
    for i in range(0, len(ws_ids), _CHUNK):
        allowed.update(
            scope.workshops(actor).filter(pk__in=ws_ids[i : i + _CHUNK]).values_list("pk", flat=True)
        )
    out_of_scope = Forbidden("auth.out_of_scope", "این کارگاه در حوزهٔ دسترسی شما نیست.", "DSK_ID").problems
    for k in [k for k in candidates if workshops[k].pk not in allowed]:  # type: ignore[union-attr]
        outcomes[k] = transfer._rejected(summaries[k], out_of_scope)
    candidates = [k for k in candidates if workshops[k].pk in allowed]  # type: ignore[union-attr]

    with transaction.atomic():
        accepted, made, reg_problems = _register(lists, candidates, codes, is_known, bounds, workshops, known)
        for k, problems in reg_problems.items():
            outcomes[k] = transfer._rejected(summaries[k], problems)
        if made:
            new_ids = _Known.of(np.fromiter(made, dtype=codes.dtype, count=len(made)))
            hit, where = new_ids.find(codes)
            ids_all = np.where(hit, new_ids.ids[where], ids_all)
            # A person registered by an earlier list of the batch is known to the later ones, with the
            # nationality the earlier list gave (transfer.import_list reads it from the registry).
            later = hit & ~exempt_all & new_ids.foreign[where]
            first_list = {code: k for k, codes_k in made_by(made).items() for code in codes_k}
            for k in accepted:
                a, b = bounds[k], bounds[k + 1]
                rows = np.flatnonzero(later[a:b])
                if rows.size and any(first_list[c] != k for c in codes[a:b][rows].tolist()):
                    mine = np.array([first_list[c] == k for c in codes[a:b][rows].tolist()], dtype=bool)
                    fixed = exempt_all[a:b].copy()
                    fixed[rows[~mine]] = True
                    # Known by then as foreign (registered so by the earlier list): the reason import_list
                    # would give them.
                    why = exemption.reason[a:b].copy()
                    why[rows[~mine]] = REASONS.index("foreign")
                    from tamin.contributions.checking import check_list

                    results[k] = check_list(
                        lists[k],
                        today=today,
                        unemployment_exempt=fixed,
                        hard_job=hard[k],
                        small_workshop=small[k],
                        unemployment_reasons=Exemption(fixed, why, exemption.parameters).describe(),
                    )
                    summaries[k] = results[k].as_dict()
        items = []
        by_list = made_by(made)
        for k in accepted:
            registered = sorted(by_list.get(k, ()))
            items.append(
                BatchItem(
                    lists[k],
                    results[k].price,  # type: ignore[arg-type]
                    workshops[k],  # type: ignore[arg-type]
                    ids_all[bounds[k] : bounds[k + 1]],
                    hard[k],
                    summaries[k]["derivation"],  # type: ignore[arg-type]
                    {"registered_persons": registered} if registered else None,
                )
            )
        posted = post_batch(actor, items, today=today)
    for k, item, result in zip(accepted, items, posted, strict=True):
        summary = summaries[k]
        summary.update(result.as_dict())
        summary["registered_persons"] = len(item.extra_audit["registered_persons"]) if item.extra_audit else 0
        outcomes[k] = transfer.Outcome(result.status, summary)
    return outcomes


def _summary(r: Any, cache: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """CheckResult.as_dict, for a list without problems built from parts shared by the batch: the
    derivation's parameter citations (dates formatted by jdatetime) are the same for every list of a
    month, and formatting them per list was the largest per-list cost of an import."""
    if r.problems or r.price is None:
        return r.as_dict()
    from tamin.contributions.checking import DECLARED, MONEY

    wl, totals, d = r.wage_list, r.price.totals, r.price.derivation
    key = (d.month, d.on, d.parameters)
    if key not in cache:
        cache[key] = {k: v for k, v in d.as_dict().items() if k not in ("exemptions", "counts")}
    out: dict[str, Any] = {
        "workshop": wl.workshop.strip(),
        "month": str(_month(wl)),
        "list_no": wl.list_no.strip(),
        "kar": wl.kar.name,
        "wor": wl.wor.name,
        "layout": wl.wor.layout,
        "workers": wl.n,
        "total_days": int(wl.column("DSW_DD").sum()),
    }
    for name, column in MONEY:
        out[name] = totals.get(column)
    out["declared"] = {name: (int(wl.header[name]) if name in wl.header else None) for name, _ in DECLARED}
    out |= {"ok": True, "error_count": 0, "warning_count": 0, "errors": [], "warnings": []}
    out["derivation"] = {**cache[key], "exemptions": list(d.exemptions), "counts": dict(d.counts)}
    return out


def made_by(made: dict[str, int]) -> dict[int, list[str]]:
    """list index → national codes it registered (`made` maps code → registering list)."""
    out: dict[int, list[str]] = {}
    for code, k in made.items():
        out.setdefault(k, []).append(code)
    return out


def _register(
    lists: Sequence[WageList],
    candidates: list[int],
    codes: np.ndarray,
    is_known: np.ndarray,
    bounds: list[int],
    workshops: list[Workshop | None],
    known: _Known,
) -> tuple[list[int], dict[str, int], dict[int, list[Any]]]:
    """Register the persons the candidate lists bring, as transfer.register_missing would list after
    list. Returns (accepted lists, national code → list that registered it, problems of refused lists)."""
    from tamin.contributions import transfer

    rows_of = {k: np.arange(bounds[k], bounds[k + 1]) for k in candidates}
    new_rows = {k: r[~is_known[r]] for k, r in rows_of.items()}
    if not any(r.size for r in new_rows.values()):
        return candidates, {}, {}
    bdate = np.concatenate([lists[k].column("DSW_BDATE") for k in candidates])
    sex = np.concatenate([lists[k].column("DSW_SEX") for k in candidates])
    cand_rows = np.concatenate([rows_of[k] for k in candidates])
    births = {b: transfer._birth_date(b) for b in np.unique(bdate).tolist()}
    sexes = {x: transfer._SEX.get(transfer.normalize(x).strip()) for x in np.unique(sex).tolist()}
    unreadable = np.zeros(codes.size, dtype=bool)
    unreadable[cand_rows] = np.array([births[b] is None for b in bdate.tolist()], dtype=bool) | np.array(
        [sexes[x] is None for x in sex.tolist()], dtype=bool
    )
    suspects = {k for k in candidates if unreadable[new_rows[k]].any()}
    settled = [k for k in candidates if k not in suspects]
    # First list (among those that cannot be refused) holding each new code.
    first_sure: dict[str, int] = {}
    for k in settled:
        for c in np.unique(codes[new_rows[k]]).tolist():
            first_sure.setdefault(c, k)
    accepted: list[int] = []
    problems: dict[int, list[Any]] = {}
    by_suspects: dict[str, int] = {}
    for k in candidates:
        if k not in suspects:
            accepted.append(k)
            continue
        r = new_rows[k]
        ck = codes[r]
        before = {c for c in np.unique(ck).tolist() if first_sure.get(c, k) < k or by_suspects.get(c, k) < k}
        missing = np.array([c not in before for c in ck.tolist()], dtype=bool)
        _, first = np.unique(ck[missing], return_index=True)
        if unreadable[r[missing][first]].any():
            a = bounds[k]
            wl = lists[k]
            absent = set(ck[missing].tolist())
            list_codes = codes[a : bounds[k + 1]]
            known_here = {c: (0, False, "IR") for c in list_codes.tolist() if c not in absent}
            # The same function refuses it (it writes nothing when it finds problems), so the problems
            # are word for word those of the one-by-one import.
            made, found = transfer.register_missing(wl, list_codes, known_here, workshops[k])  # type: ignore[arg-type]
            if made or not found:
                raise AssertionError("register_missing must refuse what the batch refuses")
            problems[k] = found
            continue
        accepted.append(k)
        for c in np.unique(ck[missing]).tolist():
            by_suspects.setdefault(c, k)
    # The registering row of each new code: its first row in the accepted lists; ordered by list, then
    # code, as register_missing would write them list after list.
    acc_rows = np.concatenate([new_rows[k] for k in accepted]) if accepted else np.zeros(0, dtype=np.int64)
    if acc_rows.size == 0:
        return accepted, {}, problems
    list_of = np.repeat(np.array(accepted, dtype=np.int64), [new_rows[k].size for k in accepted])
    _, first = np.unique(codes[acc_rows], return_index=True)
    reg_rows, reg_list = acc_rows[first], list_of[first]
    order = np.lexsort((codes[reg_rows], reg_list))
    reg_rows, reg_list = reg_rows[order], reg_list[order]
    _insert_persons(lists, bounds, reg_rows, reg_list, codes, workshops)
    return accepted, dict(zip(codes[reg_rows].tolist(), reg_list.tolist(), strict=True)), problems


def _insert_persons(
    lists: Sequence[WageList],
    bounds: list[int],
    rows: np.ndarray,
    lst: np.ndarray,
    codes: np.ndarray,
    workshops: list[Workshop | None],
) -> None:
    """Person rows for the registering rows (global row numbers), as register_missing writes them."""
    from tamin.contributions import transfer
    from tamin.registry.models import Person

    def column(name: str) -> np.ndarray:
        return np.concatenate([wl.column(name) for wl in lists])[rows]

    n = rows.size
    born = [transfer._birth_date(b) for b in column("DSW_BDATE").tolist()]
    sex = [transfer._SEX.get(transfer.normalize(x).strip()) for x in column("DSW_SEX").tolist()]
    # A number already used by a person registered earlier in the batch is taken by then.
    listed = transfer.insurance_numbers(column("DSW_ID1"))
    nat = np.strings.strip(np.asarray(column("DSW_NAT"), dtype=str))
    stamp = _stamp(timezone.now())
    branch = np.array([workshops[k].branch_id for k in lst.tolist()], dtype=np.int64)  # type: ignore[union-attr]
    cols = {
        "national_code": codes[rows],
        "insurance_number": listed,
        "first_name": transfer._clean_text(column("DSW_FNAME"), 60),
        "last_name": transfer._clean_text(column("DSW_LNAME"), 80),
        "father_name": transfer._clean_text(column("DSW_DNAME"), 60),
        "birth_date": np.array([b.isoformat() for b in born]),
        "sex": np.array(sex),
        "nationality": np.where((nat == "") | (nat == transfer.IRANIAN), "IR", transfer.UNKNOWN_COUNTRY),
        "id_card_number": transfer._digits(column("DSW_IDNO"), 15),
        "mobile": np.full(n, ""),
        "branch_id": branch,
        "is_pensioner": np.zeros(n, dtype=bool),
        "registered_at": np.full(n, stamp),
        "updated_at": np.full(n, stamp),
    }
    posting.bulk_insert(Person._meta.db_table, cols)
