"""Instalment agreements (تقسیط بدهی) and penalty forgiveness runs (بخشودگی جرائم).

An agreement is requested, then approved (its schedule is stored) or rejected; an approved agreement is
active until the payments complete it or a missed instalment voids it (`tamin.rules.installments.missed`
decides; the stored status follows it when the agreement is next touched). A forgiveness run applies one
campaign on one day to every workshop's bills; its lines say what was forgiven on which bill.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AgreementStatus(models.TextChoices):
    REQUESTED = "requested", "درخواست‌شده"
    REJECTED = "rejected", "ردشده"
    ACTIVE = "active", "جاری"
    COMPLETED = "completed", "تسویه‌شده"
    VOID = "void", "حال‌شده"


OPEN_STATUSES = (AgreementStatus.REQUESTED, AgreementStatus.ACTIVE)


class InstallmentAgreement(models.Model):
    """One request to pay a workshop's debt in instalments, and, once approved, the plan."""

    workshop = models.ForeignKey("registry.Workshop", on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField("وضعیت", max_length=10, choices=AgreementStatus.choices)
    requested_months = models.PositiveSmallIntegerField("تعداد اقساط")
    requested_on = models.DateField("تاریخ درخواست")
    requested_debt = models.BigIntegerField("بدهی در تاریخ درخواست")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField("ثبت درخواست", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    decision_note = models.CharField("توضیح تصمیم", max_length=300, blank=True)
    # The plan (set on approval). The debt is what the statement showed as `signed_on` opened (the end of
    # the day before); payments from that day on count toward the instalments.
    signed_on = models.DateField("تاریخ قرارداد", null=True, blank=True)
    debt = models.BigIntegerField("بدهی تقسیط‌شده", null=True, blank=True)
    down_payment = models.BigIntegerField("پیش‌قسط", null=True, blank=True)
    total = models.BigIntegerField("جمع اقساط با بهره", null=True, blank=True)
    bills = models.JSONField("برگ‌های مشمول", default=list)
    derivation = models.JSONField("شرح محاسبه", default=dict)
    void_on = models.DateField("تاریخ حال شدن", null=True, blank=True)
    completed_on = models.DateField("تاریخ تسویه", null=True, blank=True)

    class Meta:
        ordering = ["workshop_id", "-requested_at", "-id"]
        verbose_name = "قرارداد تقسیط"
        verbose_name_plural = "قراردادهای تقسیط"
        constraints = [
            # One open request or plan per workshop: a second would count the same payments twice.
            models.UniqueConstraint(
                fields=["workshop"],
                condition=Q(status__in=["requested", "active"]),
                name="one_open_agreement",
            ),
            models.CheckConstraint(condition=Q(requested_months__gte=1), name="agreement_months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} #{self.pk} {self.status}"


class Installment(models.Model):
    """One row of an approved schedule. Number 0 is the down payment."""

    agreement = models.ForeignKey(InstallmentAgreement, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveSmallIntegerField("شماره قسط")
    due_on = models.DateField("سررسید")
    principal = models.BigIntegerField("اصل")
    interest = models.BigIntegerField("بهره")

    class Meta:
        ordering = ["agreement_id", "number"]
        verbose_name = "قسط"
        verbose_name_plural = "اقساط"
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="installment_unique")]

    def __str__(self) -> str:
        return f"{self.agreement_id}:{self.number}"

    @property
    def amount(self) -> int:
        return self.principal + self.interest


class ForgivenessRun(models.Model):
    """One application of a campaign on one day. Applying it again on that day changes nothing."""

    campaign = models.CharField("طرح", max_length=60)
    as_of = models.DateField("تاریخ اعمال")
    ran_at = models.DateTimeField("زمان اجرا", auto_now_add=True)
    ran_by = models.CharField("اجراکننده", max_length=150)
    workshops = models.PositiveIntegerField("تعداد کارگاه", default=0)
    bills = models.PositiveIntegerField("تعداد برگ", default=0)
    late_list_forgiven = models.BigIntegerField("جریمهٔ تأخیر ارسال بخشوده", default=0)
    late_payment_forgiven = models.BigIntegerField("جریمهٔ تأخیر پرداخت بخشوده", default=0)
    total_forgiven = models.BigIntegerField("جمع بخشوده", default=0)
    report = models.JSONField("گزارش", default=dict)

    class Meta:
        ordering = ["-as_of", "campaign"]
        verbose_name = "اجرای بخشودگی"
        verbose_name_plural = "اجراهای بخشودگی"
        constraints = [models.UniqueConstraint(fields=["campaign", "as_of"], name="forgiveness_run_key")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.as_of}"


class Basis(models.TextChoices):
    PAID = "paid", "پرداخت کامل اصل"
    INSTALLMENT = "installment", "قرارداد تقسیط"


class ForgivenessLine(models.Model):
    """What one run forgave on one bill. A campaign forgives a bill's penalties once: a later run of the
    same campaign only adds what a better condition now allows (the difference)."""

    run = models.ForeignKey(ForgivenessRun, on_delete=models.PROTECT, related_name="lines")
    campaign = models.CharField("طرح", max_length=60)
    workshop = models.ForeignKey("registry.Workshop", on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey("contributions.Bill", on_delete=models.PROTECT, related_name="+")
    month = models.PositiveIntegerField("ماه لیست (yyyymm)")
    percent = models.PositiveSmallIntegerField("درصد")
    basis = models.CharField("مبنا", max_length=11, choices=Basis.choices)
    # Forgiveness bought with an instalment plan is lost if the plan becomes void.
    agreement = models.ForeignKey(
        InstallmentAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    late_list_penalty = models.BigIntegerField("جریمهٔ تأخیر ارسال")
    late_payment_penalty = models.BigIntegerField("جریمهٔ تأخیر پرداخت")
    late_list_forgiven = models.BigIntegerField("بخشودهٔ تأخیر ارسال")
    late_payment_forgiven = models.BigIntegerField("بخشودهٔ تأخیر پرداخت")
    total_forgiven = models.BigIntegerField("جمع بخشوده")

    class Meta:
        ordering = ["run_id", "workshop_id", "bill_id"]
        verbose_name = "ردیف بخشودگی"
        verbose_name_plural = "ردیف‌های بخشودگی"
        constraints = [models.UniqueConstraint(fields=["run", "bill"], name="forgiveness_line_unique")]
        indexes = [models.Index(fields=["workshop", "bill"]), models.Index(fields=["campaign", "bill"])]

    def __str__(self) -> str:
        return f"{self.campaign} {self.bill_id} {self.total_forgiven}"
