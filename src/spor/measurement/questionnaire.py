"""The SDQ form as a questionnaire on screen: which form an informant gets, the texts shown,
the answers read from a POST and checked, and the scoring with the municipality's norm set.

Item texts are Spor's short labels from the instrument files, or the licensed SDQ wording
when the municipality has loaded it: from its own licence file, loaded by the PPR-leder
(``/maaling/ordlyd/``) or ``spor manage spor_sdq_wording`` into
:class:`~spor.measurement.models.LicensedWording`; or, for a whole installation, a file
``<form>.json`` or ``<form>.csv`` in the folder ``settings.SPOR_SDQ_WORDING_DIR``. Both are
read with :func:`spor.sdq.load_item_wording` (which checks them against the form). Spor
ships no SDQ item wording.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from spor import sdq
from spor.lib.ids import parse_small_int
from spor.measurement.models import Informant, Phase

logger = logging.getLogger(__name__)

DEFAULT_NORMS = "uk-3band"

ITEM_CHOICES = [(0, "Passer ikke"), (1, "Passer delvist"), (2, "Passer godt")]
OVERALL_CHOICES = [
    (0, "Nej"),
    (1, "Ja, små vanskeligheder"),
    (2, "Ja, tydelige vanskeligheder"),
    (3, "Ja, store vanskeligheder"),
]
AMOUNT_CHOICES = [(0, "Slet ikke"), (1, "Kun lidt"), (2, "En del"), (3, "Rigtig meget")]
EXTRA_CHOICES: dict[str, list[tuple[int, str]]] = {
    "chronicity": [
        (0, "Under 1 måned"),
        (1, "1–5 måneder"),
        (2, "6–12 måneder"),
        (3, "Over 1 år"),
    ],
    "burden": AMOUNT_CHOICES,
    "better": [
        (0, "Meget værre"),
        (1, "Lidt værre"),
        (2, "Nogenlunde som før"),
        (3, "Lidt bedre"),
        (4, "Meget bedre"),
    ],
    "helped": AMOUNT_CHOICES,
}

# Who the form is about, in the words the respondent reads.
ROLE_TEXT = {
    Informant.PARENT: "som forælder",
    Informant.TEACHER: "som lærer eller pædagog",
    Informant.PROFESSIONAL: "som den fagperson fra PPR, der kender barnet bedst",
    Informant.SELF: "om dig selv",
}

# The SDQ informant of the forms each of Spor's informants fills in. The PPR professional
# fills in the teacher form, as in the national evaluation.
BASE_FORMS = {
    Informant.PARENT: ("parent-2-4", "parent-4-17"),
    Informant.TEACHER: ("teacher-2-4", "teacher-4-17"),
    Informant.PROFESSIONAL: ("teacher-2-4", "teacher-4-17"),
    Informant.SELF: (None, "self-11-17"),
}

MSG_AGE = "SDQ bruges til børn fra 2 til og med 17 år. Barnet er {age} år."
MSG_SELF_AGE = "Barnet kan selv svare fra 11 år. Barnet er {age} år."
MSG_ITEM = "Besvar spørgsmål {number}: {text}."
MSG_BAD_VALUE = "Vælg et af svarene til spørgsmål {number}: {text}."
MSG_BAD_CHOICE = "Vælg et af svarene til »{text}«."
MSG_OVERALL = "Besvar spørgsmålet, om barnet samlet set har vanskeligheder."
MSG_IMPACT = "Du har svaret, at der er vanskeligheder: besvar også »{text}«."
MSG_SCALE = (
    "Besvar mindst 3 af de 5 spørgsmål om {scale} (SDQ kan ikke beregnes med færre). "
    "Der mangler svar på: {missing}."
)


class FormChoiceError(ValueError):
    """The child's age does not fit the informant's forms (a Danish message)."""


def form_for(informant: str, phase: str, age: int) -> str:
    """The form an informant answers for a child of ``age`` years: the 2–4 forms under 4
    years, the 4–17 forms from 4, the self-report from 11; the follow-up form after a
    delivery where there is one (there are no 2–4 follow-up forms)."""
    if age < 2 or age > 17:
        raise FormChoiceError(MSG_AGE.format(age=age))
    young, older = BASE_FORMS[Informant(informant)]
    if informant == Informant.SELF and age < 11:
        raise FormChoiceError(MSG_SELF_AGE.format(age=age))
    base = young if age < 4 else older
    assert base is not None
    if phase == Phase.AFTER and f"{base}-followup" in sdq.list_forms():
        return f"{base}-followup"
    return base


SDQ_SEX = {"pige": "f", "dreng": "m"}
"""A child's sex as the registry holds it → as the SDQ norm sets by sex name it."""


