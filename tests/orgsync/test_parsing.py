"""Reading the organisation system's export, without a database: OS2mo's own key names,
dates with times, derived engagement keys, and that the reader imports no Django."""

from __future__ import annotations

import json
import subprocess
import sys

from spor.orgsync.parsing import parse_file

UNIT = "9f0c1e2a-0000-4000-8000-000000000003"
PERSON = "5b1d7c3e-0000-4000-8000-000000000001"


def test_os2mo_names_validity_and_nested_objects_are_understood() -> None:
    doc = {
        "org_units": [
            {"uuid": UNIT, "name": "Aby Skole", "parent": None,
             "org_unit_type": {"uuid": "x", "name": "Skole"}},
        ],
        "persons": [{"uuid": PERSON, "givenname": "Anne Bach", "surname": "Jensen"}],
        "engagements": [
            {"person": {"uuid": PERSON}, "org_unit": {"uuid": UNIT},
             "job_function": {"name": "Psykolog"},
             "validity": {"from": "2020-01-01T00:00:00+01:00", "to": None}},
        ],
        "extensions": [],
    }  # fmt: skip
    org = parse_file("os2mo.json", json.dumps(doc).encode())
    assert org.errors == []
    assert org.units[0].unit_type == "Skole"  # a class (type, job function) by its name
    assert (org.persons[0].first_name, org.persons[0].last_name) == ("Anne Bach", "Jensen")
    assert org.persons[0].name == "Anne Bach Jensen"
    [engagement] = org.engagements
    assert engagement.job_function == "Psykolog" and engagement.start.isoformat() == "2020-01-01"
    assert engagement.key.startswith(PERSON)  # no uuid: a key from person, unit, function
    assert any("extensions" in w for w in org.warnings)


def test_a_file_that_is_neither_json_nor_csv_is_refused_plainly() -> None:
    assert "ikke en JSON- eller CSV-fil" in str(parse_file("x.xlsx", b"PK\x03\x04abc").errors[0])
    assert "ikke gyldig JSON" in str(parse_file("x.json", b"{nope").errors[0])
    assert "mangler kolonnen type" in str(parse_file("x.csv", b"uuid;navn\n1;2\n").errors[0])
    assert str(parse_file("x.csv", b"  ").errors[0]) == "filen er tom"


def test_the_reader_imports_no_django() -> None:
    code = "import sys, spor.orgsync.parsing, spor.orgsync.mapping; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
