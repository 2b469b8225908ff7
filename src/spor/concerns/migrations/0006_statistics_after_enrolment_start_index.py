"""The registry's new enrolment index (municipality, start, id, child) came without SQLite's
statistics, and a database in use then chose it for "current enrolments of these groups": a
teacher's concern lists scanned every started enrolment of the municipality."""

from django.db import migrations

from spor.lib.dbstats import analyze_on_sqlite


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0005_concern_list_order_indexes"),
        ("registry", "0003_enrolment_start_index"),
    ]

    operations = [analyze_on_sqlite("registry_enrolment")]
