"""Workshops: registered at a branch, owned by an employer, coded branch + activity + serial."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from tamin.accounts import scope
from tamin.accounts.permissions import require
from tamin.accounts.roles import Role
from tamin.audit.services import record, snapshot
from tamin.core.errors import DomainError, ProblemList
from tamin.registry.models import Branch, Employer, Workshop, WorkshopStatus
from tamin.registry.services import validation as v
from tamin.registry.services.identifiers import new_workshop_code

ACTIVITY_CODE = re.compile(r"^\d{3}$")
EDITABLE = ("name", "address", "postal_code", "status", "closed_on")


def _check_branch(actor: Any, branch: Branch) -> None:
    if getattr(actor, "role", None) == Role.BRANCH_STAFF and branch.pk != actor.branch_id:
        raise DomainError("branch.not_yours", "فقط در شعبهٔ خودتان می‌توانید ثبت کنید.", "branch")


def register_workshop(actor: Any, data: dict[str, Any], branch: Branch, employer: Employer) -> Workshop:
    require(actor, "workshop.register")
    _check_branch(actor, branch)
    problems = ProblemList()
    name = v.clean_text(data.get("name"), "name", problems, max_len=200)
    address = v.clean_text(data.get("address"), "address", problems, max_len=300)
    postal_code = v.clean_digits(data.get("postal_code"), "postal_code", problems, (10,))
    activity_code = v.clean_digits(data.get("activity_code"), "activity_code", problems, (3,), required=True)
    activity = v.clean_text(data.get("activity"), "activity", problems, max_len=120)
    opened_on = v.clean_date(data.get("opened_on"), "opened_on", problems)
    problems.raise_if_any()
    with transaction.atomic():
        workshop = Workshop.objects.create(
            code=new_workshop_code(branch, activity_code),
            name=name,
            address=address,
            postal_code=postal_code,
            branch=branch,
            activity_code=activity_code,
            activity=activity,
            employer=employer,
            opened_on=opened_on,
        )
        record(actor, "workshop.register", workshop, after=snapshot(workshop))
    return workshop


def update_workshop(actor: Any, workshop: Workshop, changes: dict[str, Any]) -> Workshop:
    require(actor, "workshop.update", workshop, scope.workshops(actor))
    problems = ProblemList()
    fields: dict[str, Any] = {}
    for name in sorted(set(changes) - set(EDITABLE)):
        problems.add("field.not_editable", "این مورد را نمی‌توان این‌جا تغییر داد.", name)
    if "name" in changes:
        fields["name"] = v.clean_text(changes["name"], "name", problems, max_len=200)
    if "address" in changes:
        fields["address"] = v.clean_text(changes["address"], "address", problems, max_len=300)
    if "postal_code" in changes:
        fields["postal_code"] = v.clean_digits(changes["postal_code"], "postal_code", problems, (10,))
    if "status" in changes:
        if changes["status"] not in WorkshopStatus.values:
            problems.add("workshop.status", "وضعیت کارگاه پذیرفتنی نیست.", "status")
        fields["status"] = changes["status"]
    if "closed_on" in changes:
        fields["closed_on"] = v.clean_date(changes["closed_on"], "closed_on", problems, required=False)
    status = fields.get("status", workshop.status)
    closed_on = fields.get("closed_on", workshop.closed_on)
    if status == WorkshopStatus.CLOSED and closed_on is None:
        problems.add("workshop.closed_on", "برای بستن کارگاه تاریخ تعطیل لازم است.", "closed_on")
    if closed_on is not None and closed_on < workshop.opened_on:
        problems.add("date.order", "تاریخ تعطیل پیش از تاریخ شروع است.", "closed_on")
    problems.raise_if_any()
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        before = snapshot(locked, fields)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
        record(actor, "workshop.update", locked, before=before, after=snapshot(locked, fields))
    return locked
