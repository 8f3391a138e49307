"""Insurance history month by month, and objections to it.

A history month is a posted wage-list row (`source_list` + `source_row`) or a RecordedMonth: a legacy
month, a month added by an accepted objection, or a list row an accepted objection corrected.
`HistoryMonth` reads both through one database view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class MonthValues(models.Model):
    """What a history month says, whether a list row gave it or it was recorded."""

    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    days = models.PositiveSmallIntegerField("روز")
    daily_wage = models.BigIntegerField("دستمزد روزانه")
    wage = models.BigIntegerField("دستمزد ماهانه")
    wage_subject = models.BigIntegerField("دستمزد مشمول کسر حق بیمه")
    job_code = models.CharField("کد شغل", max_length=10, blank=True)
    hard_job = models.BooleanField("مشاغل سخت و زیان‌آور", default=False)
    source_row = models.PositiveIntegerField("ردیف لیست", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["person_id", "year", "month", "workshop_id"]


class RecordedMonth(MonthValues):
    """A history month that is not simply a posted list row: migrated legacy months, a month added by
    an accepted "missing" objection (no source list), or a list row corrected by an accepted "wrong"
    objection (`source_list` + `source_row` name the row it overrides)."""

    # No database foreign keys (db_constraint=False), as for ListRow: the writers guarantee them (an
    # objection's are the objection's, a legacy migration checks its persons).
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="recorded_months",
        db_constraint=False,
        db_index=False,
    )
    workshop = models.ForeignKey(
        "registry.Workshop",
        on_delete=models.PROTECT,
        related_name="recorded_months",
        db_constraint=False,
        db_index=False,
    )
    source_list = models.ForeignKey(
        "contributions.ContributionList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_months",
        db_constraint=False,
        db_index=False,  # the (source_list, source_row) constraint's index
    )

    class Meta(MonthValues.Meta):
        verbose_name = "ماه سابقهٔ ثبت‌شده"
        verbose_name_plural = "ماه‌های سابقهٔ ثبت‌شده"
        indexes = [models.Index(fields=["person", "year", "month"], name="records_his_person__a2abb0_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="history_month_range"),
            models.CheckConstraint(condition=Q(days__gte=0) & Q(days__lte=31), name="history_days_range"),
            # One override per list row; also the index the history view's anti-join probes.
            models.UniqueConstraint(
                fields=["source_list", "source_row"],
                condition=Q(source_list__isnull=False),
                name="recorded_month_one_per_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d} @{self.workshop_id} (recorded)"


class HistoryMonth(MonthValues):
    """A month of a person's insurance history, as read: the database view `records_history` over every
    posted list row (its list gives workshop, year and month) that no RecordedMonth overrides, and
    every RecordedMonth. Read-only: a month comes from posting a list or from a RecordedMonth.

    Why a view and not a copy: a national month posts ~16 M rows; copying each into a history table
    cost about as much again as writing the row (benchmarks/bench_import.py), doubled the storage, and
    left two copies to keep in step when a list is corrected. `id` is the list row's id, or minus the
    RecordedMonth's id. A migration altering a table the view reads wraps its operations in
    `history_view.around_view` (SQLite cannot rebuild a table a view reads)."""

    id = models.BigIntegerField(primary_key=True)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.DO_NOTHING, related_name="history", db_constraint=False
    )
    workshop = models.ForeignKey(
        "registry.Workshop", on_delete=models.DO_NOTHING, related_name="history", db_constraint=False
    )
    source_list = models.ForeignKey(
        "contributions.ContributionList",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="history_months",
        db_constraint=False,
    )

    class Meta(MonthValues.Meta):
        managed = False
        db_table = "records_history"
        verbose_name = "ماه سابقه"
        verbose_name_plural = "ماه‌های سابقه"

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}-{self.month:02d} @{self.workshop_id}"

    @property
    def recorded_id(self) -> int | None:
        """The RecordedMonth this month is, if it is one."""
        return -self.id if self.id < 0 else None


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
    # The recorded month the objection is about or made (an accepted objection's correction of a list
    # row is a RecordedMonth overriding it); None for a list row not (yet) corrected.
    history_month = models.ForeignKey(
        RecordedMonth, on_delete=models.SET_NULL, null=True, blank=True, related_name="objections"
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
