"""A plain, per-item SDQ scorer written separately from the engine, for comparison in tests.

It follows the youthinmind syntax literally: recode reversed items, mean of answered items
times 5 when at least 3 are answered, rounded half up with Decimal; impact recoded 0,0,1,2.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SCALE_ITEMS = {
    "emotional": ["somatic", "worries", "unhappy", "clingy", "afraid"],
    "conduct": ["tantrum", "obeys", "fights", "lies", "steals"],
    "hyperactivity": ["restles", "fidgety", "distrac", "reflect", "attends"],
    "peer": ["loner", "friend", "popular", "bullied", "oldbest"],
    "prosocial": ["consid", "shares", "caring", "kind", "helpout"],
}
ORDER = [
    "consid", "restles", "somatic", "shares", "tantrum", "loner", "obeys", "worries", "caring",
    "fidgety", "friend", "fights", "unhappy", "popular", "distrac", "clingy", "kind", "lies",
    "bullied", "helpout", "reflect", "steals", "oldbest", "afraid", "attends",
]  # fmt: skip
REVERSED = {"obeys", "friend", "popular", "reflect", "attends"}


def reference_score(
    items: list[int | None], overall: int | None = None, impact: list[int | None] | None = None
) -> dict[str, int | None]:
    by_name = dict(zip(ORDER, items, strict=True))
    out: dict[str, int | None] = {}
    for scale, names in SCALE_ITEMS.items():
        vals = []
        for name in names:
            v = by_name[name]
            if v is None:
                continue
            vals.append({0: 2, 1: 1, 2: 0}[v] if name in REVERSED else v)
        if len(vals) >= 3:
            mean = Decimal(sum(vals)) / Decimal(len(vals))
            out[scale] = int((mean * 5).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            out[scale] = None

    def add(*names: str) -> int | None:
        parts = [out[n] for n in names]
        return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)

    out["total"] = add("emotional", "conduct", "hyperactivity", "peer")
    out["externalising"] = add("conduct", "hyperactivity")
    out["internalising"] = add("emotional", "peer")
    if impact is None:
        out["impact"] = None
    else:
        recode = {0: 0, 1: 0, 2: 1, 3: 2}
        answered = [recode[v] for v in impact if v is not None]
        out["impact"] = sum(answered) if answered else None
        if overall == 0:
            out["impact"] = 0
    return out
