"""Instrument definitions: the data that drive the scoring engine.

An instrument is a JSON file (format ``spor-instrument/1``) with its items, the scoring key of
each item, its scales, composites, impact supplement and the norm sets that fit it. Spor ships
the SDQ forms in ``spor/sdq/data/instruments``; a municipality can add another questionnaire by
writing such a file and passing its path wherever a form name is accepted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from spor.sdq._base import SDQError

FORMAT = "spor-instrument/1"
_METHODS = ("prorated_mean", "sum")
_WHEN_OVERALL_BLANK = ("score_items", "missing")


@dataclass(frozen=True)
class Item:
    key: str
    number: int
    name: str
    label_da: str
    label_en: str
    scale: str | None
    points: tuple[int, ...]
    """Points given for response code 0, 1, 2, … (reversed items count down)."""

    @property
    def reverse(self) -> bool:
        return len(self.points) > 1 and self.points[0] > self.points[-1]


@dataclass(frozen=True)
class Scale:
    name: str
    items: tuple[int, ...]
    """Column positions of the scale's items in the answer array."""
    min_answered: int
    method: str
    higher_is_better: bool
    label_da: str
    label_en: str


@dataclass(frozen=True)
class Composite:
    name: str
    scales: tuple[str, ...]
    label_da: str
    label_en: str
    higher_is_better: bool = False


@dataclass(frozen=True)
class ImpactItem:
    key: str
    name: str
    codes: tuple[int, ...]
    label_da: str
    label_en: str


@dataclass(frozen=True)
class Impact:
    overall: ImpactItem
    no_code: int
    """The overall-difficulties answer that means "no": impact is then 0."""
    items: tuple[ImpactItem, ...]
    recode: tuple[int, ...]
    """Points for impact-item codes 0, 1, 2, …"""
    max: int
    when_overall_blank: str
    """``score_items`` (youthinmind's Stata syntax) or ``missing``; see docs/sdq.md."""

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.overall.key, *(i.key for i in self.items))


@dataclass(frozen=True)
class Instrument:
    name: str
    form: str
    version: str
    family: str
    informant: str
    prefix: str
    age_min: int | None
    age_max: int | None
    title_da: str
    title_en: str
    response_codes: tuple[int, ...]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    composites: tuple[Composite, ...]
    impact: Impact | None
    extra_items: tuple[ImpactItem, ...]
    norm_sets: tuple[str, ...]
    default_norms: str | None
    follow_up: bool = False
    source: str = ""
    _plan: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def ref(self) -> str:
        """``name@version``: what a stored score records about the instrument that made it."""
        return f"{self.name}@{self.version}"

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    @property
    def score_names(self) -> tuple[str, ...]:
        names = [s.name for s in self.scales] + [c.name for c in self.composites]
        if self.impact is not None:
            names.append("impact")
        return tuple(names)

    def higher_is_better(self, score_name: str) -> bool:
        for s in self.scales:
            if s.name == score_name:
                return s.higher_is_better
        for c in self.composites:
            if c.name == score_name:
                return c.higher_is_better
        if score_name == "impact" and self.impact is not None:
            return False
        raise SDQError(
            f"skemaet {self.form} har ingen score '{score_name}' / no score '{score_name}'"
        )

    def column_aliases(self) -> dict[str, tuple[str, ...]]:
        """Accepted input column names (lower case) for every item, impact and extra column."""
        p = self.prefix
        out: dict[str, tuple[str, ...]] = {}
        for it in self.items:
            names = [it.key, f"{p}{it.key}", it.name, f"{p}{it.name}"]
            out[it.key] = tuple(dict.fromkeys(n.lower() for n in names if n))
        extra: list[ImpactItem] = list(self.extra_items)
        if self.impact is not None:
            extra = [self.impact.overall, *self.impact.items, *extra]
        for ii in extra:
            names = [ii.key, f"{p}{ii.key}", ii.name, f"{p}{ii.name}"]
            out[ii.key] = tuple(dict.fromkeys(n.lower() for n in names if n))
        return out


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise SDQError(
            f"definitionen mangler '{key}' i {where} / definition lacks '{key}' in {where}"
        )
    return d[key]


