"""Fast path of the engine for row-ordered (C-order) int8 answers.

Reading one column of a row-ordered array touches one byte in every row, so scoring column by
column reads the whole array once per item. Here each block of rows is read a few bytes at a
time instead. One pass over the contiguous block adds 1 to every byte (as uint8: blank → 0,
answers → 1…codes, any other value wraps above codes, so the block's maximum is the range check),
then every row is covered by at most four unaligned 8-byte windows of those bytes (offsets 0, 8,
16 and ``k - 8`` for 25 items), read as uint64, shifted by 0, 2, 4 and 6 and OR-ed into one
uint64 per row holding every answer in two bits. A scale's answers are then turned into a table
index with one multiply ("magic" multiplication, as for chess bitboards):
``((packed & mask) * magic) >> (64 - b)``;
each magic is found by a small search and checked to give distinct indices for every combination
of the scale's answers, and its table is filled from the engine's exact table for the scale, so
the tables are correct by construction.

The impact supplement (``1 + j`` columns, up to 7 codes) has three bits an answer (``v & 7``).
For the layouts in :data:`_KNOWN_IMPACT_MAGICS` a row is one unaligned 8-byte word, masked and
multiplied into a table index as above; other layouts are packed from unaligned 4-byte windows by
shifts and ORs. Both tables are filled by the plain rule.

Nothing here knows the SDQ: the engine passes the item layout and its exact tables in, and uses
this path only when the instrument fits it (see :func:`build_item_kernel`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

BLOCK = 8192
"""Rows per block: the block's answers, windows and indices stay in the L2 cache."""
COMPOSITE_BLOCK = 1 << 16
"""Rows per pass of the composites (few calls; the int8 scores stay in the cache)."""
IMPACT_BLOCK = 1 << 15
"""Rows per impact block (as the general path, so a bad value is reported the same way)."""

_MAX_INDEX_BITS = 13
_SEARCH_TRIES = 3000


@dataclass(frozen=True)
class ItemKernel:
    width: int
    codes: int
    offsets: tuple[int, ...]
    shifts: U64  # (windows - 1, 1): 2, 4, 6
    masks: U64  # (scales, 1)
    magics: U64  # (scales, 1)
    out_shifts: U64  # (scales, 1)
    tables: tuple[I8, ...]


@dataclass(frozen=True)
class ImpactKernel:
    width: int
    offsets: tuple[int, ...]
    masks: U32  # (windows, 1)
    shifts: U32  # (windows, 1)
    limit: int
    table: I8
    magic: tuple[int, int, I8] | None = None  # multiplier, index bits, its table (see below)


def _windows(width: int, size: int) -> tuple[int, ...]:
    offs = list(range(0, width - size + 1, size))
    if width % size:
        offs.append(width - size)
    return tuple(offs)


_KNOWN_MAGICS: dict[tuple[int, ...], tuple[int, int]] = {
    (16, 56, 34, 58, 60): (0x400000100001, 10),
    (32, 48, 26, 12, 44): (0x4000100410100, 10),
    (8, 10, 50, 36, 62): (0x1000001000011, 10),
    (40, 18, 42, 20, 52): (0x40000011040, 10),
    (0, 24, 2, 4, 28): (0x1010000400000000, 10),
}
"""Multipliers the search below found for the SDQ's five scales (every form has the same
layout), so that a process does not search again; each is checked like a found one."""


_KNOWN_IMPACT_MAGICS: dict[tuple[int, ...], tuple[int, int]] = {
    (4, 4, 4, 4, 4, 4): (0x30000600800040, 19),
}
"""Multipliers for the impact supplement, by the number of codes of each column: the 3-bit
fields of a row read as one 8-byte word (at bits 0, 8, 16 …) go to a distinct index for every
valid row. A random search found this one in minutes, too slow for a process to repeat, so an
impact layout not listed here takes the shift-and-OR path; each is checked at build."""


