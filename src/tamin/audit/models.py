"""The audit trail: one append-only, hash-chained row per write made through a service."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    seq = models.BigIntegerField("ردیف", unique=True)
    at = models.DateTimeField("زمان")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the row still says who acted if the user is later renamed.
    actor_name = models.CharField("کاربر", max_length=150)
    action = models.CharField("عمل", max_length=60)
    object_type = models.CharField("نوع", max_length=60)
    object_id = models.CharField("شناسه", max_length=64)
    before = models.JSONField("پیش از", null=True)
    after = models.JSONField("پس از", null=True)
    prev_hash = models.CharField(max_length=64)
    # Not indexed: nothing looks an entry up by its hash (the chain is walked by seq, which is unique),
    # and a month's imports write ~100,000 entries whose random hashes each cost two index inserts.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are never deleted")
