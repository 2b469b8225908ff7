"""Report jobs ordered with the old period filters ``fra``/``til`` get a real path.

The page's period was once two dates (``fra``/``til``, ``åååå-mm-dd``), then two half-years
(``åååå-1``/``åååå-2``); it is now one half-year (``halvaar``), the only period fine enough to
publish. A saved job's filters are the page's query, so an old job kept ``fra``/``til``, which
the form no longer knows: run again (or followed back to the page) it silently showed every
period. This migration converts them:

- where the old period is exactly one half-year (from its first day to its last, or one
  half-year code as both ends) and no other filter than the informant is set, the job gets
  ``halvaar`` — the same children;
- otherwise the period is dropped, since no half-year holds the same children (or a second
  filter is not allowed beside it), and the job's ``notice`` says so in Danish on its status
  page, with what to do.

Either way ``fra``/``til`` are gone and the notice says what changed. The conversion is kept
here, as it was at the time, and does not import the app's code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import migrations, models

HALF_CODE = re.compile(r"^(\d{4})-([12])$")
# The filters that choose children besides the informant (one at most, with halvaar).
CHOOSING = ("indsats", "type", "niveau", "maalgruppe", "alder")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _half(text: str, *, end: bool) -> str | None:
    """The half-year code an old bound is exactly the first (or, ``end``, the last) day of."""
    found = HALF_CODE.match(text)
    if found:
        return text
    day = _date(text)
    if day is None:
        return None
    part = 1 if day.month <= 6 else 2
    edge = (dt.date(day.year, 6, 30), dt.date(day.year, 12, 31)) if end else (
        dt.date(day.year, 1, 1), dt.date(day.year, 7, 1))  # fmt: skip
    return f"{day.year}-{part}" if day == edge[part - 1] else None


def _shown(text: str, *, end: bool) -> str:
    """An old bound as a person reads it: 01.02.2026, or 1. halvår 2026."""
    found = HALF_CODE.match(text)
    if found:
        year, part = found.groups()
        return f"{'slutningen af ' if end else ''}{part}. halvår {year}"
    day = _date(text)
    return f"{day:%d.%m.%Y}" if day else f"»{text}«"


def _period(start: str, stop: str) -> str:
    if start and stop:
        return f"fra {_shown(start, end=False)} til {_shown(stop, end=True)}"
    if start:
        return f"fra {_shown(start, end=False)} og frem"
    return f"til og med {_shown(stop, end=True)}"


def converted(filters: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(the new filters, the notice) for a job's old filters."""
    start, stop = str(filters.get("fra") or ""), str(filters.get("til") or "")
    new = {k: v for k, v in filters.items() if k not in ("fra", "til")}
    if not start and not stop:
        return new, ""
    was = f"Rapporten blev bestilt med perioden {_period(start, stop)}."
    first = _half(start, end=False) if start else None
    last = _half(stop, end=True) if stop else None
    other = any(new.get(k) for k in (*CHOOSING, "halvaar"))
    if first and first == last and not other:
        new["halvaar"] = first
        year, part = first.split("-")
        return new, (
            f"{was} Perioder vælges nu som ét halvår, og perioden er lavet om til {part}. halvår "
            f"{year}: de samme dage og de samme børn."
        )
    why = (
        "der nu højst kan vælges ét filter ud over informanten"
        if first and first == last
        else "perioder nu kun kan vælges som ét helt halvår, og perioden ikke er ét halvår"
    )
    return new, (
        f"{was} Perioden er fjernet, fordi {why}: rapporten viser alle perioder. Vil du have "
        "tallene for ét halvår, så vælg halvåret på evalueringssiden og bestil rapporten igen."
    )


def forward(apps: Any, schema_editor: Any) -> None:
    ReportJob = apps.get_model("evaluation_web", "ReportJob")
    for job in ReportJob.objects.filter(
        models.Q(filters__has_key="fra") | models.Q(filters__has_key="til")
    ).iterator():
        job.filters, job.notice = converted(dict(job.filters))
        job.save(update_fields=["filters", "notice"])


class Migration(migrations.Migration):
    dependencies = [("evaluation_web", "0002_row_level_security")]

    operations = [
        # Room for the form's messages when a job's filters are refused as it runs.
        migrations.AlterField(
            model_name="reportjob",
            name="message",
            field=models.CharField(blank=True, max_length=500, verbose_name="besked"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="notice",
            field=models.CharField(blank=True, max_length=500, verbose_name="ændring"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
