"""`manage.py check`: the norm set an installation chose for "normalområdet" must exist and
fit a form, or every response would be banded with the form's default without a word."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from spor import sdq


@register()
def sdq_norm_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    wanted = str(getattr(settings, "SPOR_SDQ_NORMS", "") or "")
    if not wanted:
        return []
    try:
        ns = sdq.load_norm_set(wanted)
    except sdq.SDQError as exc:
        return [
            Error(
                f"SPOR_SDQ_NORMS={wanted!r} er ikke et normsæt, Spor kender: {exc}",
                hint=f"Brug et af {', '.join(sdq.list_norm_sets())} (docs/sdq.md).",
                id="spor.E301",
            )
        ]
    fitting = [f for f in sdq.list_forms() if ns.id in sdq.load_instrument(f).norm_sets]
    if not (ns.forms or fitting):
        return [
            Error(
                f"Normsættet {ns.ref} (SPOR_SDQ_NORMS) passer ikke til noget skema.",
                hint="Vælg et normsæt, der lister de skemaer, der bruges (docs/sdq.md).",
                id="spor.E302",
            )
        ]
    return []