def _distinct(packed: U64, magic: int, bits: int) -> bool:
    idx = (packed * np.uint64(magic)) >> np.uint64(64 - bits)
    idx.sort()  # distinct when no two neighbours are equal (np.unique imports numpy.ma)
    return not bool((idx[1:] == idx[:-1]).any())


def _find_magic(positions: Sequence[int]) -> tuple[int, int] | None:
    """A multiplier and index width that map every combination of the 2-bit fields at
    ``positions`` of a uint64 to a distinct index; ``None`` if the search finds none."""
    k = len(positions)
    combos = np.array(list(itertools.product(range(4), repeat=k)), dtype=np.uint64)
    packed = np.zeros(len(combos), dtype=np.uint64)
    for j, p in enumerate(positions):
        packed |= combos[:, j] << np.uint64(p)
    known = _KNOWN_MAGICS.get(tuple(positions))
    if known is not None and _distinct(packed, *known):
        return known
    rng = np.random.default_rng(20240601 + sum(positions))
    for bits in range(2 * k, min(2 * k + 3, _MAX_INDEX_BITS) + 1):
        for _ in range(_SEARCH_TRIES):
            order = rng.permutation(k)
            top = 64 - bits + int(rng.integers(0, bits - 2 * k + 1))
            shifts = [top + 2 * int(order[j]) - positions[j] for j in range(k)]
            if min(shifts) < 0 or max(shifts) > 63:
                continue
            magic = sum(1 << s for s in set(shifts))
            if _distinct(packed, magic, bits):
                return magic, bits
    return None


def build_item_kernel(
    width: int,
    codes: int,
    scales: Sequence[Sequence[int]],
    tables: Sequence[I8],
) -> ItemKernel | None:
    """``scales``: the column positions of each scale's items; ``tables``: each scale's exact
    table, indexed by ``Σ (v_j + 1) << 2j`` over its items (``v = -1`` for blank)."""
    if not 1 <= codes <= 3 or not 8 <= width <= 32 or not scales:
        return None
    offsets = _windows(width, 8)
    where: dict[int, int] = {}
    for q, off in enumerate(offsets):
        for lane in range(8):
            where.setdefault(off + lane, 8 * lane + 2 * q)
    masks, magics, out_shifts, fast_tables = [], [], [], []
    for items, table in zip(scales, tables, strict=True):
        positions = [where[i] for i in items]
        if len(set(positions)) != len(positions) or 2 * len(items) > _MAX_INDEX_BITS:
            return None
        found = _find_magic(positions)
        if found is None:
            return None
        magic, bits = found
        fast = np.full(1 << bits, -1, dtype=np.int8)
        # every combination of the scale's fields at once (t = v + 1: 0 = blank)
        t = np.array(list(itertools.product(range(4), repeat=len(items))), dtype=np.uint64)
        keep = t.max(axis=1) <= codes  # other values the range check rejects
        shift_p = np.array(positions, dtype=np.uint64)
        shift_t = np.arange(0, 2 * len(items), 2, dtype=np.uint64)
        packed = np.bitwise_or.reduce(t << shift_p, axis=1)
        idx = (packed * np.uint64(magic)) >> np.uint64(64 - bits)  # wraps like the kernel
        code = np.bitwise_or.reduce(t << shift_t, axis=1)
        fast[idx[keep].astype(np.intp)] = table[code[keep].astype(np.intp)]
        masks.append(sum(3 << p for p in positions))
        magics.append(magic)
        out_shifts.append(64 - bits)
        fast_tables.append(fast)

    def col(values: list[int]) -> U64:
        return np.array(values, dtype=np.uint64).reshape(-1, 1)

    return ItemKernel(
        width=width,
        codes=codes,
        offsets=offsets,
        shifts=col([2 * q for q in range(1, len(offsets))]),
        masks=col(masks),
        magics=col(magics),
        out_shifts=col(out_shifts),
        tables=tuple(fast_tables),
    )


