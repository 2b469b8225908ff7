"""spor.lib, the shared small pieces (issue 19): their docstring examples run, and the
append-only base refuses a change and a deletion on each log that uses it."""

from __future__ import annotations

import doctest

import pytest

from spor.audit.models import AccessLogEntry
from spor.cases.models import CaseEvent
from spor.concerns.models import ConcernEvent
from spor.lib import danish, ids, redact, svg


@pytest.mark.parametrize("module", [danish, ids, redact, svg], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("model", "error", "noun"),
    [
        (AccessLogEntry, PermissionError, "Adgangsloggen"),
        (CaseEvent, ValueError, "Tidslinjen"),
        (ConcernEvent, ValueError, "Opfølgningsloggen"),
    ],
)
def test_an_append_only_row_is_neither_changed_nor_deleted(
    model: type, error: type[Exception], noun: str
) -> None:
    """No database needed: a saved row (pk set, not adding) is refused before any query."""
    row = model(pk=7)
    row._state.adding = False
    with pytest.raises(error, match=f"{noun} kan kun tilføjes, ikke ændres"):
        row.save()
    with pytest.raises(error, match=f"{noun} kan kun tilføjes, ikke slettes"):
        row.delete()
