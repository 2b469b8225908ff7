"""Each build of a municipality's stored evaluation cells gets an identity of its own
(``OutcomeCellsState.build``), so that the programme's kept results can be keyed by the builds
instead of the cells themselves. The cells already built get one each here: they are exactly
what their last build wrote."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations, models


def forward(apps: Any, schema_editor: Any) -> None:
    state = apps.get_model("evaluation_web", "OutcomeCellsState")
    for pk in state.objects.filter(refreshed_at__isnull=False).values_list("pk", flat=True):
        state.objects.filter(pk=pk).update(build=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("evaluation_web", "0004_outcome_cells")]

    operations = [
        migrations.AddField(
            model_name="outcomecellsstate",
            name="build",
            field=models.UUIDField(blank=True, null=True, verbose_name="bygning"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