def norms_for(form: str, *, sex: str | None = None, age: int | None = None) -> str | None:
    """The municipality's norm set (``settings.SPOR_SDQ_NORMS``, default ``uk-3band``) if it
    fits the form (the form lists it, or the norm set lists the form) and, for a norm set by
    sex and age (the Danish ones), the child's ``sex`` (``"f"``/``"m"``) and ``age``; else the
    form's own default (``uk-2-4-provisional`` for the 2–4 parent form; ``uk-3band`` for a
    child no Danish stratum covers), else none (the 2–4 teacher form has no shipped bands:
    scored, not banded). Every stored response names the norm set it was banded with."""
    inst = sdq.load_instrument(form)
    wanted = str(getattr(settings, "SPOR_SDQ_NORMS", DEFAULT_NORMS) or DEFAULT_NORMS)
    try:
        ns = sdq.load_norm_set(wanted)
    except sdq.SDQError:
        return inst.default_norms
    if (wanted in inst.norm_sets or form in ns.forms) and ns.fits(sex, age):
        return wanted
    return inst.default_norms


def norm_set_title(ref: str) -> str:
    """``uk-3band@1`` → its Danish title with the reference, for every figure on screen."""
    if not ref:
        return "intet normsæt (skemaet har ingen bånd)"
    ns_id = ref.split("@", 1)[0]
    try:
        ns = sdq.load_norm_set(ns_id)
    except sdq.SDQError:
        return ref
    return f"{ns.title_da} ({ref})"


def band_label(ref: str, code: str | None) -> str:
    if not code:
        return ""
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
    except sdq.SDQError:
        return code
    return next((b.label_da for b in ns.bands if b.code == code), code)


# --------------------------------------------------------------------------- wording


@lru_cache(maxsize=64)
def _wording_file(path: str, mtime_ns: int, form: str) -> dict[str, str]:
    return sdq.load_item_wording(path, form)


def licensed_wording(form: str, municipality_id: int | None = None) -> dict[str, str] | None:
    """The licensed wording for the form, or None (short labels): the municipality's own
    (loaded from its licence file) first, then the installation's folder."""
    if municipality_id is not None:
        from spor.measurement.models import LicensedWording

        own = (
            LicensedWording.objects.filter(municipality_id=municipality_id, form=form)
            .values_list("texts", flat=True)
            .first()
        )
        if own:
            return {str(k): str(v) for k, v in own.items()}
    folder = getattr(settings, "SPOR_SDQ_WORDING_DIR", "") or ""
    if not folder:
        return None
    for suffix in (".json", ".csv"):
        path = Path(folder) / f"{form}{suffix}"
        if path.is_file():
            try:
                return _wording_file(str(path), path.stat().st_mtime_ns, form)
            except sdq.SDQError:
                logger.exception("SDQ-ordlydsfilen for %s kunne ikke bruges", form)
                return None
    return None


# --------------------------------------------------------------------------- questions


@dataclass
class Question:
    key: str
    number: int | None
    text: str
    choices: list[tuple[int, str]]
    kind: str  # item, overall, impact, extra
    value: int | None = None
    error: str = ""

    @property
    def field_id(self) -> str:
        return f"q-{self.key}"


@dataclass
class Questionnaire:
    form: str
    title: str
    informant: str
    licensed: bool
    items: list[Question]
    overall: Question | None
    impact: list[Question]
    extra: list[Question]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)

    @property
    def all_questions(self) -> list[Question]:
        return [*self.items, *([self.overall] if self.overall else []), *self.impact, *self.extra]

    def answers(self) -> dict[str, int | None]:
        return {q.key: q.value for q in self.items}

    def impact_answers(self) -> dict[str, int | None]:
        return {
            q.key: q.value
            for q in [*([self.overall] if self.overall else []), *self.impact, *self.extra]
        }


_FORM_WHO = {"parent": "Forældreskema", "teacher": "Lærerskema", "self": "Selvrapport"}


def form_label(form: str) -> str:
    """A form code as people read it: ``parent-4-17`` → "Forældreskema, 4–17 år",
    ``teacher-4-17-followup`` → "Lærerskema, 4–17 år, opfølgning"."""
    parts = form.split("-")
    if len(parts) < 3 or parts[0] not in _FORM_WHO:
        return form
    label = f"{_FORM_WHO[parts[0]]}, {parts[1]}–{parts[2]} år"
    return label + (", opfølgning" if parts[3:] == ["followup"] else "")


