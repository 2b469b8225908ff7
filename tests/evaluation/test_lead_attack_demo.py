"""The lead's attacker on the demo municipality, through the lead's own requests (issue 15,
item 1: "on the demo data and on random data").

The demo generator makes Sporby Kommune with its children and the loop; its PPR-leder then
asks for every view of the lattice: the evaluation page, ``/api/evaluering/`` (the lead's
session) and the workbook and the PDF, ordered from the page and made by the report job as
the worker makes them, then downloaded. Everything is read into one linear system per
informant (:mod:`tests.evaluation.lead_attack`); no hidden number may be narrowed below its
protection interval.

The suite runs a reduced demo: fewer children, the default informant, and the API asked and
the workbook and the PDF ordered for the view of all children and the smallest view only
(each request works out the whole lattice again, and WeasyPrint takes a second or more per
file); for the other views they are made by the code the API and the job run (the PDF's
HTML is read; where a PDF is laid out, its figures must equal its HTML's).
``SPOR_DEMO_ATTACK=1`` runs the full one: more
children, every informant, every file ordered."""

from __future__ import annotations

import io
import json
import os
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Role
from spor.api.views import evaluation_body
from spor.evaluation.web import lattice, reports, services
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


def asked(client: Client, params: dict[str, str]) -> dict[str, Any]:
    api = client.get("/api/evaluering/", params)
    assert api.status_code == 200, api.content[:300]
    body: dict[str, Any] = api.json()
    return body


def outputs(
    client: Client, member: Membership, lat: lattice.Lattice, params: dict[str, str],
    ordered: bool,
) -> dict[str, Any]:  # fmt: skip
    """The page, asked for by the lead. The API's answer, the workbook and the PDF: asked for,
    ordered and downloaded (``ordered``), or made by the code the API and the report job run,
    from the same figures (each request works out the whole lattice again: too slow for every
    view in the suite)."""
    page = client.get("/evaluering/", params)
    assert page.status_code == 200
    actor = Actor(user=member.user, membership=member)
    form = services.filter_form(actor, params)
    assert form.is_valid(), form.errors
    fig = lat.view_figures(form.filters())
    assert fig.paired_label in page.content.decode()
    rep = reports.report(member.municipality.name, fig, timezone.localdate())
    return {
        "side": page.content.decode(),
        "api": asked(client, params) if ordered else json.loads(json.dumps(evaluation_body(fig))),
        "xlsx": report(client, member, params, "xlsx") if ordered else reports.xlsx(rep),
        "pdf": report(client, member, params, "pdf") if ordered else None,
        "pdf_html": reports.pdf_html(rep),
    }


def test_every_output_the_demo_lead_can_obtain_survives_the_attacker(db: None) -> None:
    call_command("spor_demo", children=900 if FULL_DEMO else 120, no_progress=True,
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
        views = lat.views()
        smallest = min(views, key=lambda v: sum(c.n for c in lat.members(v)))
        for view in views:
            params = query(view, informant)
            ordered = FULL_DEMO or view in (lattice.ALL_VIEW, smallest)
            got = outputs(client, member, lat, params, ordered)
            model.reader(view, lat.members(view), informant).read(got)
            n_views += 1
        # Zeros are never hidden: the attacker knows every ◆ is at least 1.
        assert model.a.hidden_zeros() == []
        assert model.a.breaches() == []
        n_hidden += model.a.n_hidden
    assert n_views > 10 and n_hidden > 0  # many views, and something to protect