def _window_view(
    flat: I8, dtype: str, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]
) -> npt.NDArray[Any]:
    """Unaligned windows of ``dtype`` into the bytes of ``flat``."""
    return np.ndarray(shape, dtype=dtype, buffer=flat, offset=offset, strides=strides)


def score_items(
    kern: ItemKernel,
    a: I8,
    outs: Sequence[I8],
    composites: Sequence[Sequence[int]],
    on_bad: Callable[[int, int], None],
) -> None:
    """Score the C-contiguous ``n × width`` int8 ``a`` into ``outs`` (one array per scale, then
    one per composite, which sums the arrays it names and is -1 if any of them is -1).
    ``on_bad(start, stop)`` is called (and must raise) for a block with a value out of range."""
    n, k = a.shape
    block = min(BLOCK, max(n, 1))
    nw, ns = len(kern.offsets), len(kern.tables)
    win = np.empty((nw, block), dtype=np.uint64)
    packed = np.empty(block, dtype=np.uint64)
    idx = np.empty((ns, block), dtype=np.uint64)
    plus1 = np.empty(block * k, dtype=np.uint8)
    one, codes = np.uint8(1), kern.codes
    # the windows at a constant step are read with one copy, the last (overlapping) one apart
    step = kern.offsets[1] - kern.offsets[0] if nw > 1 else 8
    regular = 1
    while regular < nw and kern.offsets[regular] - kern.offsets[regular - 1] == step:
        regular += 1
    sums = _composite_sums(composites, ns)
    done = 0  # rows whose composites are computed
    chunk = min(COMPOSITE_BLOCK + block, n) if composites else 0
    scratch, zero = np.empty(chunk, dtype=np.int8), np.zeros(chunk, dtype=np.int8)
    for start in range(0, n, block):
        stop = min(start + block, n)
        w = stop - start
        # t = v + 1 as a byte (blank 0, answers 1…codes; anything else wraps above codes),
        # on the contiguous block: one pass gives the fields and, with its maximum, the check
        t = plus1[: w * k]
        np.add(a[start:stop].reshape(-1).view(np.uint8), one, out=t)
        if t.max() > codes:
            on_bad(start, stop)
        wb, pb, ib = win[:, :w], packed[:w], idx[:, :w]
        np.copyto(wb[:regular], _window_view(t, "<u8", 0, (regular, w), (step, k)))
        for q in range(regular, nw):
            np.copyto(wb[q], _window_view(t, "<u8", kern.offsets[q], (w,), (k,)))
        np.left_shift(wb[1:], kern.shifts, out=wb[1:])
        np.bitwise_or(wb[0], wb[1], out=pb)  # pairwise: faster than or.reduce over axis 0
        for q in range(2, nw):
            np.bitwise_or(pb, wb[q], out=pb)
        np.bitwise_and(pb, kern.masks, out=ib)
        np.multiply(ib, kern.magics, out=ib)
        np.right_shift(ib, kern.out_shifts, out=ib)
        ii = ib.view(np.intp)
        for s, table in enumerate(kern.tables):
            np.take(table, ii[s], out=outs[s][start:stop], mode="wrap")
        if composites and (stop - done >= COMPOSITE_BLOCK or stop == n):
            lw, zw = scratch[: stop - done], zero[: stop - done]
            for dest, parts in sums:
                _composite(outs[dest][done:stop], [outs[p][done:stop] for p in parts], lw, zw)
            done = stop


