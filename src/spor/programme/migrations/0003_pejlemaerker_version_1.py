"""Ships the faglige pejlemærker (version 1) as data: spor.programme.pejlemaerker."""

from typing import Any

from django.db import migrations

from spor.programme.pejlemaerker import VERSION_1, load


def forwards(apps: Any, schema_editor: Any) -> None:
    load(apps, VERSION_1)


def backwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("programme", "BenchmarkFramework").objects.filter(
        version=VERSION_1["version"], programmes__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_row_level_security")]

    operations = [migrations.RunPython(forwards, backwards)]
