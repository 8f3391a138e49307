"""Bill.first_submitted_on and Bill.late_list_penalty.

Existing bills: the first submission is taken to be the issue day (the only day known), and the
late-list penalty is computed with the rule (tamin.rules.penalties.late_list_penalty) on the bill's
amount, its due date and that day, in one vectorised pass per chunk.
"""

import numpy as np
from django.db import migrations, models

_CHUNK = 5000


def _fill(apps, schema_editor):
    from tamin.rules.penalties import late_list_penalty

    Bill = apps.get_model("contributions", "Bill")
    db = schema_editor.connection.alias
    Bill.objects.using(db).filter(first_submitted_on__isnull=True).update(
        first_submitted_on=models.F("issued_on")
    )
    late = Bill.objects.using(db).filter(issued_on__gt=models.F("due_on")).order_by("id")
    rows = list(late.values_list("id", "amount", "due_on", "issued_on"))
    for i in range(0, len(rows), _CHUNK):
        part = rows[i : i + _CHUNK]
        penalty = late_list_penalty(
            np.maximum(np.array([r[1] for r in part], dtype=np.int64), 0),
            np.array([r[2] for r in part], dtype="datetime64[D]"),
            np.array([r[3] for r in part], dtype="datetime64[D]"),
        )
        changed = [
            Bill(id=r[0], late_list_penalty=int(p)) for r, p in zip(part, penalty.tolist(), strict=True) if p
        ]
        Bill.objects.using(db).bulk_update(changed, ["late_list_penalty"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="bill",
            name="first_submitted_on",
            field=models.DateField(blank=True, null=True, verbose_name="تاریخ نخستین ارسال لیست"),
        ),
        migrations.AddField(
            model_name="bill",
            name="late_list_penalty",
            field=models.BigIntegerField(default=0, verbose_name="جریمهٔ تأخیر در ارسال لیست"),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
    ]