def _impact_item(d: Mapping[str, Any], where: str) -> ImpactItem:
    key = str(_req(d, "key", where))
    codes = tuple(int(c) for c in _req(d, "codes", f"{where} {key}"))
    if list(codes) != list(range(len(codes))):
        raise SDQError(f"{where} {key}: svarkoder skal være 0, 1, 2, … / codes must be 0, 1, 2, …")
    return ImpactItem(
        key=key,
        name=str(d.get("name", key)),
        codes=codes,
        label_da=str(d.get("label_da", key)),
        label_en=str(d.get("label_en", key)),
    )


def parse_instrument(data: Mapping[str, Any], source: str = "") -> Instrument:
    """Build and check an :class:`Instrument` from a decoded definition file."""
    if data.get("format") != FORMAT:
        raise SDQError(
            f"{source}: ukendt format {data.get('format')!r}, forventede {FORMAT!r} / "
            f"unknown format, expected {FORMAT!r}"
        )
    codes = tuple(int(c) for c in _req(data, "response_codes", "instrument"))
    if list(codes) != list(range(len(codes))) or len(codes) < 2:
        raise SDQError("response_codes skal være 0, 1, 2, … / must be 0, 1, 2, …")
    raw_items = _req(data, "items", "instrument")
    items: list[Item] = []
    seen: set[str] = set()
    for n, d in enumerate(raw_items, start=1):
        key = str(_req(d, "key", f"item {n}"))
        if key in seen:
            raise SDQError(f"item-nøglen '{key}' findes to gange / duplicate item key '{key}'")
        seen.add(key)
        if "points" in d:
            points = tuple(int(x) for x in d["points"])
        elif d.get("reverse", False):
            points = tuple(reversed(codes))
        else:
            points = codes
        if len(points) != len(codes) or min(points) < 0:
            raise SDQError(f"item {key}: points skal have én værdi pr. svarkode / one per code")
        items.append(
            Item(
                key=key,
                number=int(d.get("number", n)),
                name=str(d.get("name", "")),
                label_da=str(d.get("label_da", key)),
                label_en=str(d.get("label_en", key)),
                scale=d.get("scale"),
                points=points,
            )
        )
    pos = {it.key: i for i, it in enumerate(items)}
    scales: list[Scale] = []
    for name, d in _req(data, "scales", "instrument").items():
        keys = list(_req(d, "items", f"scale {name}"))
        unknown = [k for k in keys if k not in pos]
        if unknown:
            raise SDQError(f"skala {name}: ukendte items {unknown} / unknown items")
        method = str(d.get("method", "prorated_mean"))
        if method not in _METHODS:
            raise SDQError(f"skala {name}: ukendt metode {method!r} / unknown method")
        min_answered = int(d.get("min_answered", len(keys)))
        if method == "sum":
            min_answered = len(keys)
        if not 1 <= min_answered <= len(keys):
            raise SDQError(f"skala {name}: min_answered uden for 1..{len(keys)}")
        scales.append(
            Scale(
                name=name,
                items=tuple(pos[k] for k in keys),
                min_answered=min_answered,
                method=method,
                higher_is_better=bool(d.get("higher_is_better", False)),
                label_da=str(d.get("label_da", name)),
                label_en=str(d.get("label_en", name)),
            )
        )
    scale_names = {s.name for s in scales}
    composites: list[Composite] = []
    for name, d in data.get("composites", {}).items():
        parts = tuple(str(s) for s in _req(d, "scales", f"composite {name}"))
        unknown = [s for s in parts if s not in scale_names]
        if unknown or name in scale_names:
            raise SDQError(f"sammensat score {name}: ukendte skalaer {unknown} / unknown scales")
        composites.append(
            Composite(
                name=name,
                scales=parts,
                label_da=str(d.get("label_da", name)),
                label_en=str(d.get("label_en", name)),
                higher_is_better=bool(d.get("higher_is_better", False)),
            )
        )
    impact: Impact | None = None
    if data.get("impact"):
        d = data["impact"]
        overall_d = _req(d, "overall", "impact")
        overall = _impact_item(overall_d, "impact overall")
        imp_items = tuple(_impact_item(x, "impact item") for x in _req(d, "items", "impact"))
        recode_map = {int(k): int(v) for k, v in _req(d, "recode", "impact").items()}
        width = max(len(i.codes) for i in imp_items) if imp_items else 0
        if set(recode_map) != set(range(width)):
            raise SDQError("impact.recode skal dække alle svarkoder / must cover every code")
        when_blank = str(d.get("when_overall_blank", "score_items"))
        if when_blank not in _WHEN_OVERALL_BLANK:
            raise SDQError(f"impact.when_overall_blank skal være et af {_WHEN_OVERALL_BLANK}")
        impact = Impact(
            overall=overall,
            no_code=int(overall_d.get("no_code", 0)),
            items=imp_items,
            recode=tuple(recode_map[c] for c in range(width)),
            max=int(d.get("max", sum(max(recode_map.values()) for _ in imp_items))),
            when_overall_blank=when_blank,
        )
    extra = tuple(_impact_item(x, "extra item") for x in data.get("extra_items", []))
    inst = Instrument(
        name=str(_req(data, "name", "instrument")),
        form=str(data.get("form", data.get("name"))),
        version=str(data.get("version", "1")),
        family=str(data.get("family", "")),
        informant=str(_req(data, "informant", "instrument")),
        prefix=str(data.get("variable_prefix", "")),
        age_min=data.get("age_min"),
        age_max=data.get("age_max"),
        title_da=str(data.get("title_da", data.get("name"))),
        title_en=str(data.get("title_en", data.get("name"))),
        response_codes=codes,
        items=tuple(items),
        scales=tuple(scales),
        composites=tuple(composites),
        impact=impact,
        extra_items=extra,
        norm_sets=tuple(str(x) for x in data.get("norm_sets", [])),
        default_norms=data.get("default_norms"),
        follow_up=bool(data.get("follow_up", False)),
        source=source,
    )
    # Every accepted column name must point at exactly one column.
    owner: dict[str, str] = {}
    for key, names in inst.column_aliases().items():
        for alias in names:
            if owner.setdefault(alias, key) != key:
                raise SDQError(f"kolonnenavnet '{alias}' passer på både {owner[alias]} og {key}")
    return inst


