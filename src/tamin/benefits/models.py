"""Pension awards and the monthly payroll.

An award (حکم مستمری) is what the payroll pays: a base amount at its start month, raised by every yearly
increase after its start year. A payroll run is one Jalali month, written whole or not at all; its lines
are one per active award and keep each component the slip shows.
"""

from __future__ import annotations

from django.conf import settings
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
    # An award approved after payroll months from its start month had already been run: the first month
    # the payroll saw it. The months run before it (start ≤ month < first payroll) are paid as arrears
    # by the first run that includes it. Empty: the payroll saw it from its start month.
    first_payroll_year = models.PositiveSmallIntegerField("سال نخستین فهرست پرداخت", null=True, blank=True)
    first_payroll_month = models.PositiveSmallIntegerField("ماه نخستین فهرست پرداخت", null=True, blank=True)
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

    @property
    def first_payroll(self) -> JalaliMonth:
        if self.first_payroll_year is None or self.first_payroll_month is None:
            return self.start
        return JalaliMonth(self.first_payroll_year, self.first_payroll_month)


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
    child_allowance = models.BigIntegerField("حق اولاد", default=0)
    loan_installment = models.BigIntegerField("قسط وام", default=0)
    court_order = models.BigIntegerField("کسر به حکم دادگاه", default=0)
    arrears = models.BigIntegerField("معوقه", default=0)
    net = models.BigIntegerField("خالص پرداختی")

    class Meta:
        ordering = ["run_id", "award_id"]
        constraints = [models.UniqueConstraint(fields=["run", "award"], name="payroll_line_unique")]
        indexes = [models.Index(fields=["person", "run"], name="payroll_line_person")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.award_id} {self.net}"


# --- pension claims (درخواست مستمری) ----------------------------------------------------------------


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "ثبت‌شده"
    PREPARED = "prepared", "آماده‌شده (در انتظار تأیید)"
    APPROVED = "approved", "تأییدشده"
    REJECTED = "rejected", "ردشده"
    WITHDRAWN = "withdrawn", "انصراف"


OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.PREPARED)


class PensionClaim(models.Model):
    """A claim for a pension, decided maker–checker: one branch staff member prepares it (the engine's
    computation from the history as of the application date), another approves it — which creates the
    award — or either rejects it with a reason. The applicant may withdraw it before preparation."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pension_claims")
    kind = models.CharField("نوع مستمری", max_length=16, choices=AwardKind.choices)
    application_date = models.DateField("تاریخ درخواست")
    status = models.CharField(
        "وضعیت", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    # The engine's answer (rules.pensions.*_explained) at submission, replaced by the maker's recomputation.
    result = models.JSONField("نتیجهٔ محاسبه", default=dict, blank=True)
    # Facts beyond the history a disability or survivors claim needs (event date, percent, survivors…).
    facts = models.JSONField("اطلاعات درخواست", default=dict, blank=True)
    # The documents checklist the maker ticks: {"id_card": true, ...}.
    documents = models.JSONField("مدارک", default=dict, blank=True)
    notes = models.TextField("یادداشت کارشناس", blank=True)
    rejection_reason = models.TextField("دلیل رد", blank=True)
    award = models.OneToOneField(
        PensionAward, on_delete=models.PROTECT, null=True, blank=True, related_name="claim"
    )
    submitted_at = models.DateTimeField("ثبت")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField("آماده‌سازی", null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("تصمیم", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "درخواست مستمری"
        verbose_name_plural = "درخواست‌های مستمری"
        indexes = [models.Index(fields=["status", "kind"], name="claim_status")]
        constraints = [
            # One open claim per person and kind: a second application waits for the first's decision.
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(status__in=["submitted", "prepared"]),
                name="claim_one_open",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="claim_reject_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(award__isnull=False), name="claim_approved_award"
            ),
            # maker ≠ checker, also for writes that bypass the service
            models.CheckConstraint(
                condition=Q(prepared_by__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(status="approved")
                | ~Q(prepared_by=models.F("decided_by")),
                name="claim_maker_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} {self.kind} {self.person_id} ({self.status})"

    @property
    def number(self) -> str:
        """The claim number people quote: year of application and the id."""
        return f"{JalaliMonth.of(self.application_date).year}-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CLAIM_STATUSES


class DeductionKind(models.TextChoices):
    LOAN = "loan", "قسط وام"
    SUPPLEMENTARY = "supplementary", "حق بیمهٔ تکمیلی"
    COURT_ORDER = "court_order", "کسر به حکم دادگاه"


class PensionDeduction(models.Model):
    """A monthly deduction from one award, from its start month for `months` months (open-ended: until
    ended). A loan instalment or a court order is a fixed amount; the supplementary-insurance premium is
    the month's parameter × the persons covered, so a new contract year needs no new row."""

    award = models.ForeignKey(PensionAward, on_delete=models.PROTECT, related_name="deductions")
    kind = models.CharField("نوع کسر", max_length=16, choices=DeductionKind.choices)
    # Integer Rials a month; empty for the supplementary premium (taken from the parameters).
    amount = models.BigIntegerField("مبلغ ماهانه (ریال)", null=True, blank=True)
    covered_persons = models.PositiveSmallIntegerField("تعداد افراد تحت پوشش", default=1)
    start_year = models.PositiveSmallIntegerField("سال شروع")
    start_month = models.PositiveSmallIntegerField("ماه شروع")
    months = models.PositiveSmallIntegerField("تعداد ماه", null=True, blank=True)
    creditor = models.CharField("بستانکار", max_length=200, blank=True)
    reference = models.CharField("شمارهٔ مرجع", max_length=60, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award_id", "start_year", "start_month", "pk"]
        indexes = [models.Index(fields=["start_year", "start_month"], name="deduction_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1) & Q(start_month__lte=12), name="deduction_month"
            ),
            models.CheckConstraint(
                condition=(Q(kind="supplementary") & Q(amount__isnull=True) & Q(covered_persons__gte=1))
                | (~Q(kind="supplementary") & Q(amount__gt=0)),
                name="deduction_amount",
            ),
            models.CheckConstraint(
                condition=Q(months__isnull=True) | Q(months__gte=1), name="deduction_months"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.award_id} از {self.start}"

    @property
    def start(self) -> JalaliMonth:
        return JalaliMonth(self.start_year, self.start_month)

    @property
    def end(self) -> JalaliMonth | None:
        return None if self.months is None else self.start + (self.months - 1)
