"""Each municipality's stored evaluation cells kept once more as one packed value per
informant (``OutcomeCellsPacked``), written by the cells job with its build, under row-level
security as the cells. Cells built before this are read as rows until the job builds them
again (the value is read only under its own build)."""

import django.db.models.deletion
from django.db import migrations, models

from spor.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation_web", "0006_data_version"),
        ("tenancy", "0003_access_log_floor_in_the_disposal_function"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutcomeCellsPacked",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("informant", models.CharField(max_length=20, verbose_name="informant")),
                ("build", models.UUIDField(verbose_name="bygning")),
                ("cells", models.IntegerField(verbose_name="antal celler")),
                ("data", models.BinaryField(verbose_name="cellerne, pakket")),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.municipality",
                        verbose_name="kommune",
                    ),
                ),
            ],
            options={
                "verbose_name": "evalueringsceller, pakket",
                "verbose_name_plural": "evalueringsceller, pakket",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("municipality", "informant"), name="evaluation_cells_packed_once"
                    )
                ],
            },
        ),
        EnableTenantRLS("OutcomeCellsPacked"),
    ]
