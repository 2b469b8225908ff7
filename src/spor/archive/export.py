"""The archive export: a municipality's cases closed in a period, as a zip of CSV tables and
one JSON document, described by a Frictionless Data Package (``datapackage.json``) and a JSON
Schema (``data.schema.json``) — open formats any archive can read without Spor
(``docs/archive.md``).

The export holds what the cases hold (an archive needs the content), but CPR numbers only
when asked for (``with_cpr``): the child is otherwise identified by name and birth date. The
encrypted CPR and its look-up hash never leave the database. Every child in an export gets
an access log entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.archive.models import ArchiveExport
from spor.archive.services import archive_holds_add_for_export
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.cases.models import (
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    Goal,
    Intervention,
    Meeting,
    Participant,
    Status,
)
from spor.lib.spreadsheets import csv_value
from spor.measurement.models import Response
from spor.registry.models import Child, Group
from spor.tenancy.models import Municipality

FORMAT_VERSION = "1.0"
MSG_PERIOD = "Slutdatoen kan ikke ligge før startdatoen. Ret en af datoerne."

# Never exported: secrets and keys, whatever the flag.
EXCLUDED = {"municipality", "cpr_encrypted", "cpr_hash", "token_hash"}


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    title: str
    only: tuple[str, ...] = ()


TABLES: list[Table] = [
    Table("cases", Case, "Forløb"),
    Table("children", Child, "Børn, som forløbene handler om"),
    Table(
        "groups",
        Group,
        "Børnefællesskaber (grupper), som forløbene handler om",
        ("id", "institution", "name", "school_year"),
    ),
    Table(
        "staff",
        Membership,
        "Medarbejdere nævnt i forløbene",
        ("id", "role", "profession"),
    ),
    Table("case_members", CaseMember, "Teammedlemmer"),
    Table("coordinators", CoordinatorAssignment, "Tovholdere"),
    Table("participants", Participant, "Familie og netværk"),
    Table("goals", Goal, "Mål"),
    Table("meetings", Meeting, "Møder"),
    Table("interventions", Intervention, "Indsatser fra indsatsvifte, der er brugt"),
    Table("deliveries", Delivery, "Iværksatte indsatser"),
    Table("delivery_hours", DeliveryHours, "Timer pr. faggruppe"),
    Table(
        "sdq_responses",
        Response,
        "SDQ-besvarelser",
        (
            "id",
            "delivery",
            "phase",
            "informant",
            "form",
            "answers",
            "impact",
            "scores",
            "norm_set",
            "respondent_name",
            "answered_at",
        ),
    ),
    Table("events", CaseEvent, "Tidslinje"),
]


def _fields(table: Table) -> list[models.Field[Any, Any]]:
    fields = [
        f
        for f in table.model._meta.concrete_fields
        if f.name not in EXCLUDED and (not table.only or f.name in table.only)
    ]
    return fields


_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoField": ("integer", {"type": "integer"}),
    "BigAutoField": ("integer", {"type": "integer"}),
    "IntegerField": ("integer", {"type": "integer"}),
    "PositiveIntegerField": ("integer", {"type": "integer"}),
    "PositiveSmallIntegerField": ("integer", {"type": "integer"}),
    "PositiveBigIntegerField": ("integer", {"type": "integer"}),
    "ForeignKey": ("integer", {"type": "integer"}),
    "OneToOneField": ("integer", {"type": "integer"}),
    "BooleanField": ("boolean", {"type": "boolean"}),
    "DateField": ("date", {"type": "string", "format": "date"}),
    "DateTimeField": ("datetime", {"type": "string", "format": "date-time"}),
    "DecimalField": ("number", {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}),
    "JSONField": ("any", {}),
}


def _types(field: models.Field[Any, Any]) -> tuple[str, dict[str, Any]]:
    return _TYPES.get(field.get_internal_type(), ("string", {"type": "string"}))


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(_json_value(value))


@dataclass
class ExportResult:
    content: bytes
    case_count: int
    child_count: int
    sha256: str
    record: ArchiveExport


def _rows(
    table: Table, qs: models.QuerySet[Any], with_cpr: bool
) -> tuple[list[str], list[dict[str, Any]]]:
    fields = _fields(table)
    names = [f.attname if f.is_relation else f.name for f in fields]
    rows: list[dict[str, Any]] = []
    for obj in qs.order_by("pk"):
        row = {name: getattr(obj, name) for name in names}
        if table.model is Child and with_cpr:
            row["cpr"] = obj.cpr_digits()
        if table.model is Membership:
            user = obj.user
            row["name"] = user.get_full_name() or user.get_username()
        if table.model is Group:
            row["institution_name"] = obj.institution.name
        if table.model is Case:
            row["kle_title"] = obj.kle_title
        rows.append(row)
    extra: dict[type[models.Model], list[str]] = {
        Child: ["cpr"] if with_cpr else [],
        Membership: ["name"],
        Group: ["institution_name"],
        Case: ["kle_title"],
    }
    return names + extra.get(table.model, []), rows


_EXTRA_FIELDS: dict[str, tuple[str, str]] = {
    # name: (title, description)
    "cpr": ("CPR-nummer", "Kun med, når eksporten er dannet med CPR-numre (10 cifre)."),
    "name": ("Navn", "Medarbejderens navn."),
    "institution_name": ("Institution", "Dagtilbud eller skole."),
    "kle_title": ("KLE-titel", "Titlen på forløbets KLE-emnenummer."),
}


def _field_meta(table: Table, names: list[str]) -> list[dict[str, Any]]:
    by_name = {(f.attname if f.is_relation else f.name): f for f in _fields(table)}
    out: list[dict[str, Any]] = []
    for name in names:
        field = by_name.get(name)
        if field is None:
            title, description = _EXTRA_FIELDS[name]
            out.append(
                {
                    "name": name,
                    "type": "string",
                    "title": title,
                    "description": description,
                    "_json": {"type": "string"},
                    "_null": False,
                }
            )
            continue
        kind, schema = _types(field)
        desc = str(field.help_text or "")
        if field.is_relation and field.related_model is not None:
            target = field.related_model._meta
            desc = (desc + " " if desc else "") + f"Id i {target.verbose_name_plural}."
        if field.choices:
            codes = ", ".join(f"{c} = {label}" for c, label in field.flatchoices)
            desc = (desc + " " if desc else "") + f"Koder: {codes}."
        out.append(
            {
                "name": name,
                "type": kind,
                "title": str(field.verbose_name),
                "description": desc,
                "_json": schema,
                "_null": bool(field.null),
            }
        )
    return out


def _foreign_keys(table: Table, names: list[str]) -> list[dict[str, Any]]:
    by_model = {t.model: t.name for t in TABLES}
    keys = []
    for field in _fields(table):
        if field.is_relation and field.related_model in by_model and field.attname in names:
            keys.append(
                {
                    "fields": field.attname,
                    "reference": {"resource": by_model[field.related_model], "fields": "id"},
                }
            )
    return keys


def _querysets(municipality_id: int, case_ids: list[int]) -> dict[str, models.QuerySet[Any]]:
    m = municipality_id
    cases = Case.objects.filter(municipality_id=m, pk__in=case_ids)
    members = CaseMember.objects.filter(municipality_id=m, case_id__in=case_ids)
    coordinators = CoordinatorAssignment.objects.filter(municipality_id=m, case_id__in=case_ids)
    goals = Goal.objects.filter(municipality_id=m, case_id__in=case_ids)
    meetings = Meeting.objects.filter(municipality_id=m, case_id__in=case_ids)
    deliveries = Delivery.objects.filter(municipality_id=m, case_id__in=case_ids)
    events = CaseEvent.objects.filter(municipality_id=m, case_id__in=case_ids)
    staff_ids: set[int] = set(cases.values_list("opened_by_id", flat=True))
    for qs, name in (
        (members, "membership_id"),
        (coordinators, "membership_id"),
        (goals, "responsible_id"),
        (meetings, "recorded_by_id"),
        (events, "author_id"),
    ):
        staff_ids |= set(qs.values_list(name, flat=True))
    return {
        "cases": cases,
        "children": Child.objects.filter(municipality_id=m, cases__in=case_ids).distinct(),
        "groups": Group.objects.filter(municipality_id=m, cases__in=case_ids)
        .select_related("institution")
        .distinct(),
        "staff": Membership.objects.filter(municipality_id=m, pk__in=staff_ids).select_related(
            "user"
        ),
        "case_members": members,
        "coordinators": coordinators,
        "participants": Participant.objects.filter(municipality_id=m, case_id__in=case_ids),
        "goals": goals,
        "meetings": meetings,
        "interventions": Intervention.objects.filter(
            municipality_id=m, deliveries__case_id__in=case_ids
        ).distinct(),
        "deliveries": deliveries,
        "delivery_hours": DeliveryHours.objects.filter(
            municipality_id=m, delivery__case_id__in=case_ids
        ),
        "sdq_responses": Response.objects.filter(municipality_id=m, delivery__case_id__in=case_ids),
        "events": events,
    }


def _readme(
    muni: Municipality, closed_from: dt.date, closed_to: dt.date, with_cpr: bool, counts: str
) -> str:
    cpr_line = (
        "Eksporten INDEHOLDER børnenes CPR-numre (children.csv, kolonnen cpr). Opbevar og "
        "overfør filen som fortrolige personoplysninger."
        if with_cpr
        else "Eksporten indeholder IKKE CPR-numre. Børnene er identificeret ved navn og "
        "fødselsdato. Dan eksporten med CPR-numre, hvis arkivet kræver dem."
    )
    return (
        f"Arkiveksport fra Spor (formatversion {FORMAT_VERSION})\n"
        f"Kommune: {muni.name} ({muni.code})\n"
        f"Forløb afsluttet {closed_from:%d.%m.%Y}–{closed_to:%d.%m.%Y}\n\n"
        f"{cpr_line}\n\n"
        "Indhold:\n"
        "  datapackage.json   beskrivelse af tabellerne (Frictionless Data Package, "
        "https://specs.frictionlessdata.io/)\n"
        "  csv/*.csv          én tabel pr. fil, UTF-8, komma-separeret, første linje er "
        "kolonnenavne\n"
        "  data.json          de samme tabeller som ét JSON-dokument\n"
        "  data.schema.json   JSON Schema (2020-12) for data.json\n\n"
        f"Rækker pr. tabel:\n{counts}\n"
        "Dokumentation: docs/archive.md i Spor.\n"
    )


def _schema(metas: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name, fields in metas.items():
        props: dict[str, Any] = {}
        for f in fields:
            schema = dict(f["_json"])
            if f["_null"] and "type" in schema:
                schema["type"] = [schema["type"], "null"]
            schema["title"] = f["title"]
            if f["description"]:
                schema["description"] = f["description"]
            props[f["name"]] = schema
        tables[name] = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": props,
                "required": [f["name"] for f in fields],
                "additionalProperties": False,
            },
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://spor.example/arkiv/{FORMAT_VERSION}/data.schema.json",
        "title": "Spor: arkiveksport af afsluttede forløb",
        "type": "object",
        "required": ["format_version", "municipality", "closed_from", "closed_to", "tables"],
        "properties": {
            "format_version": {"const": FORMAT_VERSION},
            "generated_at": {"type": "string", "format": "date-time"},
            "municipality": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                "required": ["code", "name"],
            },
            "closed_from": {"type": "string", "format": "date"},
            "closed_to": {"type": "string", "format": "date"},
            "with_cpr": {"type": "boolean"},
            "tables": {
                "type": "object",
                "properties": tables,
                "required": list(tables),
                "additionalProperties": False,
            },
        },
    }


def closed_case_ids(municipality_id: int, closed_from: dt.date, closed_to: dt.date) -> list[int]:
    return list(
        Case.objects.filter(
            municipality_id=municipality_id,
            status=Status.CLOSED,
            closed_on__gte=closed_from,
            closed_on__lte=closed_to,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def archive_export(
    *,
    municipality: Municipality,
    closed_from: dt.date,
    closed_to: dt.date,
    with_cpr: bool = False,
    hold_reference: str = "",
    actor: Actor | None = None,
) -> ExportResult:
    """Build the zip of the municipality's cases closed from ``closed_from`` to
    ``closed_to`` (both included), log the export for every child and record it. With
    ``hold_reference`` the exported cases are held for the archive delivery."""
    if closed_to < closed_from:
        raise ValueError(MSG_PERIOD)
    m = municipality.pk
    case_ids = closed_case_ids(m, closed_from, closed_to)
    querysets = _querysets(m, case_ids)
    now = timezone.now()
    buffer = io.BytesIO()
    data_tables: dict[str, list[dict[str, Any]]] = {}
    metas: dict[str, list[dict[str, Any]]] = {}
    resources: list[dict[str, Any]] = []
    child_ids: list[int] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for table in TABLES:
            names, rows = _rows(table, querysets[table.name], with_cpr)
            if table.model is Child:
                child_ids = [int(r["id"]) for r in rows]
            metas[table.name] = _field_meta(table, names)
            data_tables[table.name] = [{k: _json_value(v) for k, v in r.items()} for r in rows]
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(names)
            for r in rows:
                writer.writerow([_csv_value(csv_value(r[n])) for n in names])
            zf.writestr(f"csv/{table.name}.csv", out.getvalue().encode("utf-8"))
            resources.append(
                {
                    "name": table.name,
                    "path": f"csv/{table.name}.csv",
                    "title": table.title,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "profile": "tabular-data-resource",
                    "schema": {
                        "fields": [
                            {k: v for k, v in f.items() if not k.startswith("_")}
                            for f in metas[table.name]
                        ],
                        "primaryKey": "id",
                        "foreignKeys": _foreign_keys(table, names),
                        "missingValues": [""],
                    },
                }
            )
        document = {
            "format_version": FORMAT_VERSION,
            "generated_at": now.isoformat(),
            "municipality": {"code": municipality.code, "name": municipality.name},
            "closed_from": closed_from.isoformat(),
            "closed_to": closed_to.isoformat(),
            "with_cpr": with_cpr,
            "tables": data_tables,
        }
        zf.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
        )
        zf.writestr("data.schema.json", json.dumps(_schema(metas), ensure_ascii=False, indent=1))
        package = {
            "profile": "tabular-data-package",
            "name": f"spor-arkiv-{municipality.code}-{closed_from:%Y%m%d}-{closed_to:%Y%m%d}",
            "title": f"Spor: afsluttede forløb, {municipality.name}",
            "created": now.isoformat(),
            "version": FORMAT_VERSION,
            "resources": resources,
        }
        zf.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=1))
        counts = "".join(f"  {name}: {len(rows)}\n" for name, rows in data_tables.items())
        zf.writestr("README.txt", _readme(municipality, closed_from, closed_to, with_cpr, counts))
    content = buffer.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    _log(m, child_ids, closed_from, closed_to, with_cpr, actor)
    if hold_reference.strip():
        archive_holds_add_for_export(
            municipality_id=m, case_ids=case_ids, reference=hold_reference.strip(), actor=actor
        )
    record = ArchiveExport.objects.create(
        municipality_id=m,
        created_by=actor.membership if actor is not None else None,
        closed_from=closed_from,
        closed_to=closed_to,
        case_count=len(case_ids),
        with_cpr=with_cpr,
        sha256=digest,
    )
    return ExportResult(content, len(case_ids), len(child_ids), digest, record)


def _log(
    municipality_id: int,
    child_ids: Iterable[int],
    closed_from: dt.date,
    closed_to: dt.date,
    with_cpr: bool,
    actor: Actor | None,
) -> None:
    what = f"Arkiveksport af forløb afsluttet {closed_from:%d.%m.%Y}–{closed_to:%d.%m.%Y}" + (
        " med CPR-nummer" if with_cpr else ""
    )
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                municipality_id=municipality_id,
                actor=actor.user if actor is not None else None,
                actor_role=actor.role_label if actor is not None else "Arkiveksport (kommando)",
                child_id=child_id,
                action=Action.EXPORT,
                purpose=Purpose.DATA_ADMIN,
                what=what[:200],
            )
            for child_id in child_ids
        ]
    )
