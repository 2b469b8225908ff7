"""Log in to a running Spor over HTTP as a person would, second factor included, and print
the start page's heading. Used by deploy/smoke.sh.

    python deploy/smoke_login.py URL USERNAME PASSWORD

The server runs with production settings (secure cookies) behind no TLS proxy, so the
requests say ``X-Forwarded-Proto: https`` as the proxy would, and the cookies are sent by
hand (a client drops secure cookies over plain HTTP). The TOTP code is computed the way a
phone app does, from the secret the enrolment page shows.
"""

from __future__ import annotations

import base64
import re
import sys
from urllib.parse import urljoin

import requests
from django_otp.oath import totp


def main(base: str, username: str, password: str) -> int:
    jar: dict[str, str] = {}

    def call(method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        url = urljoin(base, path)
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": url.replace("http://", "https://", 1),
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        }
        if "csrftoken" in jar:
            headers["X-CSRFToken"] = jar["csrftoken"]
        r = requests.request(
            method, url, data=data, headers=headers, allow_redirects=False, timeout=30
        )
        jar.update(r.cookies.get_dict())
        return r

    def csrf(page: requests.Response) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    login = call("GET", "/log-ind/")
    assert login.status_code == 200, login.status_code
    r = call(
        "POST",
        "/log-ind/",
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf(login)},
    )
    assert r.status_code == 302, f"login answered {r.status_code}"
    location = r.headers["Location"]
    if "/totp/" in location:
        page = call("GET", location)
        if page.status_code == 302:  # from the code page on to the enrolment page
            location = page.headers["Location"]
            page = call("GET", location)
        assert page.status_code == 200, page.status_code
        secret = re.search(r"((?:[A-Z2-7]{4} ){3,}[A-Z2-7]{1,4})", page.text)
        assert secret, "the enrolment page shows no secret"
        raw = secret.group(1).replace(" ", "")
        key = base64.b32decode(raw + "=" * (-len(raw) % 8))
        code = f"{totp(key, t0=0, step=30, digits=6):06d}"
        r = call("POST", location, {"code": code, "csrfmiddlewaretoken": csrf(page)})
        assert r.status_code == 302, f"the code page answered {r.status_code}"
        location = r.headers["Location"]
    start = call("GET", location)
    assert start.status_code == 200, f"the start page answered {start.status_code}"
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", start.text, re.S)
    print(f"Logget ind som {username}: {heading.group(1).strip() if heading else '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
