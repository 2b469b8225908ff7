"""The result of scoring: scores by name, with the instrument that scored them.

Apart from the engine (:mod:`spor.sdq._engine`) so that banding (:mod:`spor.sdq._norms`),
which takes a result, and the engine, which bands when asked, import it and not each other.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from spor.sdq._instrument import Instrument

I8 = npt.NDArray[np.int8]


class ScoreResult(dict[str, I8]):
    """Scores by name (``emotional`` … ``prosocial``, ``total``, ``externalising``,
    ``internalising``, ``impact``), each an int8 array with ``-1`` for not scored.

    ``instrument`` is the form that scored them; ``as_float()`` gives float arrays with NaN for
    those who prefer that in a notebook.
    """

    def __init__(self, instrument: Instrument, scores: Mapping[str, I8]) -> None:
        super().__init__(scores)
        self.instrument = instrument

    @property
    def form(self) -> str:
        return self.instrument.form

    @property
    def informant(self) -> str:
        return self.instrument.informant

    def __len__(self) -> int:  # number of scores, as for a dict
        return super().__len__()

    @property
    def n(self) -> int:
        """Number of responses."""
        return 0 if not self else int(next(iter(self.values())).shape[0])

    def missing(self, name: str) -> npt.NDArray[np.bool_]:
        return self[name] < 0

    def as_float(self) -> dict[str, npt.NDArray[np.float64]]:
        out: dict[str, npt.NDArray[np.float64]] = {}
        for k, v in self.items():
            f = v.astype(np.float64)
            f[v < 0] = np.nan
            out[k] = f
        return out
