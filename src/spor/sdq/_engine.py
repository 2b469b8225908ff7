"""The vectorised scoring engine.

One function, :func:`score`, scores one response or a million: the answers are an ``n × k`` int8
array (``-1`` = not answered), and every score comes back as an int8 array with ``-1`` for "not
scored". Nothing is a float and nothing is NaN, so the arrays are small and the arithmetic exact.

How a scale is scored fast: each item answer ``v`` (``-1`` blank, ``0…m-1``) becomes ``v + 1``,
the scale's answers are packed into one small integer code (2 bits an item for the SDQ, so 10
bits for five items), and a 1,024-entry lookup table built once per instrument gives the scale
score. The table is filled by :func:`scale_score`, the plain rule, so there is one definition of
the rule. Rows are processed in cache-sized blocks, one column at a time, so C-ordered and
column-ordered (Fortran, e.g. from pandas) arrays are both read without a copy.

Row-ordered (C-order) answers take a faster path when the instrument fits it (``_kernel``): a
row's answers are read as a few unaligned 8-byte words and packed into one integer, each scale's
table index comes from that with a mask, a multiply and a shift, and the tables are filled from
the tables above, so both paths give the same scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from spor.sdq import _kernel
from spor.sdq._base import MISSING, SDQError
from spor.sdq._instrument import Instrument, Scale, load_instrument
from spor.sdq._norms import band
from spor.sdq._result import I8, ScoreResult

_BLOCK = 1 << 15
_MAX_LUT_BITS = 16


def round_half_up_ratio(num: int, den: int) -> int:
    """``num / den`` rounded half up, in integers (``round`` would give 2 for 2.5)."""
    return (2 * num + den) // (2 * den)


def scale_score(points: list[int | None], n_items: int, min_answered: int, method: str) -> int:
    """The plain rule for one scale of one response; ``None`` = not answered.

    ``prorated_mean``: with at least ``min_answered`` answers, the mean of the answered items
    times the number of items, rounded half up; that is ``floor((2·sum·k + c) / (2·c))`` for sum
    ``sum`` of ``c`` answered items out of ``k``. ``sum``: every item must be answered.
    """
    answered = [p for p in points if p is not None]
    c = len(answered)
    if c < min_answered or c == 0:
        return MISSING
    if method == "sum":
        return sum(answered) if c == n_items else MISSING
    return round_half_up_ratio(sum(answered) * n_items, c)


def _bits_for(n_states: int) -> int:
    return max(1, (n_states - 1).bit_length())


def _codes(bits: int, width: int) -> npt.NDArray[np.int64]:
    """Every table index of ``width`` fields of ``bits`` bits, split into its fields (one row
    per index, field ``j`` in column ``j``): ``0`` blank, ``v + 1`` answer ``v``."""
    every = np.arange(1 << (bits * width), dtype=np.int64)
    return (every[:, None] >> np.arange(0, bits * width, bits)) & ((1 << bits) - 1)


def _int8_table(values: npt.NDArray[np.int64], ok: npt.NDArray[np.bool_]) -> I8:
    """``values`` where ``ok``, else :data:`MISSING`, as int8 (a score beyond int8 is refused,
    as assigning it into the table would be)."""
    if ok.any() and (int(values[ok].min()) < -128 or int(values[ok].max()) > 127):
        raise SDQError("en score uden for -128..127 / a score outside int8")
    return np.where(ok, values, MISSING).astype(np.int8)


def _build_lut(inst: Instrument, scale: Scale) -> tuple[I8, int] | None:
    """The scale's table: for every index (2 bits an item for the SDQ), :func:`scale_score` of
    the answers it codes, computed for all indices at once with the same integer arithmetic
    (``tests/sdq/test_engine_tables.py`` checks every entry against :func:`scale_score`); a Python
    loop over the indices took ~0.05 s of ``spor sdq score``'s start."""
    m = len(inst.response_codes)
    bits = _bits_for(m + 1)
    k = len(scale.items)
    if bits * k > _MAX_LUT_BITS:
        return None
    t = _codes(bits, k)
    valid = (t <= m).all(axis=1)
    # item j's points by field value (blank: 0, as it is left out of the sum)
    points = np.zeros((k, m + 1), dtype=np.int64)
    for j, i in enumerate(scale.items):
        points[j, 1:] = inst.items[i].points
    answered = t > 0
    total = points[np.arange(k), np.minimum(t, m)].sum(axis=1)
    c = answered.sum(axis=1)
    ok = valid & (c >= scale.min_answered) & (c > 0)
    if scale.method == "sum":
        ok &= c == k
        values = total
    else:  # round_half_up_ratio(total * k, c)
        values = (2 * total * k + c) // (2 * np.maximum(c, 1))
    return _int8_table(values, ok), bits


