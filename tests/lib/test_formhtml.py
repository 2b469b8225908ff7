"""Forms drawn in Python (:func:`spor.lib.formhtml.form_html`) are Django's own drawing of
them, byte for byte: the case page's forms, with team names and values that need escaping,
and a form of every kind of field the module draws; anything else is left to Django."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django import forms

from spor.accounts.models import Membership, Profession, User
from spor.cases import forms as case_forms
from spor.cases.models import GoalStatus
from spor.lib import formhtml

NAMES = [("Anne", "Pedersen"), ("Ø<b>", 'O"Brien & co'), ("", "")]


def team() -> list[Membership]:
    people = []
    for pk, ((first, last), profession) in enumerate(
        zip(NAMES, itertools.cycle(Profession.values), strict=False), start=3
    ):
        user = User(pk=pk, username=f"u{pk}&<", first_name=first, last_name=last)
        people.append(Membership(pk=pk * 100, user=user, profession=profession))
    return people


def page_forms() -> list[forms.Form]:
    """The case page's unbound forms as the case view makes them."""
    people = team()
    goal = case_forms.GoalForm(prefix="maal", team=Membership.objects.none())
    coordinator = case_forms.CoordinatorForm(prefix="tovholder", team=Membership.objects.none())
    case_forms.team_choices(people, goal.fields["responsible"], coordinator.fields["membership"])
    empty = case_forms.CoordinatorForm(prefix="tovholder", team=Membership.objects.none())
    case_forms.team_choices([], empty.fields["membership"])
    updates = [
        case_forms.GoalUpdateForm(
            prefix=f"maal{pk}", initial={"status": status, "follow_up_on": day}
        )
        for pk, status, day in [
            (1, GoalStatus.values[0], dt.date(2026, 12, 3)),
            (51234, GoalStatus.values[-1], None),
            (7, "ukendt", dt.date(1999, 1, 31)),
        ]
    ]
    return [
        case_forms.NoteForm(prefix="notat"),
        case_forms.ParticipantForm(prefix="deltager"),
        goal,
        case_forms.MeetingForm(prefix="moede", initial={"held_on": dt.date(2026, 12, 3)}),
        coordinator,
        empty,
        *updates,
    ]


@pytest.mark.parametrize("index", range(len(page_forms())))
def test_the_case_pages_forms_are_drawn_as_django_draws_them(index: int) -> None:
    form = page_forms()[index]
    drawn = formhtml._form(form)  # drawn in Python, not handed back to Django
    assert drawn == str(form)
    assert formhtml.form_html(form) == str(form)


class Every(forms.Form):
    text = forms.CharField(label="Navn", max_length=20, help_text="Hjælp <b>fed</b>")
    plain = forms.CharField(required=False)  # the label made from the name
    question = forms.CharField(label="Hvorfor?", required=False)
    suffixed = forms.CharField(label="Med & <tegn>", label_suffix=" →", required=False)
    nolabel = forms.CharField(label="", required=False)
    own_id = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": "eget"}))
    email = forms.EmailField(required=False)
    number = forms.IntegerField(required=False, min_value=0)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    choice = forms.ChoiceField(choices=[("", "Vælg …"), ("a&b", "A & B"), ("<c>", '"C"')])


@pytest.mark.parametrize(
    ("prefix", "initial", "auto_id"),
    [
        (None, {}, "id_%s"),
        ("x", {"text": '<a href="x">&amp;</a>', "note": "to\nlinjer <i>", "choice": "a&b"}, "i%s"),
        ("y-1", {"number": 1234567, "day": dt.date(2026, 1, 2), "choice": "<c>"}, "id_%s"),
        ("z", {"email": "a@b.dk", "own_id": "'"}, False),
        ("z", {}, "felt-%s"),
    ],
)
def test_every_kind_of_field_it_draws_is_drawn_as_django_draws_it(
    prefix: str | None, initial: dict[str, object], auto_id: str | bool
) -> None:
    form = Every(prefix=prefix, initial=initial, auto_id=auto_id)
    assert formhtml._form(form) == str(form)


class Other(forms.Form):
    agree = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


class Marked(forms.Form):
    required_css_class = "required"
    name = forms.CharField()


def test_what_it_does_not_draw_is_left_to_django() -> None:
    bound = case_forms.NoteForm({"notat-text": ""}, prefix="notat")
    for form in (bound, Other(), Marked()):
        with pytest.raises(formhtml._Unsupported):
            formhtml._form(form)
        assert formhtml.form_html(form) == str(form)
    assert 'class="errorlist"' in formhtml.form_html(bound)
