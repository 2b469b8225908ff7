"""Scoped reads of institutions, groups and children.

Every function takes the acting :class:`Actor` and filters in the query: a record outside
the actor's reach is simply not found, and the ``get_*`` functions answer 404 for it exactly
as for a record that does not exist. Views never touch ``Model.objects`` directly (a test
enforces that); they come here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Role
from spor.lib.paging import PageLinks
from spor.registry import cpr_vault
from spor.registry.models import Child, Enrolment, Group, Institution


def own_group_ids(actor: Actor) -> QuerySet[GroupAssignment, int]:
    return GroupAssignment.objects.filter(
        municipality_id=actor.municipality_id, membership=actor.membership
    ).values_list("group_id", flat=True)


def current_on(day: dt.date) -> Q:
    """Enrolments in force on ``day``."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def institutions_for(actor: Actor) -> QuerySet[Institution]:
    qs = Institution.objects.filter(municipality_id=actor.municipality_id)
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        return qs.filter(groups__in=own_group_ids(actor)).distinct()
    return qs.none()


def groups_for(actor: Actor) -> QuerySet[Group]:
    qs = Group.objects.filter(municipality_id=actor.municipality_id).select_related("institution")
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        return qs.filter(pk__in=own_group_ids(actor))
    return qs.none()


def _case_child_ids(actor: Actor) -> QuerySet[Any, int]:
    """Ids of the children of the cases (forløb) the actor is on the team of now: from the
    actor's own team places, not from the municipality's children."""
    # Looked up by name: the cases app builds on the registry, not the other way round.
    case_member = apps.get_model("cases", "CaseMember")
    return (
        case_member.objects.filter(
            municipality_id=actor.municipality_id,
            membership=actor.membership,
            left_on__isnull=True,
            case__child__isnull=False,
        )
        .order_by()
        .values_list("case__child_id", flat=True)
    )


def _own_group_child_ids(actor: Actor, day: dt.date) -> QuerySet[Enrolment, int]:
    """Ids of the children in the actor's own groups on ``day``."""
    return (
        Enrolment.objects.filter(
            current_on(day),
            municipality_id=actor.municipality_id,
            group__in=own_group_ids(actor),
        )
        .order_by()
        .values_list("child_id", flat=True)
    )


def children_for(actor: Actor, *, day: dt.date | None = None) -> QuerySet[Child]:
    """The children the actor may see: all of the municipality for PPR; for everyone else
    the children of the cases (forløb) they are on the team of, and for a teacher or
    pedagogue also the children now in their own groups.

    For everyone but PPR the query starts from the person's own groups and team places (one
    ``IN`` over their union), so its cost follows what the person sees, not the size of the
    municipality."""
    qs = Child.objects.filter(municipality_id=actor.municipality_id)
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        day = day or timezone.localdate()
        return qs.filter(pk__in=_own_group_child_ids(actor, day).union(_case_child_ids(actor)))
    return qs.filter(pk__in=_case_child_ids(actor))


def may_see_child(actor: Actor, child: Child | int | None) -> bool:
    """Whether the actor may open the child's page (e.g. to link a name to it). Given the
    child itself (already read), a role that sees its whole municipality is answered without
    asking the database again."""
    if child is None:
        return False
    if isinstance(child, Child):
        if actor.sees_whole_municipality:
            return child.municipality_id == actor.municipality_id
        child = child.pk
    return children_for(actor).filter(pk=child).exists()


def get_institution_for_user(actor: Actor, institution_id: int) -> Institution:
    return get_object_or_404(institutions_for(actor), pk=institution_id)


def get_group_for_user(actor: Actor, group_id: int) -> Group:
    return get_object_or_404(groups_for(actor), pk=group_id)


def get_child_for_user(actor: Actor, child_id: int) -> Child:
    return get_object_or_404(children_for(actor), pk=child_id)


def find_children_by_cpr(actor: Actor, value: str) -> QuerySet[Child]:
    """Look a child up by CPR through the keyed hash. Raises ``CPRError`` for bad input."""
    return children_for(actor).filter(cpr_hash=cpr_vault.lookup_hash(value))


# SQLite's trigram table (registry_child_name, migration registry 0004) cannot match a word
# of fewer letters: it has no trigram; PostgreSQL's name parts (migration 0005) are the
# endings of three letters or more.
_TRIGRAM = 3

# PostgreSQL: the children whose first or last name contains one word: the rows of the name
# parts whose ending begins with the word (registry migration 0005). Equality, ``>=``, ``<``
# and ``starts_with`` are LEAKPROOF, so this is a range of the index on (municipality, part)
# for the app role under row-level security; ``upper`` of the parameter is the database's,
# as in Django's ``icontains``. chr(1114111) is the last code point: in the "C" collation
# every string beginning with the word sorts below the word followed by it.
_PART_ROWS = (
    "SELECT child_id, last_name, first_name FROM registry_child_name_part"
    " WHERE municipality_id = %s AND part >= upper(%s) AND part < upper(%s) || chr(1114111)"
    " AND starts_with(part, upper(%s))"
)