def build(form: str, informant: str, municipality_id: int | None = None) -> Questionnaire:
    """The questionnaire of ``form``, worded with the municipality's licensed texts if it
    has loaded them."""
    inst = sdq.load_instrument(form)
    wording = licensed_wording(form, municipality_id)
    texts = wording or {}

    def text(key: str, label: str) -> str:
        return texts.get(key) or label

    items = [
        Question(it.key, it.number, text(it.key, it.label_da), ITEM_CHOICES, "item")
        for it in inst.items
    ]
    overall = None
    impact: list[Question] = []
    if inst.impact is not None:
        o = inst.impact.overall
        overall = Question(o.key, None, text(o.key, o.label_da), OVERALL_CHOICES, "overall")
        impact = [
            Question(i.key, None, text(i.key, i.label_da), AMOUNT_CHOICES, "impact")
            for i in inst.impact.items
        ]
    # The follow-up questions are asked on the follow-up form only: "(opfølgning)" in the
    # label said so twice, next to "(valgfrit)".
    extra = [
        Question(
            e.key,
            None,
            text(e.key, e.label_da).removesuffix(" (opfølgning)"),
            EXTRA_CHOICES.get(e.key, [(c, str(c)) for c in e.codes]),
            "extra",
        )
        for e in inst.extra_items
    ]
    return Questionnaire(
        form=form,
        title=inst.title_da,
        informant=informant,
        licensed=wording is not None,
        items=items,
        overall=overall,
        impact=impact,
        extra=extra,
    )


def read(q: Questionnaire, data: Mapping[str, Any], *, paper: bool) -> bool:
    """Read the answers from a POST into the questionnaire and check them; True when they
    can be saved. Through a link every item must be answered (and the overall question; when
    it says there are difficulties, the impact questions too). A paper form may leave
    blanks as the SDQ permits: at least 3 of the 5 items of every scale (the scores are then
    prorated, docs/sdq.md)."""
    q.errors = []
    for question in q.all_questions:
        raw = str(data.get(question.field_id, "")).strip()
        question.value, question.error = None, ""
        if raw == "":
            continue
        codes = {c for c, _ in question.choices}
        value = parse_small_int(raw)
        if value is not None and value in codes:
            question.value = value
        else:
            question.error = (
                MSG_BAD_VALUE.format(number=question.number, text=question.text)
                if question.number
                else MSG_BAD_CHOICE.format(text=question.text)
            )
    if paper:
        inst = sdq.load_instrument(q.form)
        by_key = {x.key: x for x in q.items}
        for scale in inst.scales:
            keys = [inst.item_keys[i] for i in scale.items]
            missing = [by_key[k] for k in keys if by_key[k].value is None]
            if len(keys) - len(missing) < scale.min_answered:
                message = MSG_SCALE.format(
                    scale=scale.label_da.lower(),
                    missing=", ".join(str(m.number) for m in missing),
                )
                for m in missing:
                    m.error = m.error or message
    else:
        for item in q.items:
            if item.value is None and not item.error:
                item.error = MSG_ITEM.format(number=item.number, text=item.text)
        if q.overall is not None and q.overall.value is None and not q.overall.error:
            q.overall.error = MSG_OVERALL
        if q.overall is not None and (q.overall.value or 0) > 0:
            for imp in q.impact:
                if imp.value is None and not imp.error:
                    imp.error = MSG_IMPACT.format(text=imp.text)
    seen: set[str] = set()
    for question in q.all_questions:
        if question.error and question.error not in seen:
            seen.add(question.error)
            q.errors.append((question.field_id, question.error))
    return not q.errors


def score(
    form: str,
    answers: Mapping[str, int | None],
    impact: Mapping[str, int | None],
    *,
    sex: str | None = None,
    age: int | None = None,
) -> dict[str, Any]:
    """Scores, bands and the norm set of one response, as stored with it. ``sex`` (``"f"`` /
    ``"m"``) and ``age`` (years, on the day of answering) choose the stratum of a norm set by
    sex and age."""
    norms = norms_for(form, sex=sex, age=age)
    merged: dict[str | int, int | None] = {}
    merged.update(answers)
    merged.update(impact)
    result = sdq.score_one(merged, form=form, norms=norms, sex=sex, age=age)
    result["instrument"] = sdq.load_instrument(form).ref
    result.setdefault("norm_set", "")
    return result


def sdq_informant(form: str) -> str:
    """parent / teacher / self: the informant of the norm tables and the RCI parameters."""
    return sdq.load_instrument(form).informant
