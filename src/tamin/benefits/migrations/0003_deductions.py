"""Payroll allowances and deductions: the child allowance, loan and court-order columns of a payroll line,
and the deductions (قسط وام، بیمهٔ تکمیلی، حکم دادگاه) the payroll takes from an award."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benefits", "0002_claims")]

    operations = [
        migrations.AddField(
            model_name="payrollline",
            name="child_allowance",
            field=models.BigIntegerField(default=0, verbose_name="حق اولاد"),
        ),
        migrations.AddField(
            model_name="payrollline",
            name="court_order",
            field=models.BigIntegerField(default=0, verbose_name="کسر به حکم دادگاه"),
        ),
        migrations.AddField(
            model_name="payrollline",
            name="loan_installment",
            field=models.BigIntegerField(default=0, verbose_name="قسط وام"),
        ),
        migrations.CreateModel(
            name="PensionDeduction",
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
                            ("loan", "قسط وام"),
                            ("supplementary", "حق بیمهٔ تکمیلی"),
                            ("court_order", "کسر به حکم دادگاه"),
                        ],
                        max_length=16,
                        verbose_name="نوع کسر",
                    ),
                ),
                ("amount", models.BigIntegerField(blank=True, null=True, verbose_name="مبلغ ماهانه (ریال)")),
                (
                    "covered_persons",
                    models.PositiveSmallIntegerField(default=1, verbose_name="تعداد افراد تحت پوشش"),
                ),
                ("start_year", models.PositiveSmallIntegerField(verbose_name="سال شروع")),
                ("start_month", models.PositiveSmallIntegerField(verbose_name="ماه شروع")),
                ("months", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="تعداد ماه")),
                ("creditor", models.CharField(blank=True, max_length=200, verbose_name="بستانکار")),
                ("reference", models.CharField(blank=True, max_length=60, verbose_name="شمارهٔ مرجع")),
                ("created_by", models.CharField(blank=True, max_length=150)),
                ("created", models.DateTimeField(auto_now_add=True)),
                (
                    "award",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deductions",
                        to="benefits.pensionaward",
                    ),
                ),
            ],
            options={
                "ordering": ["award_id", "start_year", "start_month", "pk"],
                "indexes": [models.Index(fields=["start_year", "start_month"], name="deduction_start")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start_month__gte", 1), ("start_month__lte", 12)),
                        name="deduction_month",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("kind", "supplementary"),
                                ("amount__isnull", True),
                                ("covered_persons__gte", 1),
                            ),
                            models.Q(models.Q(("kind", "supplementary"), _negated=True), ("amount__gt", 0)),
                            _connector="OR",
                        ),
                        name="deduction_amount",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("months__isnull", True), ("months__gte", 1), _connector="OR"),
                        name="deduction_months",
                    ),
                ],
            },
        ),
    ]
