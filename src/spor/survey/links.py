"""The staff survey's one-time links: which page answers them and the look-up of a
:class:`SurveyInvitation` by its token. Everything else (tokens, hashes, the look-up's
steps, the guessing limit, the page's headers) is :mod:`spor.lib.links`.

On PostgreSQL the owner's function ``spor_survey_invitation_municipality`` says which
municipality the hash belongs to, and the transaction then sees that municipality only (or
none). The guessing limit uses the same settings as the SDQ links
(``SPOR_MEASUREMENT_GUESS_LIMIT`` and ``…_WINDOW_MINUTES``) but a counter of its own.
"""

from __future__ import annotations

import functools

from spor.lib import links
from spor.survey.models import SurveyInvitation
from spor.tenancy import rls

# The guessing limit counts the survey's links on their own (spor.lib.links).
SCOPE = "survey"


def link_for(token: str) -> str:
    return links.link_for("survey_public:answer", token)


def find_invitation(token: str) -> SurveyInvitation | None:
    """The invitation a token belongs to, or None (see the module's note on RLS)."""
    return links.find(
        SurveyInvitation.objects.select_related("round"),
        token,
        enter=functools.partial(rls.enter_by_key, "spor_survey_invitation_municipality"),
    )
