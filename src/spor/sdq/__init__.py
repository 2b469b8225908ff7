"""SDQ scoring, banding and change for Spor: exact, vectorised, and free of Django.

The Strengths and Difficulties Questionnaire (SDQ) is scored here exactly as youthinmind's
published scoring syntax does it, from instrument definitions that are data
(``spor/sdq/data/instruments/*.json``), and banded with versioned norm sets
(``spor/sdq/data/norms/*.json``). The same functions serve the web app (one response), the
command line (``spor sdq score``) and a notebook (a million responses).

Missing values are ``-1`` (:data:`MISSING`) in answer, score and band arrays: the arrays are int8
and NaN-free. :meth:`ScoreResult.as_float` gives NaN-based float arrays if you prefer them.

>>> import numpy as np
>>> from spor import sdq
>>> answers = np.zeros((1, 25), dtype=np.int8)     # every item "not true"
>>> res = sdq.score(answers, form="parent-4-17")
>>> int(res["conduct"][0]), int(res["total"][0])   # items 7, 11, 14, 21, 25 are reversed
(2, 10)
>>> sdq.band(res, "uk-3band").labels("total").tolist()
['normal']

Rules, sources of every cut-off and the choices Spor made are documented in ``docs/sdq.md``.
"""

from __future__ import annotations

from spor.sdq._base import MISSING, SDQError
from spor.sdq._change import (
    ADDED_VALUE_SD,
    CHANGE_CATEGORIES,
    CHANGE_LABELS_DA,
    RCI_CRITICAL,
    RELIABILITY_KINDS_DA,
    RciParameters,
    added_value,
    change_category,
    rci_details,
    rci_of_change,
    rci_parameters,
    reliable_change,
    score_change,
)
from spor.sdq._engine import round_half_up_ratio, scale_score, score, score_one
from spor.sdq._instrument import (
    Instrument,
    list_forms,
    load_instrument,
    load_item_wording,
)
from spor.sdq._norms import BandResult, NormSet, band, list_norm_sets, load_norm_set
from spor.sdq._pairs import OCCASIONS, PairedInput, read_pairs
from spor.sdq._result import ScoreResult

__all__ = [
    "ADDED_VALUE_SD",
    "CHANGE_CATEGORIES",
    "CHANGE_LABELS_DA",
    "MISSING",
    "OCCASIONS",
    "RCI_CRITICAL",
    "RELIABILITY_KINDS_DA",
    "BandResult",
    "Instrument",
    "NormSet",
    "PairedInput",
    "RciParameters",
    "SDQError",
    "ScoreResult",
    "added_value",
    "band",
    "change_category",
    "list_forms",
    "list_norm_sets",
    "load_instrument",
    "load_item_wording",
    "load_norm_set",
    "rci_details",
    "rci_of_change",
    "rci_parameters",
    "read_pairs",
    "reliable_change",
    "round_half_up_ratio",
    "scale_score",
    "score",
    "score_change",
    "score_one",
]
