"""Recording writes in the chain, and checking the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from tamin.audit.models import AuditEntry

GENESIS = "0" * 64


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, JSON-safe (dates as ISO text, foreign keys as ids)."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if names is not None and f.name not in names:
            continue
        data[f.attname] = getattr(instance, f.attname)
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    body = _canonical(
        [seq, _timestamp(at), actor_id, actor_name, action, object_type, object_id, before, after, prev_hash]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _lock_chain() -> None:
    # SQLite writers are already serialised (BEGIN IMMEDIATE); PostgreSQL needs a lock so
    # two concurrent writers cannot both extend the same last row.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(7354001)")


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the write it describes."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the write's transaction")
    _lock_chain()
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", None) or str(actor or "system")
    fields = {
        "seq": seq,
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type or (obj._meta.label_lower if obj is not None else ""),
        "object_id": str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "prev_hash": prev_hash,
    }
    return AuditEntry.objects.create(hash=entry_hash(**fields), **fields)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    reason: str = ""


@transaction.atomic
def verify(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; name the first row whose content or link does not match."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    rows = AuditEntry.objects.order_by("seq").values(
        "id",
        "seq",
        "at",
        "actor_id",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "prev_hash",
        "hash",
    )
    for row in rows.iterator(chunk_size=batch):
        if row["seq"] != expected_seq:
            return ChainReport(
                False, checked, row["seq"], row["id"], f"expected row {expected_seq}: rows missing"
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                False, checked, row["seq"], row["id"], "link to the previous row does not match"
            )
        recomputed = entry_hash(**{k: v for k, v in row.items() if k not in ("id", "hash")})
        if recomputed != row["hash"]:
            return ChainReport(False, checked, row["seq"], row["id"], "content does not match its hash")
        prev_hash = row["hash"]
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked)
