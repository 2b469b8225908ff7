"""Scoped reads behind the suggestions from need: the case's need profile. The ranking
itself is :mod:`spor.cases.matching` (pure).

What is read here, and why it may be:

* the concern the case started from (the case links it);
* the child's latest agreed screening position and focus points, only as far as the
  actor may see them (:func:`spor.screening.selectors.latest_position`: the consent rules).

The SDQ part (the case's baseline bands, and what worked locally for similar children) is
measurement's, a later stage of the loop: :mod:`spor.measurement.needs` reads it and the
caller above both (the case's views) hands it in.
"""

from __future__ import annotations

from collections.abc import Mapping

from spor.accounts.access import Actor
from spor.cases import matching
from spor.cases.models import Case
from spor.screening import selectors as screening


def case_profile(
    actor: Actor, case: Case, *, sdq_bands: Mapping[str, str | None]
) -> matching.NeedProfile:
    """The need profile of the case's child: its concern, screening and the SDQ bands
    given (:func:`spor.measurement.needs.baseline_bands`)."""
    categories = []
    if case.source_concern_id is not None and case.source_concern is not None:
        categories.append(case.source_concern.category)
    position, focus = "", []
    if case.child is not None:
        latest = screening.latest_position(actor, case.child)
        if latest is not None:
            position = latest.position
            focus = [p for points in (latest.focus or {}).values() for p in points]
    return matching.profile(
        concern_categories=categories,
        screening_position=position,
        screening_focus=focus,
        sdq_bands=sdq_bands,
    )
