"""The audit trail as auditors read it in the portal."""

from __future__ import annotations

from typing import Any

from tamin.accounts.permissions import require
from tamin.audit.models import AuditEntry

LATEST = 50

# Persian names for the actions the services record; an unknown action shows its code.
ACTION_LABELS = {
    "person.register": "ثبت شخص",
    "person.update": "اصلاح مشخصات شخص",
    "person.insurance_number": "صدور شماره بیمه",
    "family.add": "ثبت نسبت خانوادگی",
    "family.end": "پایان نسبت خانوادگی",
    "employer.register": "ثبت کارفرما",
    "workshop.register": "ثبت کارگاه",
    "workshop.update": "اصلاح کارگاه",
    "employment.start": "شروع اشتغال",
    "employment.end": "پایان اشتغال",
    "token.issue": "صدور توکن",
    "token.revoke": "ابطال توکن",
    "user.create": "ایجاد کاربر",
    "user.update": "اصلاح کاربر",
    "user.password": "تغییر گذرواژهٔ کاربر",
    "demo.build": "ساخت دادهٔ نمایشی",
}


def latest_entries(user: Any, limit: int = LATEST) -> list[AuditEntry]:
    require(user, "audit.read")
    entries = list(AuditEntry.objects.order_by("-seq")[:limit])
    for entry in entries:
        entry.action_label = ACTION_LABELS.get(entry.action, entry.action)  # type: ignore[attr-defined]
    return entries
