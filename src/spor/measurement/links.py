"""The SDQ questionnaire's one-time links: which page answers them and the look-up of a
:class:`MeasurementRequest` by its token. Everything else (tokens, hashes, the look-up's
steps, the guessing limit, the page's headers) is :mod:`spor.lib.links`.

**Row-level security.** An anonymous request sees no tenant rows. The look-up asks the
owner's function ``spor_measurement_request_municipality`` which municipality the token's
hash belongs to (one keyed answer, no rows), and sets that municipality (or none, if no
request has the hash) for the rest of the request's transaction
(:func:`spor.tenancy.rls.enter_by_key`); the middleware restores the previous value at the
end.
"""

from __future__ import annotations

import functools

from spor.lib import links
from spor.measurement.models import MeasurementRequest
from spor.tenancy import rls

# The guessing limit counts the SDQ links on their own (spor.lib.links.guessing_blocked).
SCOPE = "measurement"


def link_for(token: str) -> str:
    return links.link_for("measurement_public:answer", token)


def find_request(token: str) -> MeasurementRequest | None:
    """The request a token belongs to, or None for a malformed or unknown token.

    On PostgreSQL this must run inside the request's transaction (the middleware opens one):
    afterwards the transaction sees the found request's municipality only."""
    return links.find(
        MeasurementRequest.objects.select_related("delivery__case__child"),
        token,
        enter=functools.partial(rls.enter_by_key, "spor_measurement_request_municipality"),
    )
