"""Posting a checked, priced wage list: rows (which are the person's insurance-history months:
records.HistoryMonth is a view over them), bill and one audit entry, in one transaction, once.

Identity is workshop + Jalali month + list number (DESIGN.md principle 5):
* the same key with the same content (content hash) changes nothing and says `unchanged`;
* the same key with other content is a corrected list (اصلاحی): its rows (so its history months) are
  replaced and the bill is adjusted (the bill keeps the amount it replaced; audit has before/after);
* another list number for a month that already has a list is a supplementary list (مکمل).

Rows are written set-based: PostgreSQL `COPY … FROM STDIN` (psycopg 3) and SQLite
`executemany`, with the columns prepared by numpy — never the ORM per row. Their persons are checked in
one query (`check_persons`; the row tables have no database foreign keys, see ListRow).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.audit.services import record
from tamin.contributions import billing
from tamin.contributions.models import (
    OWN_DERIVATION_KEYS,
    ROW_NUMBER_COLUMNS,
    ROW_PRICE_COLUMNS,
    ROW_TEXT_COLUMNS,
    Bill,
    ContributionList,
    ListRow,
    ListStatus,
    PricingBasis,
    basis_digest,
)
from tamin.contributions.wagelist import WageList
from tamin.core.errors import Forbidden
from tamin.records.models import RecordedMonth
from tamin.registry.models import Person, Workshop

IMPORTERS = frozenset({Role.EMPLOYER, Role.BRANCH_STAFF, Role.ADMIN})

# Called inside the transaction once the rows are written, before the bill and the audit
# entry: the crash tests (tests/contributions/test_kill9.py) stop the process here.
after_rows_hook: Callable[[ContributionList], None] | None = None


class Price(Protocol):
    """What posting needs from a price (tamin.contributions.pricing.ListPrice has it)."""

    rows: Mapping[str, np.ndarray]
    totals: Mapping[str, int]


@dataclass(frozen=True)
class SystemActor:
    """The batch itself (the `tamin` command run by an operator on the server): nationwide, audited
    by name."""

    username: str = "system:tamin-cli"
    pk: None = None
    role: str = Role.ADMIN
    is_authenticated: bool = True
    is_active: bool = True


@dataclass(frozen=True)
class PostResult:
    status: str  # posted | unchanged | corrected | supplementary
    contribution_list: ContributionList
    bill: Bill

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "list_id": self.contribution_list.pk, "bill": bill_dict(self.bill)}


def bill_dict(bill: Bill) -> dict[str, Any]:
    from tamin.core.jalali import format_jalali

    return {
        "number": bill.number,
        "insured_share": bill.insured_share,
        "employer_share": bill.employer_share,
        "unemployment_share": bill.unemployment_share,
        "hard_job_share": bill.hard_job_share,
        "state_share": bill.state_share,
        "amount": bill.amount,
        "previous_amount": bill.previous_amount,
        "difference": bill.difference,
        "version": bill.version,
        "due_on": format_jalali(bill.due_on),
        "due_source": bill.due_source,
        "first_submitted_on": format_jalali(bill.first_submitted_on or bill.issued_on),
        "late_list_penalty": bill.late_list_penalty,
    }


def content_hash(wl: WageList) -> str:
    """SHA-256 of what the list says (header values and every row column), independent of the file's
    layout, encoding or padding: the same list re-sent from another program hashes the same."""
    h = hashlib.sha256()
    for name in sorted(wl.header):
        h.update(f"{name}={wl.header[name]}\x1e".encode())
    for name in sorted(wl.rows):
        col = wl.rows[name]
        h.update(name.encode() + b"\x1d")
        if col.dtype.kind in "iub":
            h.update(np.ascontiguousarray(col, dtype=np.int64).tobytes())
        else:
            h.update("\x1f".join(col.tolist()).encode())
    return h.hexdigest()


def _require_importer(actor: Any, workshop: Workshop) -> None:
    role = getattr(actor, "role", None) if getattr(actor, "is_authenticated", False) else None
    if role not in IMPORTERS or not getattr(actor, "is_active", False):
        raise Forbidden("auth.forbidden", "شما اجازهٔ ثبت لیست بیمه را ندارید.")
    if not scope.workshops(actor).filter(pk=workshop.pk).exists():
        raise Forbidden("auth.out_of_scope", "این کارگاه در حوزهٔ دسترسی شما نیست.", "DSK_ID")


# Advisory lock held exclusively by a batch (batch.post_batch) and shared by each single post: single
# posts run side by side, but not while a batch decides and writes (PostgreSQL).
BATCH_LOCK = 7354003


def _lock_key(workshop_id: int, year: int, month: int) -> None:
    # Two imports of lists of the same workshop-month must not both decide "posted": serialise them,
    # and wait for a batch in progress, which may hold the same key (without this, one of the two
    # failed on ContributionList's unique key). SQLite writers are already serialised (BEGIN IMMEDIATE).
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock_shared(%s)", [BATCH_LOCK])
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 7354002))",
                [f"wagelist:{workshop_id}:{year}:{month}"],
            )


def post_list(
    actor: Any,
    wl: WageList,
    price: Price,
    *,
    workshop: Workshop,
    person_ids: np.ndarray,
    hard_job: np.ndarray | None = None,
    derivation: dict[str, Any] | None = None,
    extra_audit: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> PostResult:
    """Post `wl` (already checked and priced) for `workshop`. `person_ids[i]` is row i's Person id.
    `today` is the day the list arrived (default: today); the bill and its late-list penalty use it."""
    _require_importer(actor, workshop)
    month = wl.month
    list_no = wl.list_no.strip()
    n = wl.n
    person_ids = np.asarray(person_ids, dtype=np.int64)
    if person_ids.shape != (n,):
        raise ValueError(f"person_ids must have the list's {n} rows")
    hard = np.zeros(n, dtype=bool) if hard_job is None else np.asarray(hard_job, dtype=bool)
    digest = content_hash(wl)
    totals = _totals(price, wl)
    with transaction.atomic():
        _lock_key(workshop.pk, month.year, month.month)
        key = {"workshop": workshop, "year": month.year, "month": month.month, "list_no": list_no}
        existing = ContributionList.objects.select_for_update().filter(**key).first()
        if existing is not None and existing.content_hash == digest:
            return PostResult("unchanged", existing, existing.bill)
        now = timezone.now()
        fields = {
            "content_hash": digest,
            "rows": n,
            "header": _jsonable_header(wl.header),
            "layout": wl.wor.layout,
            "source": f"{wl.kar.name} {wl.wor.name}"[:300],
            **derivation_fields([derivation])[0],
            "posted_at": now,
            "posted_by_id": getattr(actor, "pk", None),
            **totals,
        }
        if existing is None:
            others = ContributionList.objects.filter(workshop=workshop, year=month.year, month=month.month)
            status = ListStatus.SUPPLEMENTARY if others.exists() else ListStatus.POSTED
            cl = ContributionList.objects.create(**key, status=status, **fields)
            before = None
        else:
            status = ListStatus.CORRECTED
            cl = existing
            before = _list_summary(cl)
            before["bill_amount"] = cl.bill.amount
            # The replaced rows go, and with them their history months (a view over the rows) and any
            # objection's correction of them: the corrected list says what those months are now. The audit
            # entry keeps their totals.
            RecordedMonth.objects.filter(source_list=cl).delete()
            ListRow.objects.filter(contribution_list=cl).delete()
            for name, value in fields.items():
                setattr(cl, name, value)
            cl.status = status
            cl.version += 1
            cl.save()
        check_persons(person_ids)
        _write_rows(cl, wl, price, person_ids, hard)
        from tamin.contributions.employments import sync_from_lists  # employments uses bulk_insert

        sync_from_lists(actor, [cl.pk])
        if after_rows_hook is not None:
            after_rows_hook(cl)
        bill = billing.issue_or_adjust(cl, workshop, today=today)
        after = {**_list_summary(cl), "bill": bill_dict(bill), **(extra_audit or {})}
        record(actor, f"wagelist.{status}", cl, before=before, after=after)
    return PostResult(str(status), cl, bill)


def _totals(price: Price, wl: WageList) -> dict[str, int]:
    out: dict[str, int] = {"total_days": int(wl.column("DSW_DD").sum())}
    for name in ROW_PRICE_COLUMNS:
        if name in price.totals:
            out[name] = int(price.totals[name])
        else:
            out[name] = int(np.asarray(price.rows[name], dtype=np.int64).sum())
    return out


def _jsonable_header(header: Mapping[str, Any]) -> dict[str, Any]:
    # Exact int and str (what the DBF reader gives) pass as they are: the general test was a third of
    # a batch's header cost.
    return {
        k: v if type(v) is int or type(v) is str else int(v) if isinstance(v, int | np.integer) else str(v)
        for k, v in header.items()
    }


def _list_summary(cl: ContributionList) -> dict[str, Any]:
    return {
        "workshop": cl.workshop_id,
        "year": cl.year,
        "month": cl.month,
        "list_no": cl.list_no,
        "status": cl.status,
        "version": cl.version,
        "content_hash": cl.content_hash,
        "rows": cl.rows,
        "total_days": cl.total_days,
        **{name: getattr(cl, name) for name in ROW_PRICE_COLUMNS},
    }


def derivation_fields(derivations: Sequence[Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    """ContributionList's `basis_id` and `own_derivation` for each derivation: the part every list of a
    month shares goes to one PricingBasis row (found by digest, or added), the list's own part stays on
    the list. Bases are recognised by identity first (same keys, and the same objects under the shared
    keys): `batch._summary` builds each list's derivation from the same shared objects, so a month's
    100,000 lists are hashed once, not 100,000 times."""
    own_keys = frozenset(OWN_DERIVATION_KEYS)
    by_identity: dict[tuple[Any, ...], str | None] = {}
    bodies: dict[str, dict[str, Any]] = {}
    split: list[tuple[str | None, dict[str, Any]]] = []
    for d in derivations:
        d = d or {}
        identity = (tuple(d), *[id(v) for k, v in d.items() if k not in own_keys])
        if identity in by_identity:
            digest = by_identity[identity]
        else:
            body = {k: v for k, v in d.items() if k not in own_keys}
            digest = by_identity[identity] = basis_digest(body) if body else None
            if digest is not None:
                bodies.setdefault(digest, body)
        split.append((digest, {k: d[k] for k in OWN_DERIVATION_KEYS if k in d}))
    ids = _basis_ids(bodies)
    return [
        {"basis_id": ids[digest] if digest is not None else None, "own_derivation": own}
        for digest, own in split
    ]


def _basis_ids(bodies: Mapping[str, dict[str, Any]]) -> dict[str, int]:
    if not bodies:
        return {}
    # ON CONFLICT DO NOTHING: a concurrent writer adding the same basis is waited for, not failed.
    PricingBasis.objects.bulk_create(
        [PricingBasis(digest=k, body=v) for k, v in bodies.items()], ignore_conflicts=True
    )
    return dict(PricingBasis.objects.filter(digest__in=list(bodies)).values_list("digest", "id"))


def check_persons(person_ids: np.ndarray) -> None:
    """Refuse (IntegrityError, nothing written) rows naming a person who is not in the registry: the
    check ListRow's person foreign key would make row by row, in one query. Persons are never deleted
    (Person is PROTECTed by every table naming one), so checking before writing holds."""
    wanted = np.unique(np.asarray(person_ids, dtype=np.int64))
    if wanted.size == 0:
        return
    table = connection.ops.quote_name(Person._meta.db_table)
    # The ids as one text parameter (a PostgreSQL array literal / a JSON array): adapting 100,000 Python
    # ints one by one costs more than the query. Probed in the primary key (an anti-join would hash the
    # whole registry for every batch).
    text = ",".join(map(str, wanted.tolist()))
    if connection.vendor == "postgresql":
        where, listed = "id = ANY(%s::bigint[])", "{" + text + "}"
    else:
        where, listed = "id IN (SELECT value FROM json_each(%s))", "[" + text + "]"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM {table} WHERE id BETWEEN %s AND %s AND {where}",
            [int(wanted[0]), int(wanted[-1]), listed],
        )
        missing = wanted.size - cur.fetchone()[0]
    if missing:
        raise IntegrityError(f"{missing} of the rows' person ids name no registered person")


# --- set-based writes -------------------------------------------------------------------------------


def _text(col: np.ndarray, width: int) -> np.ndarray:
    # Longer than the column allows only if a generator overfilled a field; keep what fits. A column
    # already that narrow is used as it is (copying a month's names into <U100 moved ~100 MB each).
    col = np.asarray(col)
    if col.dtype.kind == "U" and col.dtype.itemsize // 4 <= width:
        return col
    return col.astype(f"<U{width}")


def _write_rows(
    cl: ContributionList, wl: WageList, price: Price, person_ids: np.ndarray, hard: np.ndarray
) -> None:
    n = wl.n
    widths = {f.attname: f.max_length for f in ListRow._meta.concrete_fields if f.max_length}
    cols: dict[str, np.ndarray] = {
        "contribution_list_id": np.full(n, cl.pk, dtype=np.int64),
        "row_no": np.arange(1, n + 1, dtype=np.int64),
        "person_id": person_ids,
    }
    for column, dbf in ROW_TEXT_COLUMNS:
        cols[column] = _text(wl.column(dbf), widths[column])
    for column, dbf in ROW_NUMBER_COLUMNS:
        cols[column] = np.asarray(wl.column(dbf), dtype=np.int64)
    cols["hard_job"] = hard
    for name in ROW_PRICE_COLUMNS:
        cols[name] = np.asarray(price.rows[name], dtype=np.int64)
    bulk_insert(ListRow._meta.db_table, cols)


def bulk_insert(table: str, cols: Mapping[str, np.ndarray]) -> int:
    """Insert the columns (equal-length numpy arrays: int, bool or str) into `table` set-based.
    NULL: a masked array (`np.ma.masked_array(values, mask)`, masked = NULL) or an object array holding
    None. Must run inside a transaction. Returns the number of rows."""
    names: Sequence[str] = list(cols)
    if not names:
        return 0
    n = len(next(iter(cols.values())))
    if n == 0:
        return 0
    connection.ensure_connection()
    qn = connection.ops.quote_name
    column_list = ", ".join(qn(c) for c in names)
    if connection.vendor == "postgresql":
        payload = _copy_text(cols)
        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY {qn(table)} ({column_list}) FROM STDIN") as copy,
        ):
            copy.write(payload)
        return n
    rows = list(zip(*(_python_column(cols[c]) for c in names), strict=True))
    placeholders = ", ".join("?" for _ in names)
    raw = connection.connection.cursor()
    try:
        raw.executemany(f"INSERT INTO {qn(table)} ({column_list}) VALUES ({placeholders})", rows)
    finally:
        raw.close()
    return n


def _python_column(col: np.ndarray) -> list[Any]:
    if isinstance(col, np.ma.MaskedArray):
        values = _python_column(np.ma.getdata(col))
        mask = np.ma.getmaskarray(col)
        if mask.any():
            for i in np.flatnonzero(mask).tolist():
                values[i] = None
        return values
    if col.dtype.kind == "b":
        return col.astype(np.int64).tolist()
    if col.dtype.kind == "O":
        return [int(v) if isinstance(v, bool | np.bool_) else v for v in col.tolist()]
    return col.tolist()


_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_escape(text: str) -> str:
    for old, new in _COPY_ESCAPES:
        text = text.replace(old, new)
    return text


def _copy_text(cols: Mapping[str, np.ndarray]) -> bytes:
    """The columns as COPY text format (tab-separated, backslash escapes, NULL as \\N). Columns are
    converted and escaped by numpy; rows are assembled by `zip`/`str.join` in C, with no Python bytecode
    per row (measured 5× faster than concatenating numpy string arrays, which widen at every step)."""
    parts = [_copy_column(col) for col in cols.values()]
    return ("\n".join(map("\t".join, zip(*parts, strict=True))) + "\n").encode()


def _copy_column(col: np.ndarray) -> list[str]:
    if isinstance(col, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(col)
        text = _copy_column(np.ma.getdata(col))
        if mask.any():
            for i in np.flatnonzero(mask).tolist():
                text[i] = "\\N"
        return text
    if col.dtype.kind == "O":
        return ["\\N" if v is None else _copy_escape(_copy_value(v)) for v in col.tolist()]
    if col.dtype.kind == "b":
        return np.where(col, "t", "f").tolist()
    if col.dtype.kind in "iu":
        return col.astype(np.int64).astype(str).tolist()
    text = np.asarray(col, dtype=str)
    for old, new in _COPY_ESCAPES:
        if np.strings.find(text, old).max(initial=-1) >= 0:
            text = np.strings.replace(text, old, new)
    return text.tolist()


def _copy_value(v: Any) -> str:
    return ("t" if v else "f") if isinstance(v, bool | np.bool_) else str(v)


def require_list_reader(actor: Any, cl: ContributionList) -> None:
    if not scope.workshops(actor).filter(pk=cl.workshop_id).exists():
        raise Forbidden("auth.out_of_scope", "این لیست در حوزهٔ دسترسی شما نیست.")
