from django.db import migrations, models

from spor.lib.dbstats import analyze_on_sqlite


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_intervention_needs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["municipality", "opened_on", "id"], name="case_muni_opened_id"
            ),
        ),
        analyze_on_sqlite("cases_case"),
    ]
