"""Before/after pairs from a file of SDQ responses (``spor sdq evaluate``).

One row per response: ``child_id``, ``occasion`` (``before``/``after``; ``før``/``efter``
accepted), ``sdq1`` … ``sdq25`` (or youthinmind's names) and, optionally, the impact columns.
Every response is scored and paired by child. Errors name the row (as in a spreadsheet: the
header is row 1) and the column, Danish first; a file with an error gives no pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from spor.sdq._base import SDQError
from spor.sdq._engine import score
from spor.sdq._instrument import load_instrument
from spor.sdq._table import MAX_REPORTED_ERRORS, Table, parse_table, read_table

OCCASIONS: Final = {"before": "before", "før": "before", "foer": "before",
                    "after": "after", "efter": "after"}  # fmt: skip


@dataclass(frozen=True)
class PairedInput:
    form: str
    children: tuple[str, ...]
    before: np.ndarray
    after: np.ndarray
    n_rows: int
    n_before_only: int
    n_after_only: int
    n_not_scored: int


def _column(header: list[str], *names: str) -> int | None:
    lower = [h.strip().lower() for h in header]
    hits = [j for j, h in enumerate(lower) if h in names]
    return hits[0] if hits else None


def read_pairs(path: str | Path, form: str) -> PairedInput:
    """Read and score the file; pair each child's before and after total difficulties."""
    inst = load_instrument(form)
    table = read_table(path)
    header = table.header
    errors: list[str] = []
    id_col = _column(header, "child_id", "barn_id", "id")
    occ_col = _column(header, "occasion", "måling", "maaling")
    if id_col is None:
        errors.append("mangler kolonnen 'child_id' / missing column 'child_id'")
    if occ_col is None:
        errors.append("mangler kolonnen 'occasion' (before/after) / missing column 'occasion'")
    if errors:
        raise SDQError(f"{table.path}: " + "\n".join(errors))
    assert id_col is not None and occ_col is not None
    seen: dict[tuple[str, str], int] = {}
    keys: list[tuple[str, str] | None] = []
    n_bad = 0
    for i, row in enumerate(table.rows):
        r = i + 2
        child = row[id_col].strip() if id_col < len(row) else ""
        raw = row[occ_col] if occ_col < len(row) else ""
        occ = OCCASIONS.get(raw.strip().lower())
        problem = None
        if not child:
            problem = f"række {r}, kolonne '{header[id_col]}': tom / row {r}: empty child id"
        elif occ is None:
            problem = (
                f"række {r}, kolonne '{header[occ_col]}': ugyldig værdi '{raw}' (tilladt: "
                f"before/after eller før/efter) / row {r}, column '{header[occ_col]}': "
                f"invalid value '{raw}' (allowed: before/after, før/efter)"
            )
        elif (child, occ) in seen:
            problem = (
                f"række {r}, kolonne '{header[occ_col]}': barnet '{child}' har allerede en "
                f"{'før' if occ == 'before' else 'efter'}-måling i række {seen[(child, occ)]} "
                f"/ row {r}: child '{child}' already has a {occ} response (row "
                f"{seen[(child, occ)]})"
            )
        if problem:
            n_bad += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append(problem)
            keys.append(None)
            continue
        assert occ is not None
        seen[(child, occ)] = r
        keys.append((child, occ))
    # The items are checked by the scoring engine's reader; its "id" is the child column.
    renamed = [("id" if j == id_col else ("_id" if h.strip().lower() == "id" else h))
               for j, h in enumerate(header)]  # fmt: skip
    try:
        parsed = parse_table(inst, Table(renamed, table.columns, table.path))
    except SDQError as exc:
        text = str(exc).replace("kolonne 'id'", f"kolonne '{header[id_col]}'")
        if errors:
            text = "\n".join(errors) + "\n" + text
        raise SDQError(text) from None
    if errors:
        more = n_bad - len(errors)
        tail = f"\n… og {more} fejl mere / and {more} more errors" if more > 0 else ""
        raise SDQError(
            f"{table.path}: {n_bad} ugyldige rækker; intet er skrevet / {n_bad} invalid rows; "
            "nothing written\n" + "\n".join(errors) + tail
        )
    res = score(parsed.answers, parsed.impact, form=inst)
    totals = res["total"].tolist()
    by_child: dict[str, dict[str, int]] = {}
    for key, total in zip(keys, totals, strict=True):
        assert key is not None
        by_child.setdefault(key[0], {})[key[1]] = int(total)
    children: list[str] = []
    before: list[float] = []
    after: list[float] = []
    before_only = after_only = not_scored = 0
    for child, got in by_child.items():
        if "before" not in got:
            after_only += 1
            continue
        if "after" not in got:
            before_only += 1
            continue
        b, a = got["before"], got["after"]
        if b < 0 or a < 0:
            not_scored += 1
            continue
        children.append(child)
        before.append(float(b))
        after.append(float(a))
    return PairedInput(
        form=inst.form,
        children=tuple(children),
        before=np.array(before, dtype=np.float64),
        after=np.array(after, dtype=np.float64),
        n_rows=table.n,
        n_before_only=before_only,
        n_after_only=after_only,
        n_not_scored=not_scored,
    )
