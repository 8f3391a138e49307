"""Pension awards and the monthly payroll.

An award (حکم مستمری) is what the payroll pays: a base amount at its start month, raised by every yearly
increase after its start year. A payroll run is one Jalali month, written whole or not at all; its lines
are one per active award and keep each component the slip shows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tamin.core.jalali import JalaliMonth
from tamin.registry.models import Person


class AwardKind(models.TextChoices):
    RETIREMENT = "retirement", "بازنشستگی"
    DISABILITY = "disability", "از کارافتادگی"
    SURVIVORS = "survivors", "بازماندگان"


class AwardStatus(models.TextChoices):
    ACTIVE = "active", "برقرار"
    STOPPED = "stopped", "قطع‌شده"


class PensionAward(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pension_awards")
    kind = models.CharField("نوع مستمری", max_length=16, choices=AwardKind.choices)
    start_year = models.PositiveSmallIntegerField("سال برقراری")
    start_month = models.PositiveSmallIntegerField("ماه برقراری")
    # The pension in its start month, before any yearly increase (integer Rials).
    base_amount = models.BigIntegerField("مستمری برقراری (ریال)")
    # Established pro rata to the years of record (10-year law, partial disability): its own increase band.
    pro_rata = models.BooleanField("نسبی", default=False)
    status = models.CharField("وضعیت", max_length=8, choices=AwardStatus.choices, default=AwardStatus.ACTIVE)
    derivation = models.JSONField("محاسبه", default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "start_year", "start_month"], name="award_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1) & Q(start_month__lte=12), name="award_month"
            ),
            models.CheckConstraint(condition=Q(base_amount__gte=0), name="award_base_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id} از {self.start}"

    @property
    def start(self) -> JalaliMonth:
        return JalaliMonth(self.start_year, self.start_month)


class PayrollRun(models.Model):
    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    status = models.CharField("وضعیت", max_length=12, default="completed")
    line_count = models.PositiveIntegerField("تعداد", default=0)
    total_pension = models.BigIntegerField("جمع مستمری", default=0)
    total_allowances = models.BigIntegerField("جمع مزایا", default=0)
    total_deductions = models.BigIntegerField("جمع کسور", default=0)
    total_arrears = models.BigIntegerField("جمع معوقه", default=0)
    total_net = models.BigIntegerField("جمع خالص", default=0)
    # What applied to the whole month: increases used, years with no decision yet, components not found.
    notes = models.JSONField(default=dict, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="payroll_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="payroll_month"),
        ]

    def __str__(self) -> str:
        return f"payroll {self.period}"

    @property
    def period(self) -> JalaliMonth:
        return JalaliMonth(self.year, self.month)


class PayrollLine(models.Model):
    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="lines")
    award = models.ForeignKey(PensionAward, on_delete=models.PROTECT, related_name="payroll_lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payroll_lines")
    pension_before = models.BigIntegerField("مستمری پیش از افزایش")
    pension_after = models.BigIntegerField("مستمری")
    # Band of the latest yearly increase applied: 0 minimum, 1 other, -1 none yet (awarded this year).
    adjustment_band = models.SmallIntegerField("طبقهٔ افزایش", default=-1)
    family_allowance = models.BigIntegerField("کمک هزینهٔ عائله‌مندی", default=0)
    housing_allowance = models.BigIntegerField("کمک هزینهٔ مسکن", default=0)
    supplementary_insurance = models.BigIntegerField("حق بیمهٔ تکمیلی", default=0)
    arrears = models.BigIntegerField("معوقه", default=0)
    net = models.BigIntegerField("خالص پرداختی")

    class Meta:
        ordering = ["run_id", "award_id"]
        constraints = [models.UniqueConstraint(fields=["run", "award"], name="payroll_line_unique")]
        indexes = [models.Index(fields=["person", "run"], name="payroll_line_person")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.award_id} {self.net}"