def _part_params(municipality_id: int, word: str) -> list[Any]:
    return [municipality_id, word, word, word]


def _split(text: str) -> tuple[list[str], list[str]]:
    """The words to find through the index (three letters or more) and the shorter ones."""
    words = text.split()
    return [w for w in words if len(w) >= _TRIGRAM], [w for w in words if len(w) < _TRIGRAM]


def search_children(actor: Actor, text: str) -> QuerySet[Child]:
    """The actor's children whose first or last name contains every word (case-insensitive).

    Through an index at any size (docs/scaling.md): on SQLite words of three letters or more
    go to the FTS5 trigram table (which also folds æøå, unlike SQLite's ``LIKE``), on
    PostgreSQL to the name parts (registry migration 0005, usable under row-level security);
    only shorter words are matched with ``icontains``, within those. The scope is
    :func:`children_for`, in the same query. :func:`search_children_page` reads a page of
    the municipality's matches from the name parts alone."""
    qs = children_for(actor)
    indexed, words = _split(text)
    if indexed and connection.vendor == "sqlite":
        # Each word a quoted FTS5 string (a substring of one column); all must match.
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in indexed)
        qs = qs.filter(
            # The words are a parameter; the statement is a constant.
            pk__in=RawSQL(
                "SELECT rowid FROM registry_child_name WHERE registry_child_name MATCH %s",
                (match,),
            )
        )
    elif indexed:
        part = f"SELECT child_id FROM ({_PART_ROWS}) p"  # noqa: S608 - constant SQL
        sql = " INTERSECT ".join([part] * len(indexed))
        params = [p for w in indexed for p in _part_params(actor.municipality_id, w)]
        qs = qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - constant SQL, parameters
    else:
        words = indexed + words
    for word in words:
        qs = qs.filter(_contains(word))
    return qs


def _contains(word: str) -> Q:
    """The first or the last name contains ``word``, case-insensitive. SQLite's ``LIKE``
    folds ASCII only, so there a short word is matched in each casing of its other letters
    (æøå: "å" finds "Åse" as the index does for longer words; at most four for two letters)."""
    variants = {word}
    if connection.vendor == "sqlite" and len(word) < _TRIGRAM:
        cases = ({c} if c.isascii() else {c.lower(), c.upper()} for c in word)
        variants = {"".join(v) for v in itertools.product(*cases)}
    q = Q()
    for v in sorted(variants):
        q |= Q(first_name__icontains=v) | Q(last_name__icontains=v)
    return q


@dataclass(frozen=True)
class ChildPage(PageLinks):
    """A page of the child list, for ``_pager.html``: numbered (``side``), and, when
    ``keyed``, with the keys of the pages on either side (``efter``/``foer``: a child's id),
    so that a deep page is read from its key along the index, not past an ``OFFSET``."""

    children: list[Child]
    number: int
    size: int
    count: int
    has_next: bool
    keyed: bool = False
    next_key: int | None = None
    previous_key: int | None = None

    @property
    def object_list(self) -> list[Child]:
        return self.children

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.size))


def _page_number(number: str | None, count: int, size: int) -> int:
    """``side`` as a page that exists: 1 when absent or not a number, the last when past it."""
    try:
        wanted = max(1, int(number or 1))
    except ValueError:
        wanted = 1
    return min(wanted, max(1, -(-count // size)))


def search_children_page(
    actor: Actor, text: str, number: str | None, *, size: int
) -> ChildPage | None:
    """Page ``number`` of :func:`search_children`'s matches in the list's order (last name,
    first name, id), on PostgreSQL for an actor who sees the whole municipality, read from
    the name parts' index alone (registry migration 0005): the rows of the longest word's
    range, the other words matched on the copied names with the ``LIKE`` of ``icontains``,
    counted and sorted there; only the page's children are read. Its cost follows the
    number of rows containing that word, not the size of the municipality. ``None`` where it
    does not apply (SQLite, other roles, only short words): use :func:`search_children`."""
    words = text.split()
    if connection.vendor != "postgresql" or not actor.sees_whole_municipality:
        return None
    if not any(len(w) >= _TRIGRAM for w in words):
        return None
    # One word's range of the index (the longest: a longer substring is rarer), the others
    # matched on the copied names with what Django's icontains writes on PostgreSQL.
    # Intersecting every word's range instead read and hashed all of them (~2x slower for a
    # first name and a common last name at 60,000 children).
    drive = max(range(len(words)), key=lambda i: (len(words[i]), i))
    rows = _PART_ROWS
    params: list[Any] = _part_params(actor.municipality_id, words[drive])
    where = ""
    for word in words[:drive] + words[drive + 1 :]:
        where += " AND (upper(first_name) LIKE upper(%s) OR upper(last_name) LIKE upper(%s))"
        like = f"%{connection.ops.prep_for_like_query(word)}%"
        params += [like, like]
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT DISTINCT * FROM ({rows}) r WHERE TRUE{where})"  # noqa: S608
        " SELECT (SELECT count(*) FROM hits), ARRAY(SELECT child_id FROM hits"
        " ORDER BY last_name, first_name, child_id LIMIT %s OFFSET %s)"
    )
    page = _page_number(number, 1_000_000 * size, size)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size + 1, (page - 1) * size])
        count, ids = cursor.fetchone()
        if not ids and count and page > 1:  # past the end: the last page
            page = _page_number(number, count, size)
            cursor.execute(sql, [*params, size + 1, (page - 1) * size])
            count, ids = cursor.fetchone()
    by_pk = children_for(actor).only(*LIST_FIELDS).in_bulk(ids[:size])
    return ChildPage(
        children=[by_pk[i] for i in ids[:size] if i in by_pk],
        number=page,
        size=size,
        count=int(count),
        has_next=len(ids) > size,
    )


