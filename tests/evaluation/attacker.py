"""An attacker for the disclosure tests: linear programming over everything a reader can
download about one population (tests only; SciPy's HiGHS).

The attacker writes what was published as a linear system over unknown non-negative
counts (``atoms``): every shown number is an equation, a shown zero is a zero, and every
hidden number is at least 1 (zeros are never hidden). For every hidden number it then
minimises and maximises it. It is deliberately built apart from
:class:`spor.evaluation.disclosure.Publication`: it reads the numbers from the files a
reader gets, solves with ``scipy.optimize.linprog`` and judges with its own rule.

Figures that are not counts but linear in them are read too (:meth:`Attack.mean`): a mean
printed to one decimal, over children whose values the attacker knows per atom, bounds
``Σ vᵢ·xᵢ / Σ xᵢ`` to the printed value ± half a unit — two linear inequalities, whether or
not the number of children is shown.

The rule (``docs/evaluation.md``, "Disclosure control"): a hidden number whose true value is
1 to ``threshold − 1`` must be provably no narrower than 1 to ``threshold − 1`` (from the
least value its hidden parts allow, for a total of several hidden non-zero parts), and no
hidden number may be exact.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from spor.evaluation.disclosure import HIDDEN_MARK

KOF = re.compile(r"^(\d+) af (\d+)")


@dataclass
class Number:
    """One published number: the atoms it sums, what the reader saw and its true value."""

    where: str
    atoms: tuple[int, ...]
    seen: int | None  # None: hidden
    true: int


@dataclass
class Attack:
    threshold: int = 5
    truth: list[int] = field(default_factory=list)
    names: dict[Hashable, int] = field(default_factory=dict)
    numbers: list[Number] = field(default_factory=list)
    links: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    # Means: (where, {atom: its value}, lowest, highest) for lo <= Σ v·x / Σ x <= hi.
    means: list[tuple[str, dict[int, float], float, float]] = field(default_factory=list)

    def atom(self, name: Hashable, true: int) -> int:
        if name not in self.names:
            self.names[name] = len(self.truth)
            self.truth.append(int(true))
        return self.names[name]

    def link(self, left: Iterable[int], right: Iterable[int]) -> None:
        a, b = tuple(left), tuple(right)
        assert sum(self.truth[i] for i in a) == sum(self.truth[i] for i in b)
        self.links.append((a, b))

    def read(self, where: str, atoms: Iterable[int], seen: object) -> None:
        """A number as the reader saw it: an int, a text starting with an int, or the mark."""
        parts = tuple(sorted(set(atoms)))
        true = sum(self.truth[i] for i in parts)
        if seen == HIDDEN_MARK:
            value = None
        else:
            value = int(seen) if isinstance(seen, int | float) else int(str(seen).split()[0])
            assert value == true, f"{where}: shows {value}, the truth is {true}"
        self.numbers.append(Number(where, parts, value, true))

    def mean(self, where: str, values: dict[int, float], lo: float, hi: float) -> None:
        """A mean as the reader saw it: of ``values`` (atom -> each child's value there),
        known to lie in ``lo..hi`` (the printed value ± half its last digit)."""
        n = sum(self.truth[i] for i in values)
        if n == 0:
            return
        true = sum(v * self.truth[i] for i, v in values.items()) / n
        assert lo - 1e-9 <= true <= hi + 1e-9, f"{where}: shows {lo:g}..{hi:g}, the truth {true}"
        self.means.append((where, dict(values), lo, hi))

    @property
    def n_means(self) -> int:
        return len(self.means)

    def _system(self, *, known: bool) -> dict[str, object]:
        n = len(self.truth)
        eq, rhs, ub = [], [], []
        for a, b in self.links:
            row = np.zeros(n)
            row[list(a)] += 1
            row[list(b)] -= 1
            eq.append(row)
            rhs.append(0.0)
        written: set[tuple[tuple[int, ...], int | None]] = set()
        for x in self.numbers:
            if (x.atoms, x.seen) in written:  # the same number read again (another file)
                continue
            written.add((x.atoms, x.seen))
            row = np.zeros(n)
            row[list(x.atoms)] = 1.0
            if x.seen is None:
                ub.append(-row)
            elif known or x.seen == 0:
                eq.append(row)
                rhs.append(float(x.seen))
        ub_rhs = [-1.0] * len(ub)
        if known:  # Σ (v − hi)·x <= 0 and Σ (lo − v)·x <= 0
            for _, values, lo, hi in self.means:
                for edge, sign in ((hi, 1.0), (lo, -1.0)):
                    row = np.zeros(n)
                    for i, v in values.items():
                        row[i] = sign * (v - edge)
                    ub.append(row)
                    ub_rhs.append(1e-9)
        out: dict[str, object] = {"bounds": (0, None), "method": "highs"}
        if eq:
            out |= {"A_eq": csr_array(np.array(eq)), "b_eq": np.array(rhs)}
        if ub:
            out |= {"A_ub": csr_array(np.array(ub)), "b_ub": np.array(ub_rhs)}
        return out

    def _bound(self, system: dict[str, object], atoms: Sequence[int], sign: float) -> float:
        c = np.zeros(len(self.truth))
        c[list(atoms)] = sign
        res = linprog(c, **system)  # type: ignore[arg-type]
        if res.status == 3:
            return math.inf
        assert res.status == 0, res.message
        return sign * float(res.fun)

    def breaches(self, *, first: bool = False) -> list[str]:
        """Every hidden number the attacker can narrow down too far, and every shown number
        of 1 to threshold − 1. Empty means protected. ``first``: stop at the first found."""
        out = [
            f"{x.where}: shows {x.seen}"
            for x in self.numbers
            if x.seen is not None and 0 < x.seen < self.threshold
        ]
        system = self._system(known=True)
        loose = None
        done: set[tuple[int, ...]] = set()
        for x in self.numbers:
            if first and out:
                break
            if x.seen is not None or x.atoms in done:
                continue
            done.add(x.atoms)
            lo = self._bound(system, x.atoms, 1.0)
            hi = self._bound(system, x.atoms, -1.0)
            if 0 < x.true < self.threshold:
                floor = 1.0
                if lo > 1 + 1e-6:
                    loose = loose or self._system(known=False)
                    floor = self._bound(loose, x.atoms, 1.0)
                if lo > max(1.0, floor) + 1e-6 or hi < self.threshold - 1 - 1e-6:
                    out.append(f"{x.where}: true {x.true}, provably {lo:g}..{hi:g}")
            elif hi - lo < 1e-6:
                out.append(f"{x.where}: true {x.true}, exactly {lo:g}")
        return out

    def hidden_zeros(self) -> list[str]:
        """Hidden numbers whose true value is 0: the reader's knowledge that every hidden
        number is at least 1 would be wrong there (zeros are never hidden)."""
        return [x.where for x in self.numbers if x.seen is None and x.true == 0]

    @property
    def n_hidden(self) -> int:
        return len({x.atoms for x in self.numbers if x.seen is None})


def k_of_n(text: object) -> tuple[int, int] | None:
    """(k, n) of a share as the pages print it ("12 af 30 (40 %; …)"), or None."""
    found = KOF.match(str(text))
    return (int(found.group(1)), int(found.group(2))) if found else None
