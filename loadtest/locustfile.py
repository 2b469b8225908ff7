"""The screening week under load (run by loadtest/run.py, not imported by the suite: locust
patches the standard library with gevent).

Three kinds of users: teachers saving one child's ratings as they go (the grid's htmx
save, no think time), PPR staff opening the round's overview (one every
SPOR_LOAD_PPR_PAUSE seconds each; 0 for none), and the same teachers asking the bare
endpoint (/drift/ping/aktoer/, no think time): the same POST with the same session and
CSRF cookies and headers as their save, through the same middleware, to a view that only
answers "ok" — Django's fixed cost of a logged-in request. run.py starts the bare
endpoint's users alone first (as many as the teachers), then teachers and PPR staff
together, naming the classes.
"""

from __future__ import annotations

import csv
import json
import os
import random

from locust import FastHttpUser, constant, constant_pacing, events, task
from locust.runners import STATE_STOPPED
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

FACTS = json.loads(open(os.environ["SPOR_LOAD_FACTS"]).read())  # noqa: SIM115
CSRF = "f" * 32
MAX_REQUESTS = int(os.environ.get("SPOR_LOAD_MAX_REQUESTS", "0"))
REQUESTS_EACH = int(os.environ.get("SPOR_LOAD_REQUESTS_EACH", "0"))
TEACHERS = int(os.environ.get("SPOR_LOAD_TEACHER_USERS", "20"))
COLOURS = ["groen", "gul", "roed"]


class _Logged(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    endpoint = ""  # the name its requests are counted under

    def headers(self, session: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF}


class Teacher(_Logged):
    fixed_count = TEACHERS
    endpoint = "gem trivselsvurdering (række)"

    def on_start(self) -> None:
        self.me = random.choice(FACTS["teachers"])

    @task
    def save_row(self) -> None:
        child = random.choice(self.me["children"])
        data = {"handling": "raekke", "barn": str(child)}
        data.update({f"r-{child}-{a}": random.choice(COLOURS) for a in FACTS["areas"]})
        headers = self.headers(self.me["session"]) | {"HX-Request": "true"}
        with self.client.post(
            self.me["grid"], data=data, headers=headers, name=self.endpoint,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200 or "Gemt" not in (response.text or ""):
                response.failure(f"HTTP {response.status_code}")


class Ppr(_Logged):
    fixed_count = int(os.environ.get("SPOR_LOAD_PPR_USERS", "4"))
    # A person who reads the overview before opening it again (docs/scaling.md).
    wait_time = constant_pacing(float(os.environ.get("SPOR_LOAD_PPR_PAUSE", "0")))
    endpoint = "PPR-overblik (runde)"

    def on_start(self) -> None:
        self.session = random.choice(FACTS["ppr"])

    @task
    def overview(self) -> None:
        with self.client.get(
            FACTS["overview"], headers=self.headers(self.session), name=self.endpoint,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Ping(_Logged):
    fixed_count = TEACHERS
    endpoint = "bart Django-endpoint (/drift/ping/aktoer/)"

    def on_start(self) -> None:
        self.me = random.choice(FACTS["teachers"])

    @task
    def ping(self) -> None:
        child = random.choice(self.me["children"])
        data = {"handling": "raekke", "barn": str(child)}
        data.update({f"r-{child}-{a}": random.choice(COLOURS) for a in FACTS["areas"]})
        headers = self.headers(self.me["session"]) | {"HX-Request": "true"}
        with self.client.post(
            "/drift/ping/aktoer/", data=data, headers=headers,
            name=self.endpoint, catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200 or response.text != "ok":
                response.failure(f"HTTP {response.status_code}")


@events.request.add_listener
def _bound(**kwargs: object) -> None:
    """Stop after SPOR_LOAD_MAX_REQUESTS requests in all, or once every endpoint of the phase
    has had SPOR_LOAD_REQUESTS_EACH requests (the run is also bounded in time)."""
    env = _ENV[0] if _ENV else None
    if env is None or env.runner is None or env.runner.state == STATE_STOPPED:
        return
    stats = env.runner.stats
    if MAX_REQUESTS and stats.total.num_requests >= MAX_REQUESTS:
        env.runner.quit()
    elif REQUESTS_EACH:
        counts: dict[str, int] = {}
        for (name, _method), entry in stats.entries.items():
            counts[name] = counts.get(name, 0) + entry.num_requests
        if all(counts.get(cls.endpoint, 0) >= REQUESTS_EACH for cls in env.user_classes):
            env.runner.quit()


_ENV: list = []


@events.init.add_listener
def _remember(environment, **kwargs):  # type: ignore[no-untyped-def]
    _ENV.append(environment)


@events.quit.add_listener
def _write_stats(**kwargs: object) -> None:
    """The phase's final figures, to SPOR_LOAD_STATS (run.py reads them). Written once, when
    locust has stopped: locust's own --csv files are rewritten every few seconds while it
    runs, so the last one can miss the end of the run, or a short run altogether."""
    path = os.environ.get("SPOR_LOAD_STATS")
    if path and _ENV:
        with open(path, "w", newline="") as out:
            StatsCSV(_ENV[0], PERCENTILES_TO_REPORT).requests_csv(csv.writer(out))
