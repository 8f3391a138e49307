"""Bulk wage-list writes: the derivation's shared basis stored once; no per-row foreign-key checks on
list rows (the writers check them set-based, see ListRow)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0002_bill_late_list_penalty"),
        ("registry", "0003_contribution_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="PricingBasis",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True, verbose_name="چکیده")),
                ("body", models.JSONField(verbose_name="مبنای محاسبه")),
            ],
            options={
                "verbose_name": "مبنای محاسبه",
                "verbose_name_plural": "مبناهای محاسبه",
            },
        ),
        # The column stays `derivation` (no change in the database): lists posted before keep their whole
        # derivation in it, with no basis.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="contributionlist",
                    old_name="derivation",
                    new_name="own_derivation",
                ),
                migrations.AlterField(
                    model_name="contributionlist",
                    name="own_derivation",
                    field=models.JSONField(
                        db_column="derivation", default=dict, verbose_name="شرح محاسبهٔ لیست"
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="listrow",
            name="contribution_list",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="contributions.contributionlist",
            ),
        ),
        migrations.AlterField(
            model_name="listrow",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="list_rows",
                to="registry.person",
            ),
        ),
        migrations.AddField(
            model_name="contributionlist",
            name="basis",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contributions.pricingbasis",
            ),
        ),
    ]