def _composite_sums(
    composites: Sequence[Sequence[int]], ns: int
) -> list[tuple[int, tuple[int, ...]]]:
    """Each composite (its position in ``outs``) with the arrays to add for it, in the order to
    compute them: a composite whose scales are those of other composites together (the SDQ's
    total is externalising + internalising) adds those, which is fewer passes. Either sum is -1
    exactly when one of the scales is -1."""
    scales = [frozenset([i]) for i in range(ns)]
    for parts in composites:
        scales.append(frozenset().union(*(scales[p] for p in parts)))
    order = sorted(range(len(composites)), key=lambda c: len(scales[ns + c]))
    done: list[int] = []
    sums = []
    for c in order:
        if sum(len(scales[p]) for p in composites[c]) != len(scales[ns + c]):
            sums.append((ns + c, tuple(composites[c])))  # a scale counted twice: as given
            continue
        left = set(scales[ns + c])
        picked = []
        for d in sorted(done, key=lambda d: -len(scales[d])):
            if scales[d] <= left and len(scales[d]) > 1:
                picked.append(d)
                left -= scales[d]
        picked += sorted(left)  # single scales
        sums.append((ns + c, tuple(picked)))
        done.append(ns + c)
    return sums


def _composite(dest: I8, parts: Sequence[I8], low: I8, zero: I8) -> None:
    """Sum of ``parts`` (wrapping like int8), or -1 where any part is -1 (parts are -1 or a
    score, and the engine only comes here when no sum can wrap). ``low`` is scratch space and
    ``zero`` zeros, both as long as ``dest`` (an array, not a scalar 0: that takes NumPy's slow
    path)."""
    np.minimum(parts[0], zero, out=low)
    if len(parts) == 1:
        np.copyto(dest, parts[0])
    else:
        np.add(parts[0], parts[1], out=dest)
        for p in parts[2:]:
            np.add(dest, p, out=dest)
        for p in parts[1:]:
            np.minimum(low, p, out=low)
    np.bitwise_or(dest, low, out=dest)  # low is -1 if any part is missing, else 0


def build_impact_kernel(
    limits: Sequence[int], rule: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.int64]]
) -> ImpactKernel | None:
    """``limits``: number of codes of each impact column (overall first); ``rule(values)`` the
    scores of the responses in the rows of ``values`` (``-1`` for blank), all at once."""
    width = len(limits)
    if not 4 <= width <= 6 or max(limits) > 7 or min(limits) < 1:
        return None
    offsets = _windows(width, 4)
    masks, shifts = [], []
    covered = 0
    for off in offsets:
        first = covered - off  # first lane not read by an earlier window
        masks.append(sum(7 << (8 * lane) for lane in range(first, 4)))
        shifts.append(3 * off)
        covered = off + 4
    table = np.full(1 << (3 * width), -1, dtype=np.int8)
    values = np.array(list(itertools.product(*(range(-1, lim) for lim in limits))), np.int64)
    index = np.bitwise_or.reduce((values & 7) << np.arange(0, 3 * width, 3), axis=1)
    table[index] = rule(values)
    return ImpactKernel(
        width=width,
        offsets=offsets,
        masks=np.array(masks, dtype=np.uint32).reshape(-1, 1),
        shifts=np.array(shifts, dtype=np.uint32).reshape(-1, 1),
        limit=min(limits),
        table=table,
        magic=_impact_magic(tuple(limits), values, table[index]),
    )


def _impact_magic(
    limits: tuple[int, ...], values: npt.NDArray[np.int64], scores: I8
) -> tuple[int, int, I8] | None:
    """The multiplier path's table (``scores`` are those of the rows of ``values``, every valid
    row), when a known multiplier gives every valid row its own index."""
    known = _KNOWN_IMPACT_MAGICS.get(limits)
    if known is None:
        return None
    magic, bits = known
    packed = np.bitwise_or.reduce(
        (values & 7).astype(np.uint64) << np.arange(0, 8 * len(limits), 8, dtype=np.uint64),
        axis=1,
    )
    if not _distinct(packed.copy(), magic, bits):
        return None
    idx = (packed * np.uint64(magic)) >> np.uint64(64 - bits)
    fast = np.full(1 << bits, -1, dtype=np.int8)
    fast[idx.astype(np.intp)] = scores
    return magic, bits, fast


