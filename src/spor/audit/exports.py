"""The parent's copy of a child's access log: when, which role, what and why — no staff
names (the EU Court's C-579/21 gives the data subject the times and purposes, not the
employees' identities) and no CPR."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone

from spor.audit.models import AccessLogEntry
from spor.lib.spreadsheets import csv_value

COLUMNS = ["tidspunkt", "rolle", "handling", "hvad", "formål"]


def access_log_csv(entries: Iterable[AccessLogEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                csv_value(v)
                for v in [
                    timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                    e.actor_role,
                    e.get_action_display(),
                    e.what,
                    e.get_purpose_display(),
                ]
            ]
        )
    return out.getvalue()
