"""The client's real address behind the reverse proxy: the one place that reads
``REMOTE_ADDR`` and ``X-Forwarded-For`` (a convention test keeps it so).

``REMOTE_ADDR`` is the address of whoever opened the connection to gunicorn. Only when that
is one of the trusted proxies (``SPOR_TRUSTED_PROXIES``: addresses and networks, none by
default) is ``X-Forwarded-For`` read, from the right: each hop that is itself a trusted
proxy is passed over, and the first one that is not is the client. Anything to the left of
it was written by the client and is ignored, so a client cannot choose its address by
sending the header itself, whether it goes through the proxy or around it. This is the rule
of nginx's ``real_ip_recursive`` and of the proxy-header middleware of uvicorn; gunicorn
applies the same list (its ``forwarded_allow_ips``, deploy/gunicorn.conf.py) to the HTTPS
header. docs/deployment.md says why this is not django-ipware or django-xff.

Used by the one-time links' guessing limit, the login lock-out (django-axes,
``AXES_CLIENT_IP_CALLABLE``), the login log and the access log's "from where".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

from spor.lib.context import RequestContext

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = ["client_address", "parse_networks"]


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.5", "172.30.0.0/24", "::1"]`` as networks; ValueError on anything else,
    as gunicorn does: ``10.0.0.5/24`` (host bits set) and ``*`` too (trusting everyone
    would let every client choose its address)."""
    return tuple(ipaddress.ip_network(v.strip()) for v in values if v.strip())


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as text, or None when the request has none (or there is no
    request: a management command)."""
    if request is None:
        return None
    peer = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    trusted = _trusted(tuple(getattr(settings, "SPOR_TRUSTED_PROXIES", ())))
    client = peer
    if any(client in net for net in trusted):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        for hop in reversed(forwarded):
            address = _address(hop)
            if address is None:
                break  # not an address: the hops to its left cannot be told apart either
            client = address
            if not any(address in net for net in trusted):
                break
    return str(client)


def request_context(request: HttpRequest) -> RequestContext:
    """The :class:`~spor.lib.context.RequestContext` of a request: what services get
    instead of the request itself (the client's address, for the access log)."""
    return RequestContext(address=client_address(request))
