"""Issuing the numbers the SSO hands out: insurance numbers and workshop codes."""

from __future__ import annotations

from django.db import transaction

from tamin.core.errors import Conflict
from tamin.registry.models import Branch, Person, Sequence, Workshop

INSURANCE_NUMBER_SEQUENCE = "insurance_number"
# New numbers start above the range of the old 8-digit numbers still found in lists.
INSURANCE_NUMBER_START = 100_000_000


def next_value(name: str, start: int = 0) -> int:
    """Allocate the next value of a named counter; rows are locked so two writers never share one."""
    with transaction.atomic():
        seq, _ = Sequence.objects.select_for_update().get_or_create(name=name, defaults={"last": start})
        seq.last += 1
        seq.save(update_fields=["last"])
        return seq.last


def reserve_block(name: str, count: int, start: int = 0) -> int:
    """Reserve `count` consecutive values at once (for batch loads); returns the first."""
    with transaction.atomic():
        seq, _ = Sequence.objects.select_for_update().get_or_create(name=name, defaults={"last": start})
        first = seq.last + 1
        seq.last += count
        seq.save(update_fields=["last"])
        return first


def new_insurance_number() -> str:
    while True:
        number = f"{next_value(INSURANCE_NUMBER_SEQUENCE, INSURANCE_NUMBER_START):010d}"
        # Numbers taken by imported records (e.g. from old lists) are skipped, not reused.
        if not Person.objects.filter(insurance_number=number).exists():
            return number


def new_workshop_code(branch: Branch, activity_code: str) -> str:
    while True:
        serial = next_value(f"workshop:{branch.code}:{activity_code}")
        if serial > 9999:
            raise Conflict(
                "workshop.code_exhausted",
                "شمارهٔ پروندهٔ کارگاه برای این شعبه و این فعالیت به پایان رسیده است.",
                "activity_code",
            )
        code = f"{branch.code}{activity_code}{serial:04d}"
        # Codes of workshops brought over from older systems are skipped, not reused.
        if not Workshop.objects.filter(code=code).exists():
            return code
