"""Pension claims (درخواست مستمری), decided maker–checker; an approved claim points at its award."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0001_initial"),
        ("registry", "0003_contribution_facts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PensionClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("retirement", "بازنشستگی"),
                            ("disability", "از کارافتادگی"),
                            ("survivors", "بازماندگان"),
                        ],
                        max_length=16,
                        verbose_name="نوع مستمری",
                    ),
                ),
                ("application_date", models.DateField(verbose_name="تاریخ درخواست")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("submitted", "ثبت\u200cشده"),
                            ("prepared", "آماده\u200cشده (در انتظار تأیید)"),
                            ("approved", "تأییدشده"),
                            ("rejected", "ردشده"),
                            ("withdrawn", "انصراف"),
                        ],
                        default="submitted",
                        max_length=10,
                        verbose_name="وضعیت",
                    ),
                ),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="نتیجهٔ محاسبه")),
                ("facts", models.JSONField(blank=True, default=dict, verbose_name="اطلاعات درخواست")),
                ("documents", models.JSONField(blank=True, default=dict, verbose_name="مدارک")),
                ("notes", models.TextField(blank=True, verbose_name="یادداشت کارشناس")),
                ("rejection_reason", models.TextField(blank=True, verbose_name="دلیل رد")),
                ("submitted_at", models.DateTimeField(verbose_name="ثبت")),
                ("prepared_at", models.DateTimeField(blank=True, null=True, verbose_name="آماده\u200cسازی")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="تصمیم")),
                (
                    "award",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claim",
                        to="benefits.pensionaward",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pension_claims",
                        to="registry.person",
                    ),
                ),
                (
                    "prepared_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "درخواست مستمری",
                "verbose_name_plural": "درخواست\u200cهای مستمری",
                "ordering": ["-submitted_at", "-id"],
                "indexes": [models.Index(fields=["status", "kind"], name="claim_status")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["submitted", "prepared"])),
                        fields=("person", "kind"),
                        name="claim_one_open",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "rejected"), _negated=True),
                            models.Q(("rejection_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="claim_reject_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "approved"), _negated=True),
                            ("award__isnull", False),
                            _connector="OR",
                        ),
                        name="claim_approved_award",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("prepared_by__isnull", True),
                            ("decided_by__isnull", True),
                            models.Q(("status", "approved"), _negated=True),
                            models.Q(("prepared_by", models.F("decided_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="claim_maker_not_checker",
                    ),
                ],
            },
        ),
    ]
