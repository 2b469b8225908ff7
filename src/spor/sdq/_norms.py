"""Norm sets: versioned cut-offs that turn scores into bands.

A norm set is a JSON file (format ``spor-normset/1``). Cut-offs are given per informant and
score either as ``{"ge": [a, b, …]}`` (band *k* starts where the score reaches the *k*-th
number: higher is worse) or ``{"le": [a, b, …]}`` (band *k* starts where the score falls to the
*k*-th number: for prosocial, lower is worse). A norm set may instead hold ``strata``, each with
``sex`` (``"f"``/``"m"``/``null``), ``age_min``, ``age_max`` and its own ``cutoffs``: that is the
shape for Danish norms by sex and age. Every banded result carries its norm set (``id@version``).

Every number carries its source, and the loader refuses a norm set where one is missing: the
cut-offs have the norm set's ``source`` (a stratum may name its own table and column as
``source``); each RCI parameter (``sd``, ``mean``, ``reliability``, ``internal_consistency``)
has its source in the informant's ``sources`` or, for all informants, in ``rci_sources``. A
``verification`` line says how far the numbers were checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from spor.sdq._base import MISSING, SDQError
from spor.sdq._instrument import _data_dir, _read_json, load_instrument
from spor.sdq._result import ScoreResult

FORMAT = "spor-normset/1"
I8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Cut:
    direction: str  # "ge" or "le"
    thresholds: tuple[int, ...]

    def apply(self, x: npt.NDArray[Any]) -> I8:
        b = np.zeros(x.shape, dtype=np.int8)
        for t in self.thresholds:
            b += (x >= t) if self.direction == "ge" else (x <= t)
        b[x < 0] = MISSING
        return b


@dataclass(frozen=True)
class Band:
    code: str
    label_da: str
    label_en: str


@dataclass(frozen=True)
class Stratum:
    sex: str | None
    age_min: int | None
    age_max: int | None
    cutoffs: Mapping[str, Mapping[str, Cut]]
    source: str = ""


@dataclass(frozen=True)
class NormSet:
    id: str
    version: str
    title_da: str
    title_en: str
    source: str
    bands: tuple[Band, ...]
    normal_bands: tuple[int, ...]
    forms: tuple[str, ...]
    cutoffs: Mapping[str, Mapping[str, Cut]] | None
    strata: tuple[Stratum, ...] | None
    rci: Mapping[str, Mapping[str, Mapping[str, Any]]]
    rci_source: str
    path: str = ""
    rci_sources: Mapping[str, str] | None = None
    verification: str = ""

    @property
    def ref(self) -> str:
        """``id@version``: what a stored band records about its norm set."""
        return f"{self.id}@{self.version}"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(b.code for b in self.bands)

    def rci_number_source(self, informant: str, scale: str, parameter: str) -> str:
        """Where an RCI parameter comes from: the informant's own source, else the norm set's
        source for that parameter (``""`` if neither; the loader refuses that for a number it
        holds)."""
        own: Mapping[str, Any] = self.rci.get(informant, {}).get(scale, {}).get("sources", {})
        return str(own.get(parameter) or (self.rci_sources or {}).get(parameter) or "")

    def fits(self, sex: str | None, age: float | None) -> bool:
        """Whether the norm set can band someone of this sex (``"f"``/``"m"``) and age: always
        for a set without strata; for a stratified one, when a stratum covers them."""
        if self.strata is None:
            return True
        if sex is None or age is None:
            return False
        return any(
            (s.sex is None or s.sex == sex)
            and (s.age_min is None or age >= s.age_min)
            and (s.age_max is None or age <= s.age_max)
            for s in self.strata
        )

    def informant_cutoffs(self, informant: str) -> Mapping[str, Cut]:
        if self.cutoffs is None:
            raise SDQError(f"normsættet {self.ref} er opdelt på køn og alder / is stratified")
        if informant not in self.cutoffs:
            raise SDQError(
                f"normsættet {self.ref} har ingen grænser for informanten '{informant}' / "
                f"has no cut-offs for informant '{informant}'"
            )
        return self.cutoffs[informant]


def _parse_cutoffs(d: Mapping[str, Any], n_bands: int, where: str) -> dict[str, dict[str, Cut]]:
    out: dict[str, dict[str, Cut]] = {}
    for informant, scales in d.items():
        out[informant] = {}
        for scale, spec in scales.items():
            if len(spec) != 1 or next(iter(spec)) not in ("ge", "le"):
                raise SDQError(f"{where} {informant}.{scale}: brug 'ge' eller 'le' / use ge or le")
            direction, values = next(iter(spec.items()))
            th = tuple(int(v) for v in values)
            ordered = sorted(th) if direction == "ge" else sorted(th, reverse=True)
            if list(th) != ordered or len(set(th)) != len(th):
                raise SDQError(
                    f"{where} {informant}.{scale}: grænserne er ikke ordnede / unordered"
                )
            if len(th) != n_bands - 1:
                raise SDQError(
                    f"{where} {informant}.{scale}: {len(th)} grænser til {n_bands} bånd / "
                    f"{len(th)} cut-offs for {n_bands} bands"
                )
            out[informant][scale] = Cut(direction, th)
    return out


RCI_NUMBERS = ("sd", "mean", "reliability", "internal_consistency")
RELIABILITY_KINDS = ("retest", "internal_consistency")


def _check_rci(data: Mapping[str, Any], path: str) -> None:
    """Every RCI number must be a number in range and name its source."""
    shared = data.get("rci_sources", {})
    for informant, scales in data.get("rci", {}).items():
        for scale, p in scales.items():
            where = f"{path} rci.{informant}.{scale}"
            own = p.get("sources", {})
            for key in RCI_NUMBERS:
                if key not in p:
                    continue
                v = p[key]
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise SDQError(f"{where}.{key}: {v!r} er ikke et tal / is not a number")
                if key == "sd":
                    ok = v > 0
                elif key == "mean":
                    ok = v >= 0
                else:
                    ok = 0 <= v < 1
                if not ok:
                    raise SDQError(f"{where}.{key}: {v} er uden for gyldigt område / out of range")
                if not str(own.get(key) or shared.get(key) or "").strip():
                    raise SDQError(
                        f"{where}.{key}: tallet har ingen kilde (sources.{key} eller "
                        f"rci_sources.{key}) / the number has no source"
                    )
            for key in ("sd", "reliability"):
                if key not in p:
                    raise SDQError(f"{where}: mangler {key} / {key} is missing")
            kind = p.get("reliability_kind", "internal_consistency")
            if kind not in RELIABILITY_KINDS:
                raise SDQError(f"{where}: ukendt reliability_kind {kind!r} / unknown kind")


def parse_norm_set(data: Mapping[str, Any], path: str = "") -> NormSet:
    if data.get("format") != FORMAT:
        raise SDQError(f"{path}: ukendt format {data.get('format')!r}, forventede {FORMAT!r}")
    strata_sources = [str(st.get("source", "")).strip() for st in data.get("strata", [])]
    if not str(data.get("source", "")).strip() and not (strata_sources and all(strata_sources)):
        raise SDQError(
            f"{path}: normsættet har ingen kilde ('source') til sine grænser / "
            "the norm set names no source for its cut-offs"
        )
    _check_rci(data, path)
    bands = tuple(
        Band(str(b["code"]), str(b.get("label_da", b["code"])), str(b.get("label_en", b["code"])))
        for b in data["bands"]
    )
    codes = [b.code for b in bands]
    normal = tuple(codes.index(c) for c in data.get("normal_bands", [codes[0]]))
    cutoffs = None
    strata = None
    if "strata" in data:
        strata = tuple(
            Stratum(
                sex=s.get("sex"),
                age_min=s.get("age_min"),
                age_max=s.get("age_max"),
                cutoffs=_parse_cutoffs(s["cutoffs"], len(bands), f"{path} stratum {i}"),
                source=str(s.get("source", "")),
            )
            for i, s in enumerate(data["strata"])
        )
        for s in strata:
            if s.sex not in (None, "f", "m"):
                raise SDQError(
                    f"{path}: køn skal være 'f', 'm' eller null / sex must be f, m, null"
                )
    else:
        cutoffs = _parse_cutoffs(data["cutoffs"], len(bands), path)
    return NormSet(
        id=str(data["id"]),
        version=str(data.get("version", "1")),
        title_da=str(data.get("title_da", data["id"])),
        title_en=str(data.get("title_en", data["id"])),
        source=str(data.get("source", "")),
        bands=bands,
        normal_bands=normal,
        forms=tuple(data.get("forms", [])),
        cutoffs=cutoffs,
        strata=strata,
        rci=data.get("rci", {}),
        rci_source=str(data.get("rci_source", "")),
        path=path,
        rci_sources={str(k): str(v) for k, v in data.get("rci_sources", {}).items()},
        verification=str(data.get("verification", "")),
    )


@cache
def _shipped_norm_sets() -> dict[str, NormSet]:
    out: dict[str, NormSet] = {}
    for entry in sorted(_data_dir("norms").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            ns = parse_norm_set(_read_json(entry, "normfilen"), entry.name)
            out[ns.id] = ns
    return out


def list_norm_sets() -> list[str]:
    """Ids of the shipped norm sets."""
    return list(_shipped_norm_sets())


def load_norm_set(name_or_path: str | Path | NormSet) -> NormSet:
    """A shipped norm set by id (``uk-3band``), or a norm file (e.g. Danish norms) by path."""
    if isinstance(name_or_path, NormSet):
        return name_or_path
    shipped = _shipped_norm_sets()
    text = str(name_or_path)
    if text in shipped:
        return shipped[text]
    if "@" in text and text.split("@")[0] in shipped:
        ns = shipped[text.split("@")[0]]
        if ns.ref != text:
            raise SDQError(f"normsæt {text} findes ikke; Spor har {ns.ref} / not available")
        return ns
    p = Path(text)
    if p.is_file():
        st = p.stat()
        return _load_norm_file(str(p.resolve()), st.st_mtime_ns, st.st_size)
    raise SDQError(
        f"ukendt normsæt '{text}'. Kendte normsæt: {', '.join(shipped)} / unknown norm set"
    )


@cache
def _load_norm_file(path: str, mtime_ns: int, size: int) -> NormSet:
    # mtime and size are in the cache key so that an edited file is read again
    return parse_norm_set(_read_json(Path(path), "normfilen"), path)


class BandResult(dict[str, I8]):
    """Band index per score (int8, ``-1`` = not banded); ``codes[i]`` names band ``i``."""

    def __init__(self, norm_set: NormSet, bands: Mapping[str, I8]) -> None:
        super().__init__(bands)
        self.norm_set = norm_set

    @property
    def codes(self) -> tuple[str, ...]:
        return self.norm_set.codes

    def labels(self, name: str, lang: str = "code") -> npt.NDArray[np.object_]:
        """Band codes (or ``da``/``en`` labels) as an object array, ``None`` where not banded."""
        names: Sequence[str]
        if lang == "da":
            names = [b.label_da for b in self.norm_set.bands]
        elif lang == "en":
            names = [b.label_en for b in self.norm_set.bands]
        else:
            names = self.codes
        table = np.array([*names, None], dtype=object)
        return table[self[name]]  # -1 picks the trailing None

    def in_normal_range(self, name: str) -> npt.NDArray[np.bool_]:
        return np.isin(self[name], self.norm_set.normal_bands)


def _check_form(ns: NormSet, form: str | None) -> None:
    if form is not None and ns.forms and form not in ns.forms:
        raise SDQError(
            f"normsættet {ns.ref} gælder ikke for skemaet {form} (kun {', '.join(ns.forms)}) / "
            f"norm set {ns.ref} does not apply to form {form}"
        )


def _stratified(
    ns: NormSet,
    informant: str,
    name: str,
    x: npt.NDArray[Any],
    sex: Any,
    age: Any,
) -> I8 | None:
    assert ns.strata is not None
    if sex is None or age is None:
        raise SDQError(
            f"normsættet {ns.ref} er opdelt på køn og alder: angiv sex og age / "
            f"norm set {ns.ref} needs sex and age"
        )
    sx = np.broadcast_to(np.asarray(sex, dtype=object), x.shape)
    ag = np.broadcast_to(np.asarray(age, dtype=np.float64), x.shape)
    out = np.full(x.shape, MISSING, dtype=np.int8)
    found = False
    for s in ns.strata:
        cut = s.cutoffs.get(informant, {}).get(name)
        if cut is None:
            continue
        found = True
        m = np.ones(x.shape, dtype=bool)
        if s.sex is not None:
            m &= sx == s.sex
        if s.age_min is not None:
            m &= ag >= s.age_min
        if s.age_max is not None:
            m &= ag <= s.age_max
        out[m] = cut.apply(x[m])
    return out if found else None


def band(
    scores: ScoreResult | Mapping[str, Any] | npt.ArrayLike,
    norms: str | Path | NormSet | None = None,
    *,
    form: str | None = None,
    informant: str | None = None,
    scale: str | None = None,
    sex: Any = None,
    age: Any = None,
) -> Any:
    """Band scores with a norm set.

    With a :class:`ScoreResult` (the usual case), returns a :class:`BandResult` for every score
    the norm set has cut-offs for; ``norms`` defaults to the form's default norm set. With a
    plain array, give ``scale`` and ``form`` or ``informant``; returns an int8 array. ``sex``
    (``"f"``/``"m"``) and ``age`` (years) are needed for stratified (e.g. Danish) norm sets; rows
    that fit no stratum are not banded (``-1``).
    """
    if isinstance(scores, ScoreResult):
        inst = scores.instrument
        ns_name = norms if norms is not None else inst.default_norms
        if ns_name is None:
            raise SDQError(f"skemaet {inst.form} har intet standardnormsæt / no default norm set")
        ns = load_norm_set(ns_name)
        _check_form(ns, inst.form)
        out: dict[str, I8] = {}
        for name, x in scores.items():
            b = _band_one(ns, inst.informant, name, x, sex, age)
            if b is not None:
                out[name] = b
        if not out:
            raise SDQError(f"normsættet {ns.ref} har ingen grænser for {inst.informant}")
        return BandResult(ns, out)
    if scale is None:
        raise SDQError("angiv scale= når der bandes et enkelt array / give scale=")
    if form is not None:
        inst = load_instrument(form)
        informant = informant or inst.informant
        ns_name = norms if norms is not None else inst.default_norms
    else:
        ns_name = norms
    if informant is None or ns_name is None:
        raise SDQError(
            "angiv form= eller informant= og norms= / give form= or informant= and norms="
        )
    ns = load_norm_set(ns_name)
    _check_form(ns, form)
    x = np.asarray(scores)
    res = _band_one(ns, informant, scale, x, sex, age)
    if res is None:
        raise SDQError(f"normsættet {ns.ref} har ingen grænser for {informant}.{scale}")
    return res


def _band_one(ns: NormSet, informant: str, name: str, x: Any, sex: Any, age: Any) -> I8 | None:
    x = np.asarray(x)
    if ns.strata is not None:
        return _stratified(ns, informant, name, x, sex, age)
    cut = ns.informant_cutoffs(informant).get(name)
    return None if cut is None else cut.apply(x)
