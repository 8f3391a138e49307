"""History as a view over the posted list rows (see HistoryMonth): the history table keeps only the
months that are not a list row as posted (RecordedMonth); `records_history` reads both."""

import django.db.models.deletion
from django.db import migrations, models

# The definition as this migration created it (tamin.records.history_view.CREATE holds the current one,
# for later migrations that must drop and re-create the view around a table rebuild).
VIEW = """
CREATE VIEW records_history AS
SELECT r.id AS id, r.person_id AS person_id, c.workshop_id AS workshop_id, c.year AS year,
       c.month AS month, r.days AS days, r.daily_wage AS daily_wage, r.monthly_wage AS wage,
       r.wage_subject AS wage_subject, r.job_code AS job_code, r.hard_job AS hard_job,
       r.contribution_list_id AS source_list_id, r.row_no AS source_row
FROM contributions_listrow AS r
JOIN contributions_contributionlist AS c ON c.id = r.contribution_list_id
WHERE NOT EXISTS (
    SELECT 1 FROM records_recordedmonth AS o
    WHERE o.source_list_id = r.contribution_list_id AND o.source_row = r.row_no
)
UNION ALL
SELECT -m.id, m.person_id, m.workshop_id, m.year, m.month, m.days, m.daily_wage, m.wage,
       m.wage_subject, m.job_code, m.hard_job, m.source_list_id, m.source_row
FROM records_recordedmonth AS m
"""

# The list rows' copies go: the view gives them. What stays of a list-sourced month is a correction an
# accepted objection made (the objection points at it); other objections' links to a copy are cleared.
KEEP = (
    "SELECT history_month_id FROM records_objection"
    " WHERE status = 'accepted' AND history_month_id IS NOT NULL"
)
CLEANUP = [
    "UPDATE records_objection SET history_month_id = NULL WHERE history_month_id IN"
    f" (SELECT id FROM records_recordedmonth WHERE source_list_id IS NOT NULL AND id NOT IN ({KEEP}))",
    f"DELETE FROM records_recordedmonth WHERE source_list_id IS NOT NULL AND id NOT IN ({KEEP})",
]


class Migration(migrations.Migration):
    dependencies = [
        # After every migration of these apps written before the view: on SQLite a table rebuild
        # (AlterField) of a table the view reads fails while the view exists (see history_view.py).
        ("contributions", "0006_write_path_indexes"),
        ("records", "0002_bulk_write"),
        ("registry", "0003_contribution_facts"),
    ]

    operations = [
        migrations.RenameModel("HistoryMonth", "RecordedMonth"),
        migrations.AlterModelOptions(
            name="recordedmonth",
            options={
                "ordering": ["person_id", "year", "month", "workshop_id"],
                "verbose_name": "ماه سابقهٔ ثبت\u200cشده",
                "verbose_name_plural": "ماه\u200cهای سابقهٔ ثبت\u200cشده",
            },
        ),
        migrations.AlterField(
            model_name="recordedmonth",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recorded_months",
                to="registry.person",
            ),
        ),
        migrations.AlterField(
            model_name="recordedmonth",
            name="workshop",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recorded_months",
                to="registry.workshop",
            ),
        ),
        migrations.AlterField(
            model_name="recordedmonth",
            name="source_list",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recorded_months",
                to="contributions.contributionlist",
            ),
        ),
        migrations.RunSQL(CLEANUP, migrations.RunSQL.noop),
        migrations.RemoveIndex(model_name="recordedmonth", name="records_his_source__c86cd7_idx"),
        migrations.AddConstraint(
            model_name="recordedmonth",
            constraint=models.UniqueConstraint(
                condition=models.Q(source_list__isnull=False),
                fields=("source_list", "source_row"),
                name="recorded_month_one_per_row",
            ),
        ),
        migrations.CreateModel(
            name="HistoryMonth",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("year", models.PositiveSmallIntegerField(verbose_name="سال")),
                ("month", models.PositiveSmallIntegerField(verbose_name="ماه")),
                ("days", models.PositiveSmallIntegerField(verbose_name="روز")),
                ("daily_wage", models.BigIntegerField(verbose_name="دستمزد روزانه")),
                ("wage", models.BigIntegerField(verbose_name="دستمزد ماهانه")),
                ("wage_subject", models.BigIntegerField(verbose_name="دستمزد مشمول کسر حق بیمه")),
                ("job_code", models.CharField(blank=True, max_length=10, verbose_name="کد شغل")),
                ("hard_job", models.BooleanField(default=False, verbose_name="مشاغل سخت و زیان\u200cآور")),
                ("source_row", models.PositiveIntegerField(blank=True, null=True, verbose_name="ردیف لیست")),
                (
                    "person",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="history",
                        to="registry.person",
                    ),
                ),
                (
                    "workshop",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="history",
                        to="registry.workshop",
                    ),
                ),
                (
                    "source_list",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="history_months",
                        to="contributions.contributionlist",
                    ),
                ),
            ],
            options={
                "verbose_name": "ماه سابقه",
                "verbose_name_plural": "ماه\u200cهای سابقه",
                "db_table": "records_history",
                "ordering": ["person_id", "year", "month", "workshop_id"],
                "managed": False,
            },
        ),
        migrations.RunSQL(VIEW, "DROP VIEW records_history"),
    ]
