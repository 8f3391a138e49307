"""History months: no per-row foreign-key checks, no redundant indexes (see HistoryMonth)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0003_bulk_write"),
        ("records", "0001_initial"),
        ("registry", "0003_contribution_facts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historymonth",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="history",
                to="registry.person",
            ),
        ),
        migrations.AlterField(
            model_name="historymonth",
            name="source_list",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="history_months",
                to="contributions.contributionlist",
            ),
        ),
        migrations.AlterField(
            model_name="historymonth",
            name="workshop",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="history",
                to="registry.workshop",
            ),
        ),
    ]
