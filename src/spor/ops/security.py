"""The security headers that Django 5.2 does not set itself: a content security policy and a
permissions policy.

Spor's pages load their script (htmx) and style sheet from its own origin and have no inline
scripts or styles, with two exceptions, allowed by their hashes only:

- htmx inserts one ``<style>`` element for its request indicator (``.htmx-indicator``);
- the printable partnership overview has ``onclick="window.print()"`` on its print button
  (an inline event handler needs ``'unsafe-hashes'`` next to its hash; nothing else inline
  runs).

``tests/ops/test_security.py`` recomputes both hashes from htmx.min.js and the template, so
a new htmx version or a changed handler fails the suite instead of silently breaking.
"""

from __future__ import annotations

import base64
import hashlib

# The exact text htmx 2 inserts (htmx.config.includeIndicatorStyles).
HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator"
    "{opacity:1;visibility: visible;transition: opacity 200ms ease-in}"
)
PRINT_HANDLER = "window.print()"


def csp_hash(text: str) -> str:
    """The CSP source expression for an inline script or style with exactly this text."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(extra_connect: str = "") -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'unsafe-hashes' {csp_hash(PRINT_HANDLER)}",
        "style-src": f"'self' {csp_hash(HTMX_INDICATOR_STYLE)}",
        # Charts are inline SVG; QR codes (two-factor enrolment) may be data: images.
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": f"'self' {extra_connect}".strip(),
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


# No page of Spor uses any of these browser features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
    )
)
