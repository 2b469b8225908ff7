"""A logging filter that redacts CPR-like strings: a second guard behind the rule that code
never logs a CPR number in the first place. It also hides one-time link tokens
(``/svar/<token>/``, spor.lib.redact): Django logs the path of every 404 and error."""

from __future__ import annotations

import logging

from spor.cpr import redact as redact_cpr
from spor.lib.redact import redact_tokens


def redact(text: str) -> str:
    return redact_tokens(redact_cpr(text))


class RedactCPRFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
