"""The audit trail, for auditors: entries (newest first) and a check of the whole chain."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate

from tamin.accounts.permissions import require
from tamin.audit.models import AuditEntry
from tamin.audit.services import verify
from tamin.core.jalali import format_jalali
from tamin.pagination import Page

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    hash: str

    @staticmethod
    def resolve_at(obj: AuditEntry) -> str:
        local = timezone.localtime(obj.at)
        return format_jalali(local) + local.strftime(" %H:%M:%S")

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str:
        return obj.actor_name


class ChainOut(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str


@router.get("/audit", response=list[EntryOut], summary="Audit entries, newest first")
@paginate(Page)
def list_entries(request: HttpRequest, object_type: str | None = None, object_id: str | None = None):
    require(request.auth, "audit.read")
    qs = AuditEntry.objects.order_by("-seq")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs


@router.get("/audit/verify", response=ChainOut, summary="Recompute the hash chain")
def verify_chain(request: HttpRequest):
    require(request.auth, "audit.read")
    return verify().__dict__