_LIST_ORDER = ("last_name", "first_name", "id")

# What a row of the child list shows (registry_tags.child_rows): read without the CPR
# columns and time stamps, a third less of the driver's and Django's work per row (50 rows:
# 3.2 -> 2.1 ms CPU).
LIST_FIELDS = ("id", "municipality_id", "first_name", "last_name", "birth_date")


def _beyond(key: tuple[str, str, int], *, after: bool) -> RawSQL:
    """The children after (or before) ``key`` in the list's order: one row-value comparison,
    a range of the index on (municipality, last_name, first_name) on SQLite and PostgreSQL
    (whose id is in SQLite's index; PostgreSQL sorts the few of one name by id)."""
    return RawSQL(  # noqa: S611 - constant SQL, the key a parameter
        '("registry_child"."last_name", "registry_child"."first_name", "registry_child"."id")'
        + (" > " if after else " < ")
        + "(%s, %s, %s)",
        key,
        output_field=BooleanField(),
    )


def children_page(
    actor: Actor,
    *,
    number: str | None,
    after: int | None = None,
    before: int | None = None,
    size: int,
) -> ChildPage:
    """A page of :func:`children_for` in the list's order (last name, first name, id) with
    the count. With a key (``after``/``before``: the id of the child the page follows or
    precedes, as the page's own links give it) the page is read from that child's names
    along the index, so a deep page costs what the first does; ``number`` (``side``) is then
    only the page's number to show. Without a key, page ``number`` is read past an
    ``OFFSET`` (a page number typed or bookmarked). A key that is not one of the actor's
    children (deleted since, another municipality's) gives the first page."""
    qs = children_for(actor)
    count = qs.count()
    page = _page_number(number, count, size)
    key = after if after is not None else before
    names = qs.filter(pk=key).values_list(*_LIST_ORDER).first() if key is not None else None
    qs = qs.only(*LIST_FIELDS)
    found: list[Child] = []
    if names is not None and after is not None:
        found = list(qs.filter(_beyond(names, after=True)).order_by(*_LIST_ORDER)[: size + 1])
        has_next = len(found) > size
        found = found[:size]
        page = max(2, page)
    elif names is not None:
        backwards = qs.filter(_beyond(names, after=False)).order_by(*(f"-{f}" for f in _LIST_ORDER))
        found = list(backwards[: size + 1])
        page = max(2, page) if len(found) > size else 1
        found = found[:size][::-1]
        has_next = True
    if not found:  # no key, not one of the actor's children, or nothing beyond it
        if key is not None:
            page = 1
        found = list(qs.order_by(*_LIST_ORDER)[(page - 1) * size : page * size + 1])
        has_next = len(found) > size
        found = found[:size]
    return ChildPage(
        children=found,
        number=page,
        size=size,
        count=count,
        has_next=has_next,
        keyed=True,
        next_key=found[-1].pk if has_next and found else None,
        previous_key=found[0].pk if page > 2 and found else None,
    )


def current_children_of_group(actor: Actor, group: Group) -> QuerySet[Child]:
    day = timezone.localdate()
    return (
        children_for(actor, day=day)
        .filter(
            Exists(
                Enrolment.objects.filter(
                    current_on(day),
                    municipality_id=actor.municipality_id,
                    child=OuterRef("pk"),
                    group=group,
                )
            )
        )
        .order_by("first_name", "last_name", "id")
    )


def enrolments_of_child(actor: Actor, child: Child) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(municipality_id=actor.municipality_id, child=child)
        .select_related("group__institution")
        .order_by("start", "id")
    )


@dataclass(frozen=True)
class Transition:
    """A move between groups, derived from two consecutive enrolments."""

    date: dt.date
    kind: str
    from_group: Group
    to_group: Group


def transitions(enrolments: list[Enrolment]) -> list[Transition]:
    result: list[Transition] = []
    for before, after in itertools.pairwise(enrolments):
        a, b = before.group.institution, after.group.institution
        if a.pk == b.pk:
            kind = "Gruppeskift i samme institution"
        elif a.is_daycare and b.kind == Institution.Kind.SKOLE:
            kind = "Dagtilbud → skole"
        elif a.is_daycare and b.is_daycare:
            kind = "Skift mellem dagtilbud"
        elif a.kind == Institution.Kind.SKOLE and b.kind == Institution.Kind.SKOLE:
            kind = "Skoleskift"
        else:
            kind = "Skift af tilbud"
        result.append(Transition(after.start, kind, before.group, after.group))
    return result
