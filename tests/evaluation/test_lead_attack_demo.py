"""The lead's attacker on the demo municipality, through the lead's own requests (issue 15,
item 1: "on the demo data and on random data").

The demo generator makes Sporby Kommune with its children and the loop; its PPR-leder then
asks for every view of the lattice: the evaluation page, ``/api/evaluering/`` (the lead's
session) and the workbook and the PDF, ordered from the page and made by the report job as
the worker makes them, then downloaded. Everything is read into one linear system per
informant (:mod:`tests.evaluation.lead_attack`); no hidden number may be narrowed below its
protection interval.

The suite runs a reduced demo (fewer children, the default informant, the PDF of the view of
all children only: WeasyPrint takes a second or more per file). ``SPOR_DEMO_ATTACK=1`` runs the
full one: more children, every informant, every PDF."""

from __future__ import annotations

import io
import os
from typing import Any

from django.core.management import call_command
from django.test import Client

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Role
from spor.evaluation.web import lattice, services
from spor.evaluation.web.forms import DEFAULT_INFORMANT
from spor.evaluation.web.models import ReportJob
from spor.measurement.models import Informant
from tests.evaluation.lead_attack import Model

FULL_DEMO = bool(os.environ.get("SPOR_DEMO_ATTACK"))
PARAMETER = {"indsats": "indsats", "type": "type", "niveau": "niveau", "maalgruppe": "maalgruppe",
             "alder": "alder", "halvaar": "halvaar"}  # fmt: skip


def query(view: lattice.View, informant: str) -> dict[str, str]:
    out = {"informant": informant}
    if view.dimension == "halvaar":
        year, part = divmod(int(view.value), 10)
        out["halvaar"] = f"{year}-{part}"
    elif view.dimension:
        out[PARAMETER[view.dimension]] = str(view.value)
    return out


def report(client: Client, member: Membership, params: dict[str, str], fmt: str) -> bytes:
    """Order the report from the page with the view's filters, let the job make it (as the
    worker does), and download it."""
    r = client.post("/evaluering/rapport/?" + "&".join(f"{k}={v}" for k, v in params.items()),
                    {"format": fmt})  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:300]
    job = ReportJob.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    services.report_job_run(job_id=job.pk, municipality_id=member.municipality_id)
    got = client.get(f"{r['Location']}hent/")
    assert got.status_code == 200, got.status_code
    ReportJob.objects.filter(pk=job.pk).delete()  # a lead may have 3 unfinished at once
    return got.content


def outputs(
    client: Client, member: Membership, params: dict[str, str], pdf: bool
) -> dict[str, Any]:
    page = client.get("/evaluering/", params)
    assert page.status_code == 200
    api = client.get("/api/evaluering/", params)
    assert api.status_code == 200, api.content[:300]
    return {
        "side": page.content.decode(),
        "api": api.json(),
        "xlsx": report(client, member, params, "xlsx"),
        "pdf": report(client, member, params, "pdf") if pdf else None,
    }


def test_every_output_the_demo_lead_can_obtain_survives_the_attacker(db: None) -> None:
    call_command("spor_demo", children=900 if FULL_DEMO else 300, no_progress=True,
                 stdout=io.StringIO())  # fmt: skip
    member = Membership.objects.filter(role=Role.LEAD, active=True).order_by("pk").first()
    assert member is not None
    actor = Actor(user=member.user, membership=member)
    client = Client()
    client.force_login(member.user)
    informants = Informant.values if FULL_DEMO else [DEFAULT_INFORMANT]
    n_hidden = n_views = 0
    for informant in informants:
        lat = lattice.read(actor, informant)
        if not lat.cells:
            continue
        model = Model(lat.cells, lat.targets)
        for view in lat.views():
            params = query(view, informant)
            got = outputs(client, member, params, pdf=FULL_DEMO or view == lattice.ALL_VIEW)
            model.reader(view, lat.members(view), informant).read(got)
            n_views += 1
        assert model.a.breaches() == []
        n_hidden += model.a.n_hidden
    assert n_views > 10 and n_hidden > 0  # many views, and something to protect