def _plan(inst: Instrument) -> dict[str, Any]:
    plan = inst._plan
    if not plan:
        plan["luts"] = [_build_lut(inst, s) for s in inst.scales]
        plan["points"] = [
            np.array([MISSING, *inst.items[i].points], dtype=np.int16)
            for i in range(len(inst.items))
        ]
        if inst.impact is not None:
            plan["impact_points"] = np.array([0, *inst.impact.recode], dtype=np.int16)
            plan["impact_lut"] = _build_impact_lut(inst)
        plan["item_kernel"] = _build_item_kernel(inst, plan["luts"])
        plan["impact_kernel"] = _build_impact_kernel(inst, plan.get("impact_lut"))
    return plan


def _build_item_kernel(inst: Instrument, luts: list[tuple[I8, int] | None]) -> Any:
    """The row-ordered fast path (see ``_kernel``), when the instrument fits it and no sum of
    scores can leave int8 (so its int8 composites equal the general path's)."""
    if any(e is None or e[1] != 2 for e in luts):
        return None
    tables = [e[0] for e in luts if e is not None]
    names = [s.name for s in inst.scales]
    highest = [int(t.max()) for t in tables]
    composites = []
    for comp in inst.composites:
        if any(p not in names for p in comp.scales):
            return None
        parts = [names.index(p) for p in comp.scales]
        if sum(highest[p] for p in parts) > 127:
            return None
        composites.append(tuple(parts))
        names.append(comp.name)
        highest.append(sum(highest[p] for p in parts))
    kern = _kernel.build_item_kernel(
        len(inst.items), len(inst.response_codes), [s.items for s in inst.scales], tables
    )
    return None if kern is None else (kern, tuple(composites))


