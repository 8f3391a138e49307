"""List rows by person: a person's history is read from them (records.HistoryMonth is a view)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0004_list_row_person_unindexed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="listrow",
            index=models.Index(fields=["person"], name="list_row_person"),
        ),
    ]
