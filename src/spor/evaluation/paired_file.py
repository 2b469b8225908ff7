"""``spor sdq evaluate``: the evaluation page's figures (:mod:`spor.evaluation.outcome`) on
the before/after pairs of a file of SDQ responses (:func:`spor.sdq.read_pairs`), as JSON.
Pure: no Django."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spor import sdq
from spor.evaluation import outcome

__all__ = ["evaluate_file", "write_json"]


def _parameters(
    informant: str,
    norms: str | None,
    default_norms: str | None,
    reliability: float | None,
    mean: float | None,
    sd: float | None,
) -> sdq.RciParameters:
    ns = norms or default_norms
    if ns is None and None in (reliability, mean, sd):
        raise sdq.SDQError(
            "skemaet har intet normsæt: angiv --reliability, --population-mean og "
            "--population-sd / no norm set: give reliability, population mean and SD"
        )
    try:
        if ns is None:
            raise sdq.SDQError("intet normsæt / no norm set")
        params = sdq.rci_details(informant, "total", ns)
    except sdq.SDQError:
        if None in (reliability, mean, sd):
            raise sdq.SDQError(
                f"normsættet {ns} angiver ikke gennemsnit, SD og reliabilitet for {informant}: "
                "angiv --reliability, --population-mean og --population-sd / the norm set gives "
                "no mean, SD and reliability: pass them"
            ) from None
        assert reliability is not None and mean is not None and sd is not None
        base = sdq.RciParameters(
            norm_set=sdq.load_norm_set(ns).ref if ns else "",
            informant=informant,
            scale="total",
            sd=1.0,
            mean=math.nan,
            reliability=0.0,
            reliability_kind="given",
            internal_consistency=math.nan,
            sources={"all": "angivet af brugeren / given by the user"},
        )
        return base.with_reliability(reliability, "given").with_population(mean=mean, sd=sd)
    if reliability is not None:
        params = params.with_reliability(reliability, "given")
    return params.with_population(mean=mean, sd=sd)


def evaluate_file(
    path: str | Path,
    *,
    form: str,
    norms: str | None = None,
    reliability: float | None = None,
    population_mean: float | None = None,
    population_sd: float | None = None,
) -> dict[str, Any]:
    """The JSON the command writes: :meth:`outcome.Outcome.as_json` on the file's pairs, with
    the form, how many rows and children went in, and the parameters used."""
    inst = sdq.load_instrument(form)
    pairs = sdq.read_pairs(path, form)
    if pairs.before.size < 2:
        raise sdq.SDQError(
            f"der skal være mindst 2 børn med både før- og eftermåling (scoret samlet "
            f"vanskelighedsscore), filen har {pairs.before.size} / need at least 2 pairs"
        )
    params = _parameters(
        inst.informant, norms, inst.default_norms, reliability, population_mean, population_sd
    )
    out = outcome.evaluate_pairs(pairs.before, pairs.after, params=params)
    result = out.as_json()
    result.update(
        form=pairs.form,
        n_rows=pairs.n_rows,
        n_before_only=pairs.n_before_only,
        n_after_only=pairs.n_after_only,
        n_not_scored=pairs.n_not_scored,
        parameters={
            "population_mean": params.mean if not math.isnan(params.mean) else None,
            "population_sd": params.sd,
            "reliability": params.reliability,
            "reliability_kind": params.reliability_kind,
            "internal_consistency": None
            if math.isnan(params.internal_consistency)
            else params.internal_consistency,
            "critical_change": params.critical_change,
        },
    )
    return result


def write_json(data: Mapping[str, Any], path: str | Path) -> None:
    """Write JSON atomically: a temporary file in the same folder, renamed on success."""
    p = Path(path)
    directory = p.resolve().parent
    if not directory.is_dir():
        raise sdq.SDQError(f"mappen {directory} findes ikke / directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".spor-evaluate-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