def _build_impact_kernel(inst: Instrument, items_lut: tuple[I8, int] | None) -> Any:
    spec = inst.impact
    if spec is None or items_lut is None:
        return None
    limits = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
    lut, bits = items_lut

    def rule(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The score of each row of ``values`` (overall answer first): the items' score from
        their table (filled by :func:`impact_items_score`), 0 when the overall answer is "no",
        missing when it is blank and the form says so."""
        overall, codes = values[:, 0], values[:, 1:]
        index = np.bitwise_or.reduce((codes + 1) << np.arange(0, bits * codes.shape[1], bits), 1)
        res = lut[index].astype(np.int64)
        if spec.when_overall_blank == "missing":
            res[overall < 0] = MISSING
        res[overall == spec.no_code] = 0
        return res

    return _kernel.build_impact_kernel(limits, rule)


def impact_items_score(codes: list[int | None], recode: tuple[int, ...]) -> int:
    """Plain rule for the impact items alone: recoded sum, blanks count 0, missing if all blank."""
    answered = [c for c in codes if c is not None]
    if not answered:
        return MISSING
    return sum(recode[c] for c in answered)


def _build_impact_lut(inst: Instrument) -> tuple[I8, int] | None:
    """The impact items' table: :func:`impact_items_score` of every index, for all at once
    (checked entry by entry against it in ``tests/sdq/test_engine_tables.py``)."""
    spec = inst.impact
    assert spec is not None
    m = max(len(i.codes) for i in spec.items)
    bits = _bits_for(m + 1)
    j = len(spec.items)
    if bits * j > _MAX_LUT_BITS or spec.max > 127:
        return None
    t = _codes(bits, j)
    valid = (t <= np.array([len(i.codes) for i in spec.items])).all(axis=1)
    recode = np.array([0, *spec.recode], dtype=np.int64)  # field value 0 (blank) counts 0
    values = recode[np.minimum(t, len(spec.recode))].sum(axis=1)
    return _int8_table(values, np.asarray(valid & (t > 0).any(axis=1))), bits


def _as_answers(answers: Any, width: int, codes: int, what: str) -> I8:
    a = np.asarray(answers)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != width:
        raise SDQError(
            f"{what}: forventede {width} kolonner, fik form {a.shape} / "
            f"expected {width} columns, got shape {a.shape}"
        )
    if a.dtype != np.int8:
        if not np.issubdtype(a.dtype, np.integer):
            if np.issubdtype(a.dtype, np.floating) and np.isnan(a).any():
                raise SDQError(f"{what}: brug -1 for ubesvaret, ikke NaN / use -1, not NaN")
            if not np.array_equal(a, np.round(a)):
                raise SDQError(f"{what}: svar skal være hele tal / answers must be integers")
        if a.size and (a.min() < MISSING or a.max() >= codes):
            _raise_bad_value(a, codes, what)
        a = a.astype(np.int8)
    return a  # C or Fortran order; column-ordered input is the fastest


def _raise_bad_value(a: npt.NDArray[Any], codes: int, what: str, row0: int = 0) -> None:
    bad = np.argwhere((a < MISSING) | (a >= codes))
    r, c = (int(x) for x in bad[0])
    raise SDQError(
        f"{what}: ugyldig værdi {a[r, c]!r} i række {row0 + r}, kolonne {c} "
        f"(tilladt: -1 for ubesvaret eller 0–{codes - 1}) / invalid value {a[r, c]!r} "
        f"at row {row0 + r}, column {c} (allowed: -1 for blank or 0–{codes - 1})"
    )


def score(
    answers: Any,
    impact: Any = None,
    *,
    form: str | Instrument = "parent-4-17",
) -> ScoreResult:
    """Score responses to ``form``.

    ``answers``: ``n × k`` integers (k = 25 for the SDQ, in item order), ``-1`` = not answered;
    one response may be given as a 1-D array. ``impact``: ``n × (1 + j)`` with the
    overall-difficulties answer first, then the form's ``j`` impact items in definition order
    (youthinmind coding: 0 = not at all … 3 = a great deal), ``-1`` = not answered; ``None`` when
    the impact supplement was not used (impact is then not scored).
    """
    inst = load_instrument(form)
    plan = _plan(inst)
    m = len(inst.response_codes)
    a = _as_answers(answers, len(inst.items), m, "svar/answers")
    n = a.shape[0]
    fast = plan["item_kernel"]
    if fast is not None and a.flags.c_contiguous:
        # one allocation for all scores: a large one gets huge pages, so fewer page faults
        names = inst.score_names
        rows = np.empty((len(names), n), dtype=np.int8)
        out = dict(zip(names, rows, strict=True))
        kern, composites = fast

        def bad(start: int, stop: int) -> None:
            _raise_bad_value(a[start:stop], m, "svar/answers", start)

        n_fixed = len(inst.scales) + len(inst.composites)
        _kernel.score_items(kern, a, list(rows[:n_fixed]), composites, bad)
        if inst.impact is not None:
            _score_impact(inst, impact, n, plan, out["impact"])
        return ScoreResult(inst, out)
    out = {s.name: np.empty(n, dtype=np.int8) for s in inst.scales}
    _score_columns(inst, plan, a, out)
    if inst.impact is not None:
        out["impact"] = _score_impact(inst, impact, n, plan)
    return ScoreResult(inst, out)


def _score_columns(inst: Instrument, plan: dict[str, Any], a: I8, out: dict[str, I8]) -> None:
    """The general path: blocks of rows, one column at a time."""
    m = len(inst.response_codes)
    n = a.shape[0]
    luts = plan["luts"]
    k_items = a.shape[1]
    block = min(_BLOCK, max(n, 1))
    t = np.empty((k_items, block), dtype=np.int16)
    code = np.empty(block, dtype=np.int16)
    tmp = np.empty(block, dtype=np.int16)
    for start in range(0, n, block):
        stop = min(start + block, n)
        w = stop - start
        tb, cb, xb = t[:, :w], code[:w], tmp[:w]
        blk = a[start:stop]
        for j in range(k_items):  # blank -> 0, code v -> v + 1, one column at a time
            np.add(blk[:, j], 1, out=tb[j], dtype=np.int16)
        if tb.max() > m or tb.min() < 0:  # int8 input can still hold 3 or -5
            _raise_bad_value(a[start:stop], m, "svar/answers", start)
        for scale, entry in zip(inst.scales, luts, strict=True):
            dest = out[scale.name][start:stop]
            if entry is None:
                dest[:] = _score_scale_plain(inst, scale, tb, plan)
                continue
            lut, bits = entry
            cols = scale.items
            cb[:] = tb[cols[0]]
            for j, col in enumerate(cols[1:], start=1):
                np.left_shift(tb[col], bits * j, out=xb)
                np.bitwise_or(cb, xb, out=cb)
            np.take(lut, cb, out=dest)
    for comp in inst.composites:
        parts = [out[s] for s in comp.scales]
        total = parts[0].astype(np.int16)
        anymiss = parts[0].copy()
        for p in parts[1:]:
            total += p
            np.bitwise_or(anymiss, p, out=anymiss)  # sign bit set if any part is -1
        total[anymiss < 0] = MISSING
        out[comp.name] = total.astype(np.int8)


def _score_scale_plain(inst: Instrument, scale: Scale, tb: Any, plan: dict[str, Any]) -> I8:
    """Fallback for scales too wide for a lookup table: sum and count in int32."""
    w = tb.shape[1]
    s = np.zeros(w, dtype=np.int32)
    c = np.zeros(w, dtype=np.int32)
    for col in scale.items:
        pts = plan["points"][col][tb[col]]
        ans = pts >= 0
        s += np.where(ans, pts, 0)
        c += ans
    k = len(scale.items)
    ok = (c >= scale.min_answered) & (c > 0)
    if scale.method == "sum":
        ok &= c == k
        res = s
    else:
        res = (2 * s * k + c) // np.maximum(2 * c, 1)
    return np.where(ok, res, MISSING).astype(np.int8)


def _score_impact(
    inst: Instrument, impact: Any, n: int, plan: dict[str, Any], dest: I8 | None = None
) -> I8:
    """Impact per youthinmind: items recoded 0,0,1,2; blanks count 0 once one item is answered;
    0 when the overall-difficulties answer is "no"; see docs/sdq.md for a blank overall answer.
    Written into ``dest`` when given."""
    spec = inst.impact
    assert spec is not None
    out = np.empty(n, dtype=np.int8) if dest is None else dest
    if impact is None:
        out.fill(MISSING)
        return out
    width = 1 + len(spec.items)
    codes = max([len(spec.overall.codes), *(len(i.codes) for i in spec.items)])
    imp = _as_answers(impact, width, codes, "impact")
    if imp.shape[0] != n:
        raise SDQError(
            f"impact har {imp.shape[0]} rækker, svarene {n} / impact has {imp.shape[0]} rows, "
            f"answers {n}"
        )
    limits = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
    fast = plan["impact_kernel"]
    if fast is not None and imp.flags.c_contiguous:

        def check(start: int, stop: int) -> None:
            for q, lim in enumerate(limits):
                col = imp[start:stop, q]
                if col.min() < MISSING or col.max() >= lim:
                    key = spec.columns[q]
                    _raise_bad_value(imp[start:stop, q : q + 1], lim, f"impact ({key})", start)

        _kernel.score_impact(fast, imp, out, check)
        return out
    entry = plan["impact_lut"]
    block = min(_BLOCK, max(n, 1))
    t = np.empty((width, block), dtype=np.int16)
    code = np.empty(block, dtype=np.int16)
    tmp = np.empty(block, dtype=np.int16)
    for start in range(0, n, block):
        stop = min(start + block, n)
        w = stop - start
        tb, cb, xb = t[:, :w], code[:w], tmp[:w]
        blk = imp[start:stop]
        for q in range(width):
            np.add(blk[:, q], 1, out=tb[q], dtype=np.int16)
        if tb.min() < 0 or any(tb[q].max() > lim for q, lim in enumerate(limits)):
            for q, lim in enumerate(limits):
                if tb[q].min() < 0 or tb[q].max() > lim:
                    key = spec.columns[q]
                    _raise_bad_value(imp[start:stop, q : q + 1], lim, f"impact ({key})", start)
        dest = out[start:stop]
        if entry is None:
            pts = plan["impact_points"]
            s = np.zeros(w, dtype=np.int16)
            c = np.zeros(w, dtype=np.int16)
            for q in range(1, width):
                s += pts[tb[q]]
                c += tb[q] > 0
            dest[:] = np.where(c > 0, s, MISSING)
        else:
            lut, bits = entry
            cb[:] = tb[1]
            for q in range(2, width):
                np.left_shift(tb[q], bits * (q - 1), out=xb)
                np.bitwise_or(cb, xb, out=cb)
            np.take(lut, cb, out=dest)
        overall = tb[0]
        dest[overall == spec.no_code + 1] = 0
        if spec.when_overall_blank == "missing":
            dest[overall == 0] = MISSING
    return out


def _resolve_keys(inst: Instrument) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for key, aliases in inst.column_aliases().items():
        for alias in aliases:
            lookup[alias] = key
    for it in inst.items:
        lookup[str(it.number)] = it.key
    return lookup


def score_one(
    answers: Mapping[str | int, int | None],
    *,
    form: str | Instrument = "parent-4-17",
    norms: str | None = None,
    sex: str | None = None,
    age: float | None = None,
) -> dict[str, Any]:
    """Score one response given as ``{key: answer}``; for the web app.

    Keys are item keys (``sdq7``), item numbers (``7``), youthinmind names (``obeys``,
    ``pobeys``) or impact keys (``ebddiff``, ``distres`` …); ``None`` or a missing key = not
    answered. Returns plain ints (``None`` = not scored), and, when ``norms`` is given, the band
    code of each score as ``<name>_band`` and the norm set as ``norm_set`` (``id@version``).
    ``sex`` (``"f"``/``"m"``) and ``age`` (years) are needed by norm sets by sex and age.
    """
    inst = load_instrument(form)
    lookup = _resolve_keys(inst)
    values: dict[str, int] = {}
    for raw_key, value in answers.items():
        key = lookup.get(str(raw_key).strip().lower())
        if key is None:
            raise SDQError(f"ukendt nøgle '{raw_key}' for {inst.form} / unknown key '{raw_key}'")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise SDQError(f"{raw_key}: svaret skal være et heltal / answer must be an integer")
        values[key] = int(value)
    row = np.array([values.get(k, MISSING) for k in inst.item_keys], dtype=np.int64)
    imp = None
    if inst.impact is not None and any(k in values for k in inst.impact.columns):
        imp = np.array([values.get(k, MISSING) for k in inst.impact.columns], dtype=np.int64)
    for extra in inst.extra_items:
        v = values.get(extra.key)
        if v is not None and not 0 <= v < len(extra.codes):
            raise SDQError(f"{extra.key}: ugyldig værdi {v} / invalid value {v}")
    res = score(row, imp, form=inst)
    out: dict[str, Any] = {k: (None if v[0] < 0 else int(v[0])) for k, v in res.items()}
    if norms is not None:
        bands = band(res, norms, sex=sex, age=age)
        for name in res:
            b = bands.get(name)
            out[f"{name}_band"] = None if b is None or b[0] < 0 else bands.codes[int(b[0])]
        out["norm_set"] = bands.norm_set.ref
    out["form"] = inst.form
    return out
