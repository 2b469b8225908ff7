"""The stored cells' binary ``COPY`` parsed as it arrives (session 13).

``selectors._CopyRows`` takes the ``COPY`` of the stored cells (a header, then one field
per municipality holding its rows' bytes, a trailer) in whatever pieces the driver gives it
and makes each municipality's rows native as they come, instead of joining every piece and
parsing the whole after the last one. Whatever the pieces, the table is the one the whole
gives, to the byte, and a ``COPY`` of another layout or size is refused as before. (On
PostgreSQL, ``test_stored_columns.py`` holds the read through it to the stored rows.)"""

from __future__ import annotations

import random

import numpy as np
import pytest
from django.db import DatabaseError

from spor.evaluation.web import selectors

WIDTH = 5


def _copy_bytes(rows_per_part: list[np.ndarray], extension: bytes = b"") -> bytes:
    """A binary ``COPY`` as the server writes it: each part one row of one field."""
    out = [selectors._SIGNATURE, (0).to_bytes(4, "big"), len(extension).to_bytes(4, "big")]
    out.append(extension)
    for rows in rows_per_part:
        data = rows.astype(">i8").tobytes()
        out += [(1).to_bytes(2, "big"), len(data).to_bytes(4, "big"), data]
    out.append(b"\xff\xff")
    return b"".join(out)


def _parts(rng: random.Random) -> list[np.ndarray]:
    sizes = [rng.choice([0, 1, 2, 7, 300]) for _ in range(rng.randint(0, 6))]
    return [
        np.array(
            [[rng.randint(-(2**63), 2**63 - 1) for _ in range(WIDTH)] for _ in range(k)],
            dtype=np.int64,
        ).reshape(k, WIDTH)
        for k in sizes
    ]


def _fed(data: bytes, cuts: list[int]) -> np.ndarray:
    rows = selectors._CopyRows(WIDTH)
    at = 0
    for cut in [*sorted(cuts), len(data)]:
        rows.feed(memoryview(data)[at:cut])
        at = cut
    return rows.table()


@pytest.mark.parametrize("seed", range(40))
def test_the_rows_are_the_same_in_any_pieces(seed: int) -> None:
    rng = random.Random(seed)
    parts = _parts(rng)
    data = _copy_bytes(parts, extension=rng.choice([b"", b"\x00" * rng.randint(1, 9)]))
    expected = (np.concatenate(parts) if parts else np.zeros((0, WIDTH), dtype=np.int64)).reshape(
        -1, WIDTH
    )
    cuts = [rng.randint(0, len(data)) for _ in range(rng.choice([0, 1, 3, 40]))]
    if rng.random() < 0.3:  # every byte a piece of its own
        cuts = list(range(len(data)))
    table = _fed(data, cuts)
    assert table.dtype == np.int64 and table.dtype.isnative
    assert table.shape == expected.shape
    assert table.tobytes() == expected.tobytes()


def test_a_float_column_is_the_doubles_own_bits() -> None:
    values = np.array([0.1, -2.5e-300, float("inf"), 1 / 3, -0.0], dtype=np.float64)
    table = np.zeros((len(values), WIDTH), dtype=np.int64)
    table[:, 2] = values.view(np.int64)
    got = _fed(_copy_bytes([table]), [7, 30])
    assert got[:, 2].copy().view(np.float64).tobytes() == values.tobytes()


def test_a_copy_of_another_layout_or_size_is_refused() -> None:
    rows = np.arange(2 * WIDTH, dtype=np.int64).reshape(2, WIDTH)
    good = _copy_bytes([rows])
    with pytest.raises(DatabaseError, match="header"):
        _fed(b"NOTACOPY" + good[8:], [])
    # Rows of another width: the field's length is not a whole number of rows.
    with pytest.raises(DatabaseError, match="layout"):
        other = selectors._CopyRows(WIDTH + 1)
        other.feed(good)
    two_fields = good.replace(
        (1).to_bytes(2, "big") + (80).to_bytes(4, "big"), b"\x00\x02" + (80).to_bytes(4, "big")
    )
    with pytest.raises(DatabaseError, match="layout"):
        _fed(two_fields, [])
    with pytest.raises(DatabaseError, match="size"):
        _fed(good[:-2], [])  # no trailer
    with pytest.raises(DatabaseError, match="size"):
        _fed(good[:-5], [3])  # cut inside a row
    with pytest.raises(DatabaseError, match="size"):
        _fed(good + b"\x00", [len(good)])  # something after the trailer
    with pytest.raises(DatabaseError, match="size"):
        _fed(b"", [])
