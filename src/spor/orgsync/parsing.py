"""Reading and checking an export of the municipality's organisation system (OS2mo-like):
organisation units, persons and engagements, as JSON or as one CSV. Pure: no Django.

Everything wrong is reported at once, with where (``række 4`` in a CSV, ``enhed 3`` in
JSON), the column and a Danish message. A file that carries CPR numbers – a column named
like one, or any value that looks like one – is refused whole: Spor does not receive
staff's CPR numbers, and no message repeats what was found.

JSON::

    {"enheder": [{"uuid": "…", "navn": "Aby Skole", "overordnet": "…", "enhedstype": "skole"}],
     "personer": [{"uuid": "…", "navn": "Anne Jensen", "email": "anne@aby.dk"}],
     "engagementer": [{"uuid": "…", "person": "…", "enhed": "…", "stilling": "Lærer",
                       "fra": "2024-08-01", "til": null}]}

OS2mo's English names are accepted too (``org_units``, ``persons``, ``engagements``,
``name``, ``parent``, ``org_unit_type``, ``org_unit``, ``job_function``, ``from``/``to`` or
``validity``). The CSV has one row per record and a column ``type`` (enhed, person or
engagement); see docs/orgsync.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import Any

from spor import cpr
from spor.lib import tables
from spor.lib.spreadsheets import FORMULA_START

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 200_000

CPR_NAMES = {"cpr", "cprnr", "cprno", "cprnummer", "personnummer", "personnr", "cprnumber"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")

# Field names as written in exports (folded) → Spor's name.
_ALIASES = {
    "uuid": "uuid",
    "id": "uuid",
    "navn": "navn",
    "name": "navn",
    "overordnet": "overordnet",
    "overordnetenhed": "overordnet",
    "parent": "overordnet",
    "parentuuid": "overordnet",
    "enhedstype": "enhedstype",
    "orgunittype": "enhedstype",
    "unittype": "enhedstype",
    "email": "email",
    "emailadresse": "email",
    "mail": "email",
    "person": "person",
    "personuuid": "person",
    "enhed": "enhed",
    "enhedsuuid": "enhed",
    "orgunit": "enhed",
    "orgunituuid": "enhed",
    "stilling": "stilling",
    "stillingsbetegnelse": "stilling",
    "jobfunction": "stilling",
    "fra": "fra",
    "from": "fra",
    "startdato": "fra",
    "til": "til",
    "to": "til",
    "slutdato": "til",
    "type": "type",
    "fornavn": "fornavn",
    "givenname": "fornavn",
    "efternavn": "efternavn",
    "surname": "efternavn",
}
_SECTIONS = {
    "enheder": "enhed",
    "orgunits": "enhed",
    "organisationsenheder": "enhed",
    "personer": "person",
    "persons": "person",
    "medarbejdere": "person",
    "engagementer": "engagement",
    "engagements": "engagement",
}
_TYPES = {
    "enhed": "enhed",
    "orgunit": "enhed",
    "enheder": "enhed",
    "person": "person",
    "medarbejder": "person",
    "engagement": "engagement",
    "ansaettelse": "engagement",
}
_SECTION_LABEL = {"enhed": "enhed", "person": "person", "engagement": "engagement"}


def fold(text: str) -> str:
    """A name or type, lower case, Danish letters spelled out, no spaces or marks."""
    text = str(text).replace("\ufeff", "").strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[\s\-_./()]+", "", text)


def _clean(text: str) -> str:
    return " ".join(str(text).replace("\u00a0", " ").split())


def _show(value: str) -> str:
    text = _clean(value)
    if len(text) > 40:
        text = text[:37] + "…"
    return "«" + cpr.redact(text) + "»"


@dataclass(frozen=True)
class RowError:
    where: str  # "række 4", "enhed 3", or "" for the whole file
    column: str
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.where, f"kolonne {self.column}" if self.column else "") if p]
        return f"{', '.join(parts)}: {self.message}" if parts else self.message


@dataclass(frozen=True)
class Unit:
    where: str
    uuid: str
    name: str
    parent: str | None
    unit_type: str


@dataclass(frozen=True)
class Person:
    where: str
    uuid: str
    name: str
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True)
class Engagement:
    where: str
    key: str  # the engagement's uuid, or person/unit/function/start when it has none
    person: str
    unit: str
    job_function: str
    start: dt.date
    end: dt.date | None

    def is_current(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass
class OrgFile:
    units: list[Unit] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str = ""

    def fail(self, message: str, where: str = "", column: str = "") -> OrgFile:
        self.errors.append(RowError(where, column, message))
        return self

    # A plain, JSON-safe form: what a pending import keeps between preview and confirm.
    def to_data(self) -> dict[str, Any]:
        return {
            "units": [u.__dict__ for u in self.units],
            "persons": [p.__dict__ for p in self.persons],
            "engagements": [
                e.__dict__
                | {"start": e.start.isoformat(), "end": e.end.isoformat() if e.end else None}
                for e in self.engagements
            ],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrgFile:
        return cls(
            units=[Unit(**u) for u in data.get("units", [])],
            persons=[Person(**p) for p in data.get("persons", [])],
            engagements=[
                Engagement(
                    **(
                        e
                        | {
                            "start": dt.date.fromisoformat(e["start"]),
                            "end": dt.date.fromisoformat(e["end"]) if e["end"] else None,
                        }
                    )
                )
                for e in data.get("engagements", [])
            ],
        )


# --------------------------------------------------------------------------- reading


def parse_file(name: str, data: bytes) -> OrgFile:
    """Read a JSON or CSV export and check every record. Nothing is written anywhere."""
    result = OrgFile()
    if len(data) > MAX_FILE_BYTES:
        return result.fail(f"filen er for stor (højst {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    if not data.strip():
        return result.fail("filen er tom")
    if data.startswith(b"PK\x03\x04") or b"\x00" in data:
        return result.fail(
            "filen er ikke en JSON- eller CSV-fil – gem udtrækket som JSON eller CSV"
        )
    text = tables.decode(data)
    if text is None:
        return result.fail("filen kan ikke læses som tekst – gem den som UTF-8")
    records: list[tuple[str, str, dict[str, str]]] = []  # (kind, where, fields)
    if name.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        result.format = "JSON"
        _read_json(text, result, records)
    else:
        result.format = "CSV"
        _read_csv(text, result, records)
    if result.errors:
        return _cpr_first(result)
    if len(records) > MAX_RECORDS:
        return result.fail(f"filen har mere end {MAX_RECORDS} poster – del den op")
    _check_cpr_values(records, result)
    if result.errors:
        return result
    _check_records(records, result)
    if not result.errors and not result.units and not result.persons:
        result.fail("filen indeholder hverken enheder eller personer")
    return result


def _looks_like_cpr(text: str) -> bool:
    return cpr.redact(text) != text


def _is_cpr_error(error: RowError) -> bool:
    return error.message == _CPR_VALUE or error.message.startswith(_CPR_COLUMN_START)


def _cpr_first(result: OrgFile) -> OrgFile:
    # CPR numbers refuse the file; other problems then do not matter.
    cpr_errors = [e for e in result.errors if _is_cpr_error(e)]
    if cpr_errors:
        result.errors = cpr_errors
    return result


_CPR_COLUMN_START = "filen indeholder CPR-numre"
_CPR_COLUMN = (
    "filen indeholder CPR-numre (en kolonne eller et felt ved navn {name}). Spor modtager "
    "ikke medarbejderes CPR-numre – fjern feltet fra udtrækket og indlæs filen igen"
)
_CPR_VALUE = (
    "feltet indeholder noget, der ligner et CPR-nummer. Spor modtager ikke CPR-numre – "
    "fjern det fra udtrækket og indlæs filen igen"
)


def _field_name(raw: str, where: str, result: OrgFile) -> str | None:
    folded = fold(raw)
    if folded in CPR_NAMES:
        message = _CPR_COLUMN.format(name=_show(raw))
        if all(e.message != message for e in result.errors):  # once, not once per person
            result.fail(message, where, "cpr")
        return None
    return _ALIASES.get(folded)


def _read_csv(text: str, result: OrgFile, records: list[tuple[str, str, dict[str, str]]]) -> None:
    sep = tables.delimiter(tables.first_line(text))
    header: dict[int, str] | None = None
    raw_header: dict[int, str] = {}
    try:
        for line, row in tables.csv_rows(text, sep):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = {}
                raw_header = dict(enumerate(row))
                for index, cell in enumerate(row):
                    if not cell.strip():
                        continue
                    column = _field_name(cell, "række 1", result)
                    if column is not None:
                        header[index] = column
                    elif fold(cell) not in CPR_NAMES:
                        result.warnings.append(
                            f"Kolonnen {_show(cell)} kendes ikke og er sprunget over."
                        )
                if "type" not in header.values() and not result.errors:
                    result.fail(
                        "mangler kolonnen type (enhed, person eller engagement). Første række "
                        "skal være overskrifter: type;uuid;navn;overordnet;enhedstype;email;"
                        "person;enhed;stilling;fra;til",
                        "række 1",
                    )
                if result.errors:
                    return
                continue
            where = f"række {line}"
            for i, cell in enumerate(row):
                # Also the columns Spor skips: a CPR number must not pass unnoticed.
                if i not in header and _looks_like_cpr(cell):
                    result.fail(_CPR_VALUE, where, _show(raw_header.get(i, "") or f"nr. {i + 1}"))
            fields = {header[i]: cell for i, cell in enumerate(row) if i in header}
            kind = _TYPES.get(fold(fields.pop("type", "")))
            if kind is None:
                result.fail("type skal være enhed, person eller engagement", where, "type")
                continue
            records.append((kind, where, fields))
    except tables.CsvError as exc:
        result.fail(
            "filen kan ikke læses som CSV (fx et anførselstegn uden afslutning)",
            f"række {exc.line}",
        )


def _read_json(text: str, result: OrgFile, records: list[tuple[str, str, dict[str, str]]]) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        result.fail(f"filen er ikke gyldig JSON (linje {exc.lineno}, tegn {exc.colno})")
        return
    if not isinstance(doc, dict):
        result.fail("JSON-filen skal være et objekt med enheder, personer og engagementer")
        return
    for section, items in doc.items():
        kind = _SECTIONS.get(fold(section))
        if kind is None:
            if fold(section) in CPR_NAMES:
                result.fail(_CPR_COLUMN.format(name=_show(section)), "", "cpr")
            elif _looks_like_cpr(json.dumps(items)):
                result.fail(_CPR_VALUE, "", _show(section))
            else:
                result.warnings.append(
                    f"Afsnittet {_show(section)} kendes ikke og er sprunget over."
                )
            continue
        if not isinstance(items, list):
            result.fail(f"{_show(section)} skal være en liste")
            continue
        for number, item in enumerate(items, start=1):
            where = f"{_SECTION_LABEL[kind]} {number}"
            if not isinstance(item, dict):
                result.fail("skal være et objekt", where)
                continue
            fields: dict[str, str] = {}
            for key, value in item.items():
                if fold(key) not in CPR_NAMES and _looks_like_cpr(json.dumps(value)):
                    result.fail(_CPR_VALUE, where, _show(key))
                    continue
                if fold(key) == "validity" and isinstance(value, dict):
                    for k2, v2 in value.items():
                        name = _field_name(k2, where, result)
                        if name is not None:
                            fields[name] = _scalar(v2, name)
                    continue
                name = _field_name(key, where, result)
                if name is None:
                    continue
                fields[name] = _scalar(value, name)
            records.append((kind, where, fields))


_BY_NAME = {"navn", "enhedstype", "stilling", "email", "fornavn", "efternavn"}


def _scalar(value: Any, field_name: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # OS2mo nests {"uuid": …, "name": …}: a class by its name
        first, second = ("name", "uuid") if field_name in _BY_NAME else ("uuid", "name")
        return _scalar(value.get(first) or value.get(second) or "")
    return str(value)


def _check_cpr_values(records: list[tuple[str, str, dict[str, str]]], result: OrgFile) -> None:
    for _kind, where, fields in records:
        for column, value in fields.items():
            if _looks_like_cpr(value):
                result.fail(_CPR_VALUE, where, column)


# --------------------------------------------------------------------------- checking


def _uuid(value: str) -> str | None:
    try:
        return str(uuid_module.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


def _date(value: str) -> dt.date | None:
    text = re.sub(r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$", "", value.strip())
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if 1900 <= day.year <= 9999 else None
    return None


def _check_records(records: list[tuple[str, str, dict[str, str]]], result: OrgFile) -> None:
    unit_where: dict[str, str] = {}
    person_where: dict[str, str] = {}
    engagement_where: dict[str, str] = {}
    pending_engagements: list[tuple[str, dict[str, str]]] = []

    def text(fields: dict[str, str], column: str, where: str, limit: int, need: bool = True) -> str:
        value = _clean(fields.get(column, ""))
        if not value:
            if need:
                result.fail("skal udfyldes", where, column)
            return ""
        if value.startswith(FORMULA_START):
            result.fail(
                "må ikke begynde med =, +, - eller @ (det kan læses som en formel)", where, column
            )
            return ""
        if len(value) > limit:
            result.fail(f"er for lang ({len(value)} tegn; højst {limit})", where, column)
            return ""
        return value

    def ident(fields: dict[str, str], column: str, where: str, need: bool = True) -> str | None:
        raw = fields.get(column, "").strip()
        if not raw:
            if need:
                result.fail("skal udfyldes (en uuid)", where, column)
            return None
        found = _uuid(raw)
        if found is None:
            result.fail(f"ugyldig uuid {_show(raw)}", where, column)
        return found

    for kind, where, fields in records:
        if kind == "enhed":
            before = len(result.errors)
            uid = ident(fields, "uuid", where)
            name = text(fields, "navn", where, 150)
            unit_type = text(fields, "enhedstype", where, 60)
            parent = ident(fields, "overordnet", where, need=False)
            if uid and uid in unit_where:
                result.fail(f"samme uuid som {unit_where[uid]}", where, "uuid")
            if uid and parent == uid:
                result.fail("en enhed kan ikke være sin egen overordnede", where, "overordnet")
            if len(result.errors) == before and uid:
                unit_where[uid] = where
                result.units.append(Unit(where, uid, name, parent, unit_type))
        elif kind == "person":
            before = len(result.errors)
            uid = ident(fields, "uuid", where)
            first = text(fields, "fornavn", where, 150, need=False)
            last = text(fields, "efternavn", where, 150, need=False)
            name = text(fields, "navn", where, 300, need=not (first or last))
            if not name:
                name = f"{first} {last}".strip()
            elif not (first or last):
                first, _, last = name.rpartition(" ")
                if not first:
                    first, last = last, ""
            email = _clean(fields.get("email", "")).lower()
            if email and (not _EMAIL.match(email) or len(email) > 254):
                result.fail(f"ugyldig e-mailadresse {_show(email)}", where, "email")
            if uid and uid in person_where:
                result.fail(f"samme uuid som {person_where[uid]}", where, "uuid")
            if len(result.errors) == before and uid:
                person_where[uid] = where
                result.persons.append(Person(where, uid, name, first[:150], last[:150], email))
        else:
            pending_engagements.append((where, fields))

    # Engagements last: they point at units and persons anywhere in the file.
    for where, fields in pending_engagements:
        before = len(result.errors)
        uid = ident(fields, "uuid", where, need=False)
        person = ident(fields, "person", where)
        unit = ident(fields, "enhed", where)
        function = text(fields, "stilling", where, 150)
        if person and person not in person_where:
            result.fail("personen findes ikke i filen", where, "person")
        if unit and unit not in unit_where:
            result.fail("enheden findes ikke i filen", where, "enhed")
        start = end = None
        raw_start = fields.get("fra", "").strip()
        if not raw_start:
            result.fail("skal udfyldes (startdato)", where, "fra")
        else:
            start = _date(raw_start)
            if start is None:
                result.fail(f"ugyldig dato {_show(raw_start)} – brug ÅÅÅÅ-MM-DD", where, "fra")
        raw_end = fields.get("til", "").strip()
        if raw_end:
            end = _date(raw_end)
            if end is None:
                result.fail(f"ugyldig dato {_show(raw_end)} – brug ÅÅÅÅ-MM-DD", where, "til")
            elif start is not None and end < start:
                result.fail("slutdatoen er før startdatoen", where, "til")
        key = uid or f"{person}:{unit}:{fold(function)}:{raw_start}"
        if key in engagement_where:
            result.fail(f"samme engagement som {engagement_where[key]}", where, "uuid")
        if len(result.errors) == before and person and unit and start is not None:
            engagement_where[key] = where
            result.engagements.append(Engagement(where, key, person, unit, function, start, end))

    for unit_obj in result.units:
        if unit_obj.parent and unit_obj.parent not in unit_where:
            result.fail("den overordnede enhed findes ikke i filen", unit_obj.where, "overordnet")
