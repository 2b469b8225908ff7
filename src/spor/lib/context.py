"""Where a look or a change comes from: the small value services take instead of the HTTP
request.

Services are called from screens, the API, management commands and jobs. They need to know
*who* acts (the :class:`~spor.accounts.access.Actor`, passed apart because every scoped read
takes it too), *why* (the access log's purpose, which each service names for its own work)
and *from where*: the client's address, which the access log records. That last part is
this value. It is built from a request in one place, ``spor.ops.proxies.request_context``
(the one place that knows which proxies to believe); a command or a job passes none, and
the log then records no address.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The origin of a call to a service: the client's address (``None`` when unknown)."""

    address: str | None = None
