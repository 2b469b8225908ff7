"""One-time link tokens out of logs. A parent's questionnaire link (``/svar/<token>/``) and a
staff member's survey link (``/organisation/svar/<token>/``) are bearer secrets: whoever
reads a log line with one could answer in the parent's name. Every log (gunicorn's access
log, Django's request log, error reports) writes them as ``…``. Pure: imports no Django."""

from __future__ import annotations

import re

# A token is token_urlsafe(32) (43 characters); anything of 8 or more URL-safe characters
# after /svar/ is taken for one, except the thank-you page.
_TOKEN_IN_PATH = re.compile(r"(/svar/)(?!tak/)[A-Za-z0-9_\-%]{8,}")
HIDDEN = "…"


def redact_tokens(text: str) -> str:
    """``text`` with the one-time tokens of answer links replaced by ``…``.

    >>> redact_tokens("GET /svar/" + "a" * 43 + "/ 200")
    'GET /svar/…/ 200'
    >>> redact_tokens("Not Found: /organisation/svar/Zx-9_" + "q" * 38 + "/")
    'Not Found: /organisation/svar/…/'
    >>> redact_tokens("/svar/tak/")
    '/svar/tak/'
    """
    return _TOKEN_IN_PATH.sub(rf"\g<1>{HIDDEN}", text)
