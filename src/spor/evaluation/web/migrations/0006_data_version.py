"""The version of the data the lead's evaluation page is computed from, per municipality
(``DataVersion``). The triggers that keep it are installed after ``migrate`` by
:func:`spor.evaluation.web.versions.ensure` (as the local outcomes' are), which also gives every
municipality a row; going back, they are dropped first."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from spor.tenancy.rls import EnableTenantRLS


def uninstall(apps: Any, schema_editor: Any) -> None:
    from spor.evaluation.web import versions

    versions.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation_web", "0005_outcome_cells_state_build"),
        ("tenancy", "0003_access_log_floor_in_the_disposal_function"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("cells", models.CharField(max_length=36, verbose_name="udgave af besvarelserne")),
                (
                    "cases",
                    models.CharField(max_length=36, verbose_name="udgave af forløb og bekymringer"),
                ),
                (
                    "cells_xact",
                    models.BigIntegerField(
                        blank=True, null=True, verbose_name="transaktion (besvarelser)"
                    ),
                ),
                (
                    "cases_xact",
                    models.BigIntegerField(
                        blank=True, null=True, verbose_name="transaktion (forløb)"
                    ),
                ),
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
                "verbose_name": "evalueringsdataenes udgave",
                "verbose_name_plural": "evalueringsdataenes udgaver",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("municipality",), name="evaluation_data_version_once"
                    )
                ],
            },
        ),
        EnableTenantRLS("DataVersion"),
        migrations.RunPython(migrations.RunPython.noop, uninstall),
    ]
