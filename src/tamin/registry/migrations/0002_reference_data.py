from django.db import migrations

from tamin.registry import reference


def load(apps, schema_editor):
    reference.load(apps)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
