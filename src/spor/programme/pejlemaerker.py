"""The faglige pejlemærker as data: Socialstyrelsen, "Faglige pejlemærker for den tidlige og
forebyggende indsats i PPR", with each pejlemærke's "Hvordan får vi det til at lykkes".

The framework is public; its titles and points are reproduced as published (two obvious
typos corrected: "indsætterne" → "indsatserne", "arbejds gange" → "arbejdsgange").

The text was revised during the project (1. version "udviklet i opstartsfasen", then
"kvalificeres og revideres løbende"), so it is stored as a versioned
:class:`~spor.programme.models.BenchmarkFramework`. A revision is added as a new entry in
:data:`FRAMEWORKS` and a data migration that calls :func:`load` (``docs/programme.md``); the
numbers 1–5 stay, so figures can be compared across versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict


class BenchmarkData(TypedDict):
    number: int
    title: str
    short_title: str
    items: list[str]


class FrameworkData(TypedDict):
    version: str
    title: str
    publisher: str
    valid_from: dt.date
    note: str
    benchmarks: list[BenchmarkData]


VERSION_1: FrameworkData = {
    "version": "1",
    "title": "Faglige pejlemærker for den tidlige og forebyggende indsats i PPR",
    "publisher": "Socialstyrelsen",
    "valid_from": dt.date(2018, 1, 1),
    "note": (
        "1. version, udviklet i opstartsfasen af projektet »Investering i den tidlige og "
        "forebyggende indsats i PPR«. Pejlemærkerne kvalificeres og revideres løbende i "
        "partnerskabet mellem Socialstyrelsen og de 11 partnerskabskommuner; målet er en "
        "endelig version ved projektets afslutning i 2020."
    ),
    "benchmarks": [
        {
            "number": 1,
            "title": (
                "Løsninger udviklet i tæt samarbejde med børn, familie og netværk, så tæt som "
                "muligt på det almene hverdagsliv"
            ),
            "short_title": "Tæt samarbejde med børn, familie og netværk",
            "items": [
                "PPR understøtter og fastholder løsninger så tæt på det almene hverdagsliv "
                "som muligt",
                "I arbejdet med og omkring barnet fokuserer PPR både på barnet som individ, på "
                "barnets kontekst og på barnet i konteksten.",
                "I arbejdet med og omkring børnegrupper fokuserer PPR både på gruppen som "
                "fællesskab, på gruppens kontekst og på gruppen i konteksten",
                "PPR inddrager og bringer aktivt barnets perspektiv i spil i afdækningen af "
                "ressourcer og vanskeligheder, i udviklingen af løsninger, og i opfølgningen "
                "på dem",
                "PPR samarbejder relevant og kontinuerligt med familien og det faglige og "
                "sociale netværk omkring barnet under hele forløbet, med henblik på at "
                "kvalificere samt indgå i løsninger og understøtte ejerskab i barnets "
                "deltagelsesarenaer.",
            ],
        },
        {
            "number": 2,
            "title": (
                "Vidensbaseret og systematisk opmærksomhed på alle børns trivsel og udvikling, "
                "og opfølgning på bekymring"
            ),
            "short_title": "Systematisk opmærksomhed og opfølgning på bekymring",
            "items": [
                "PPR understøtter en fælles vidensbaseret tilgang til opfølgning på alle børn "
                "og børnefællesskabers trivsel, udvikling og læring for at sikre systematisk "
                "opsporing af børn i sårbare og udsatte positioner, særligt ved overgange og "
                "skift",
                "PPR bidrager systematisk med faglig sparring i tværfaglige fora vedrørende "
                "tidlig opsporing og tidlig intervention målrettet børn, børnefællesskaber og "
                "deres kontekst",
                "PPR understøtter systematisk kompetenceudvikling blandt fagprofessionelle med "
                "henblik på at understøtte identificering af støttebehov og systematisk "
                "opfølgning på bekymring i nærmiljøet.",
            ],
        },
        {
            "number": 3,
            "title": (
                "Målrettede og helhedsorienterede interventioner, der matcher behov og "
                "ressourcer hos barnet eller børnefællesskabet og konteksten"
            ),
            "short_title": "Målrettede og helhedsorienterede interventioner",
            "items": [
                "PPR forestår dækkende og vidensbaserede interventioner af forebyggende, "
                "foregribende og mere indgribende karakter målrettet enkelte børn, "
                "børnefællesskaber og konteksten",
                "PPR matcher fleksibelt indsatserne til behov og ressourcer hos barnet, "
                "børnefællesskabet og konteksten",
                "PPR supplerer og bygger bro til kommunens øvrige tilbudsvifte på social-, "
                "sundheds- og almenområdet",
                "PPR sikrer systematisk opfølgning på, om iværksatte interventioner udført i "
                "regi af PPR fører til den ønskede udvikling hos barnet, i "
                "børnefællesskabet og konteksten",
                "PPR sikrer, at specialiseret viden oversættes og omsættes til praksis i "
                "barnets nærmiljø, herunder ved at understøtte fagprofessionelle i at "
                "forestå interventioner i nærmiljøet",
                "PPR understøtter systematisk opfølgning på, om iværksatte interventioner, "
                "forestået af fagprofessionelle i nærmiljøet, fører til den ønskede udvikling "
                "hos barnet, i børnefællesskabet og i konteksten, særligt ved overgange og "
                "skift.",
            ],
        },
        {
            "number": 4,
            "title": (
                "Tværfagligt koordineret og målrettet praksis, som skaber overskuelighed og "
                "kontinuitet for barn og familie"
            ),
            "short_title": "Tværfagligt koordineret og målrettet praksis",
            "items": [
                "PPRs virke baseres på et fælles sprog på tværs af aktører i kommunen, en "
                "fælles overordnet faglig retning i det tværfaglige samarbejde, samt et "
                "fælles fokus på evaluering af de interventioner, der arbejdes med",
                "PPRs virke baseres på, at alle aktører kender egen og andres rolle, "
                "kompetencer og ansvar",
                "PPRs virke baseres på en systematisk praksis for det tværfaglige samarbejde "
                "i konkrete forløb, som understøtter fælles mål med interventionen samt vejen "
                "til at nå dem, tæt koordinering samt løbende vidensdeling og opfølgning",
                "PPRs virke baseres på, at det i det tværfaglige samarbejde løbende sikres, "
                "at mål med interventionen samt de forskellige aktørers rolle er tydelige for "
                "og afstemt med barn og familie",
                "PPRs virke baseres på, at der sikres kontinuitet i forhold til de "
                "fagpersoner, der har kontakt med barn og familie",
                "PPR bidrager til det tværfaglige samarbejde med særligt fokus på at "
                "fastholde et helhedsorienteret perspektiv på tværs af specialiserede "
                "fagligheder.",
            ],
        },
        {
            "number": 5,
            "title": "Høj faglighed og tydelig faglig retning i PPRs virke",
            "short_title": "Høj faglighed og tydelig faglig retning",
            "items": [
                "PPRs virke baseres på et tydeligt beskrevet styringsgrundlag, der sætter mål, "
                "rammer og faglig retning for PPRs praksis i sammenhæng med kommunens samlede "
                "forebyggende indsats for børn og unge i sårbare og udsatte positioner",
                "PPR har tydelige arbejdsgange samt rolle- og ansvarsfordeling internt i PPR "
                "og i det tværfaglige samarbejde, som understøtter, at den faglige retning "
                "omsættes i praksis",
                "PPRs virke baseres på kvalificeret og kontinuerlig faglig ledelse og "
                "sparring, som understøtter den faglige retning og skaber rum for individuel "
                "og fælles faglig refleksion",
                "PPRs virke baseres på, at kompetencerne i PPR samlet set imødekommer "
                "målgruppens behov, samt at individuel og fælles kompetenceudvikling sker på "
                "baggrund af målgruppens behov og med afsæt i den faglige retning for arbejdet "
                "i PPR",
                "PPRs virke baseres på, at organiseringen af PPR imødekommer målgruppens "
                "behov i relation til tilgængelighed og ydelsestyper.",
            ],
        },
    ],
}

FRAMEWORKS: list[FrameworkData] = [VERSION_1]


def load(apps: Any, data: FrameworkData) -> None:
    """Create (or bring up to date) one version; used by data migrations, so it takes the
    migration's ``apps``."""
    framework_model = apps.get_model("programme", "BenchmarkFramework")
    benchmark_model = apps.get_model("programme", "Benchmark")
    item_model = apps.get_model("programme", "BenchmarkItem")
    framework, _ = framework_model.objects.update_or_create(
        version=data["version"],
        defaults={
            "title": data["title"],
            "publisher": data["publisher"],
            "valid_from": data["valid_from"],
            "note": data["note"],
        },
    )
    for b in data["benchmarks"]:
        benchmark, _ = benchmark_model.objects.update_or_create(
            framework=framework,
            number=b["number"],
            defaults={"title": b["title"], "short_title": b["short_title"]},
        )
        item_model.objects.filter(benchmark=benchmark, position__gt=len(b["items"])).delete()
        for position, text in enumerate(b["items"], 1):
            item_model.objects.update_or_create(
                benchmark=benchmark, position=position, defaults={"text": text}
            )


def ensure(data: FrameworkData = VERSION_1) -> Any:
    """The version as a model instance, loaded if missing (the data migration ships it; a
    test database flushed between transactional tests may have lost it)."""
    from django.apps import apps

    model = apps.get_model("programme", "BenchmarkFramework")
    found = model.objects.filter(version=data["version"]).first()
    if found is None:
        load(apps, data)
        found = model.objects.get(version=data["version"])
    return found
