"""Insurance history month by month, and objections to it.

A history month comes from a posted wage-list row (`source_list` + `source_row`), or from an accepted
objection (no source list). Months are written set-based by `tamin.contributions.posting`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class HistoryMonth(models.Model):
    # No database foreign keys (db_constraint=False), as for ListRow: a month writes ~1.3 M history
    # months, and per-row trigger checks cost more than writing them. The writers guarantee them: posting
    # checks the persons set-based, the workshop and list are the posted list's own (which keeps its keys),
    # an objection's are the objection's (tests/contributions/test_batch.py refuses a bad person). Indexes:
    # (person, year, month) serves the person's queries, source_list the list's; none for workshop alone.
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="history",
        db_constraint=False,
        db_index=False,
    )
    workshop = models.ForeignKey(
        "registry.Workshop",
        on_delete=models.PROTECT,
        related_name="history",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    days = models.PositiveSmallIntegerField("روز")
    daily_wage = models.BigIntegerField("دستمزد روزانه")
    wage = models.BigIntegerField("دستمزد ماهانه")
    wage_subject = models.BigIntegerField("دستمزد مشمول کسر حق بیمه")
    job_code = models.CharField("کد شغل", max_length=10, blank=True)
    hard_job = models.BooleanField("مشاغل سخت و زیان‌آور", default=False)
    source_list = models.ForeignKey(
        "contributions.ContributionList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="history_months",
        db_constraint=False,
        db_index=False,  # the Meta index on source_list
    )
    source_row = models.PositiveIntegerField("ردیف لیست", null=True, blank=True)

    class Meta:
        ordering = ["person_id", "year", "month", "workshop_id"]
        verbose_name = "ماه سابقه"
        verbose_name_plural = "ماه‌های سابقه"
        indexes = [
            models.Index(fields=["person", "year", "month"]),
            models.Index(fields=["source_list"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="history_month_range"),
            models.CheckConstraint(condition=Q(days__gte=0) & Q(days__lte=31), name="history_days_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d} @{self.workshop_id}"


class ObjectionKind(models.TextChoices):
    MISSING = "missing", "ماه ثبت‌نشده"
    WRONG = "wrong", "ماه نادرست"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "در دست بررسی"
    ACCEPTED = "accepted", "پذیرفته"
    REJECTED = "rejected", "ردشده"


class Objection(models.Model):
    """اعتراض به سابقه: a person says a month is missing or wrong; branch staff accept or reject it."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="objections")
    workshop = models.ForeignKey("registry.Workshop", on_delete=models.PROTECT, related_name="objections")
    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    kind = models.CharField("نوع", max_length=7, choices=ObjectionKind.choices)
    history_month = models.ForeignKey(
        HistoryMonth, on_delete=models.SET_NULL, null=True, blank=True, related_name="objections"
    )
    claimed_days = models.PositiveSmallIntegerField("روز ادعایی", null=True, blank=True)
    claimed_wage = models.BigIntegerField("دستمزد ادعایی", null=True, blank=True)
    statement = models.TextField("شرح اعتراض")
    status = models.CharField("وضعیت", max_length=8, choices=ObjectionStatus.choices, default="open")
    filed_at = models.DateTimeField("ثبت")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField("رسیدگی", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField("نتیجه / دلیل", blank=True)

    class Meta:
        ordering = ["-filed_at", "id"]
        verbose_name = "اعتراض به سابقه"
        verbose_name_plural = "اعتراض‌های سابقه"
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="objection_month"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(resolution=""), name="objection_reject_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d} {self.kind} ({self.status})"