def _data_dir(kind: str) -> Any:
    return resources.files("spor.sdq").joinpath("data").joinpath(kind)


def _read_json(path: Any, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SDQError(f"kan ikke læse {what} {path}: {exc} / cannot read") from exc
    except json.JSONDecodeError as exc:
        raise SDQError(f"{what} {path} er ikke gyldig JSON: {exc} / not valid JSON") from exc


@cache
def _shipped_instruments() -> dict[str, Instrument]:
    out: dict[str, Instrument] = {}
    for entry in sorted(_data_dir("instruments").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            inst = _parse_shipped(entry)
            out[inst.form] = inst
    return dict(sorted(out.items()))


def _shipped_instrument(form: str) -> Instrument | None:
    """The shipped form ``form`` from its own file (``sdq-<form>.json``) without reading the
    others: a command that scores one form starts without parsing all eight. ``None`` if
    there is no such file or it holds another form (:func:`load_instrument` then looks
    through them all)."""
    if not form.replace("-", "").isalnum():
        return None
    name = f"sdq-{form}.json"
    # Parsed once is enough: the package's files do not change under a running process, and
    # finding the file again (``importlib.resources``, a stat) cost more than the rest of a
    # look-up, which the case page makes for every informant's norm tables.
    known = _PARSED.get(name)
    if known is not None:
        return known if known.form == form else None
    entry = _data_dir("instruments").joinpath(name)
    if not entry.is_file():
        return None
    inst = _parse_shipped(entry)
    return inst if inst.form == form else None


_PARSED: dict[str, Instrument] = {}
"""The shipped forms parsed so far, by file name: one object per form however it was asked
for (its engine tables are built once, ``Instrument._plan``)."""


def _parse_shipped(entry: Any) -> Instrument:
    inst = _PARSED.get(entry.name)
    if inst is None:
        parsed = parse_instrument(_read_json(entry, "skemafilen"), source=entry.name)
        inst = _PARSED.setdefault(entry.name, parsed)
    return inst


def list_forms() -> list[str]:
    """Names of the shipped forms, e.g. ``parent-4-17``."""
    return list(_shipped_instruments())


def load_instrument(name_or_path: str | Path | Instrument) -> Instrument:
    """A shipped form by name (``parent-4-17`` or ``sdq-parent-4-17``) or a definition file."""
    if isinstance(name_or_path, Instrument):
        return name_or_path
    text = str(name_or_path)
    one = _shipped_instrument(text)
    if one is not None:
        return one
    shipped = _shipped_instruments()
    if text in shipped:
        return shipped[text]
    for inst in shipped.values():
        if inst.name == text:
            return inst
    path = Path(text)
    if path.suffix.lower() == ".json" or path.exists():
        if not path.is_file():
            raise SDQError(f"skemafilen {path} findes ikke / instrument file not found")
        st = path.stat()
        return _load_instrument_file(str(path.resolve()), st.st_mtime_ns, st.st_size)
    raise SDQError(
        f"ukendt skema '{text}'. Kendte skemaer: {', '.join(shipped)} / unknown form '{text}'"
    )


@cache
def _load_instrument_file(path: str, mtime_ns: int, size: int) -> Instrument:
    # mtime and size are in the cache key so that an edited file is read again
    return parse_instrument(_read_json(Path(path), "skemafilen"), source=path)


def load_item_wording(path: str | Path, form: str | Path | Instrument) -> dict[str, str]:
    """Load the licensed item wording a municipality holds, checked against the form's keys.

    The file is JSON (``{"items": {"sdq1": "…", …}}`` or a flat object) or CSV with the columns
    ``key`` and ``text``. Every item of the form must have a non-empty text; impact and extra
    keys may be given too. Unknown keys are an error, so a file for the wrong form is caught.
    """
    inst = load_instrument(form)
    p = Path(path)
    try:
        if p.suffix.lower() == ".csv":
            with p.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                if reader.fieldnames is None or not {"key", "text"} <= set(reader.fieldnames):
                    raise SDQError(f"{p}: CSV skal have kolonnerne key og text / needs key,text")
                raw: Mapping[str, Any] = {row["key"].strip(): row["text"] for row in reader}
        else:
            data = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise SDQError(f"{p}: forventede et JSON-objekt / expected a JSON object")
            raw = data.get("items", data) if isinstance(data.get("items"), dict) else data
            declared = data.get("instrument")
            if declared is not None and declared not in (inst.name, inst.form):
                raise SDQError(
                    f"{p}: filen er til '{declared}', ikke {inst.form} / file is for '{declared}'"
                )
    except OSError as exc:
        raise SDQError(f"kan ikke læse ordlydsfilen {p}: {exc} / cannot read wording file") from exc
    except json.JSONDecodeError as exc:
        raise SDQError(f"ordlydsfilen {p} er ikke gyldig JSON: {exc}") from exc
    known = set(inst.column_aliases())
    wording = {str(k): str(v).strip() for k, v in raw.items() if k not in ("instrument",)}
    unknown = sorted(set(wording) - known)
    if unknown:
        raise SDQError(
            f"{p}: ukendte nøgler {unknown} for {inst.form} / unknown keys for {inst.form}"
        )
    missing = [k for k in inst.item_keys if not wording.get(k)]
    if missing:
        raise SDQError(f"{p}: mangler tekst for {missing} / missing text for {missing}")
    return wording