def score_impact(kern: ImpactKernel, imp: I8, out: I8, check: Callable[[int, int], None]) -> None:
    """Score the C-contiguous ``n × width`` int8 ``imp`` into ``out``; ``check(start, stop)`` is
    called for a block whose values are not all within every column's codes (it raises if one is
    invalid for its own column)."""
    if kern.magic is not None:
        _score_impact_magic(kern, imp, out, check)
        return
    n, k = imp.shape
    flat = imp.reshape(-1)
    block = min(IMPACT_BLOCK, max(n, 1))
    nw = len(kern.offsets)
    win = np.empty((nw, block), dtype=np.uint32)
    tmp = np.empty((nw, block), dtype=np.uint32)
    index = np.empty(block, dtype=np.intp)
    five, ten = np.uint32(5), np.uint32(10)
    pair, quad = np.uint32(0x003F003F), np.uint32(0x00000FFF)
    for start in range(0, n, block):
        stop = min(start + block, n)
        w = stop - start
        blk = imp[start:stop]
        if blk.min() < -1 or blk.max() >= kern.limit:
            check(start, stop)
        wb, tb = win[:, :w], tmp[:, :w]
        for q, off in enumerate(kern.offsets):
            np.copyto(wb[q], _window_view(flat, "<u4", start * k + off, (w,), (k,)))
        np.bitwise_and(wb, kern.masks, out=wb)  # 3-bit fields at bits 0, 8, 16, 24
        np.right_shift(wb, five, out=tb)
        np.bitwise_or(wb, tb, out=wb)
        np.bitwise_and(wb, pair, out=wb)  # fields at bits 0, 3, 16, 19
        np.right_shift(wb, ten, out=tb)
        np.bitwise_or(wb, tb, out=wb)
        np.bitwise_and(wb, quad, out=wb)  # fields at bits 0, 3, 6, 9
        np.left_shift(wb, kern.shifts, out=wb)
        ib = index[:w]
        if nw > 1:
            np.bitwise_or.reduce(wb, axis=0, out=tb[0])
            np.copyto(ib, tb[0])
        else:
            np.copyto(ib, wb[0])
        np.take(kern.table, ib, out=out[start:stop], mode="wrap")


def _score_impact_magic(
    kern: ImpactKernel, imp: I8, out: I8, check: Callable[[int, int], None]
) -> None:
    """:func:`score_impact` with one unaligned 8-byte word a row (the row and the start of the
    next), masked to the row's 3-bit fields and turned into a table index by one multiply. The
    last row has no next row to read into, so it is scored from a padded copy."""
    assert kern.magic is not None
    magic, bits, table = kern.magic
    n, k = imp.shape
    flat = imp.reshape(-1)
    block = min(IMPACT_BLOCK, max(n, 1))
    win = np.empty(block, dtype=np.uint64)
    mask = np.uint64(sum(7 << (8 * lane) for lane in range(k)))
    mul, shift = np.uint64(magic), np.uint64(64 - bits)
    for start in range(0, n, block):
        stop = min(start + block, n)
        blk = imp[start:stop]
        if blk.min() < -1 or blk.max() >= kern.limit:
            check(start, stop)
        if stop == n:  # the last row: from a copy with room for the whole word
            pad = np.zeros(8, dtype=np.int8)
            pad[:k] = imp[n - 1]
            np.copyto(win[stop - 1 - start : stop - start], pad.view("<u8")[:1])
            rows = stop - start
            w = rows - 1
        else:
            w = rows = stop - start
        wb = win[:rows]
        np.copyto(wb[:w], _window_view(flat, "<u8", start * k, (w,), (k,)))
        np.bitwise_and(wb, mask, out=wb)
        np.multiply(wb, mul, out=wb)
        np.right_shift(wb, shift, out=wb)
        np.take(table, wb.view(np.intp), out=out[start:stop], mode="wrap")
