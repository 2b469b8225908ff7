"""The import page: a PPR-leder uploads a CSV or XLSX of children, groups and enrolments.

The whole file is checked first; if anything is wrong, every problem is listed and nothing
is saved (400). Otherwise everything is saved in one transaction and a summary is shown.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.ops.proxies import request_context
from spor.registry import importing
from spor.registry.services import children_import

logger = logging.getLogger(__name__)

FIELD = "fil"

EXAMPLE = (
    "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar;klassetrin;fra;til\n"
    "DDMMÅÅ-XXXX;Oliver;Nielsen;Aby Skole;skole;3.A;2026/27;3;01-08-2026;\n"
    "DDMMÅÅ-XXXX;Ida;Hansen;Solsikken;børnehave;Rød stue;2025;;2022-08-01;31.07.2026\n"
)

COLUMN_HELP = [
    (
        "cpr",
        True,
        "Barnets CPR-nummer, DDMMÅÅ-XXXX eller 10 cifre. Fødselsdato og køn "
        "læses herfra. Et barn, der allerede findes, genkendes på CPR-nummeret og opdateres.",
    ),
    ("fornavn", True, "Barnets fornavn(e)."),
    ("efternavn", True, "Barnets efternavn."),
    ("institution", True, "Skolens eller dagtilbuddets navn. Findes den ikke, oprettes den."),
    (
        "institutionstype",
        True,
        "En af: dagpleje, vuggestue, børnehave, integreret, skole, sfo, specialtilbud.",
    ),
    ("gruppe", True, "Klassen eller stuen, fx 3.A eller Rød stue."),
    ("skoleaar", True, "Skoleåret, skrevet som startåret (2026) eller 2026/27."),
    ("klassetrin", False, "Klassetrin 0–10 (0 = børnehaveklasse). Kan være tom."),
    ("fra", True, "Dato barnet startede i gruppen: ÅÅÅÅ-MM-DD, DD-MM-ÅÅÅÅ eller DD.MM.ÅÅÅÅ."),
    ("til", False, "Dato barnet stoppede i gruppen, hvis det er stoppet. Kan være tom."),
]


def _page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    base = {
        "field": FIELD,
        "columns": COLUMN_HELP,
        "example": EXAMPLE,
        "max_mb": importing.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "registry/import.html", base | context, status=status)


@lead_required
def import_upload(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return _page(request, {})
    upload = request.FILES.get(FIELD)
    if upload is None:
        return _page(request, {"form_error": "Vælg en fil (CSV eller XLSX)."}, status=400)
    # The file name is shown back; a CPR number in it is blanked out.
    file_name = cpr.redact(upload.name or "")
    if upload.size is not None and upload.size > importing.MAX_FILE_BYTES:
        parsed = importing.ParsedFile().fail(
            f"filen er for stor (højst {importing.MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
    else:
        parsed = importing.parse_file(upload.name or "", upload.read())
    if parsed.errors:
        logger.info(
            "Import afvist: %d fejl (municipality=%s)", len(parsed.errors), actor.municipality_id
        )
        return _page(
            request,
            {"errors": parsed.errors, "warnings": parsed.warnings, "file_name": file_name},
            status=400,
        )
    try:
        result = children_import(actor=actor, rows=parsed.rows, context=request_context(request))
    except IntegrityError:
        logger.warning("Import kunne ikke gemmes (samtidig ændring)")
        return _page(
            request,
            {
                "form_error": "Importen kunne ikke gemmes, fordi de samme data blev ændret "
                "samtidig. Intet er gemt – prøv igen.",
                "file_name": file_name,
            },
            status=409,
        )
    logger.info("Import gemt: %d rækker (municipality=%s)", result.rows, actor.municipality_id)
    return _page(
        request,
        {
            "result": result,
            "warnings": parsed.warnings,
            "file_name": file_name,
            "file_format": parsed.format,
        },
    )
