"""Form fields for values that come from outside and go to the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from spor.lib.ids import parse_id


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField[Any]):
    """Django's, but a value that is not an id (``²``, 30 digits, a NUL byte) is an invalid
    choice, as an id of another municipality's object is; Django's own field passes it to an
    ``IN (…)`` query, where SQLite overflows and PostgreSQL refuses it."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        if key == "pk":
            for one in value:
                if parse_id(str(one)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(one)[:20]},
                    )
        return super()._check_values(value)  # type: ignore[misc]


def first_error(form: forms.Form) -> str:
    """The form's first error message, as one line for a screen that shows one."""
    for errors in form.errors.values():
        for message in errors:
            return str(message)
    return ""


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form that sent the values: each message on
    its field where the form has that field, the others (and a plain message) on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def raise_errors(errors: Mapping[str, Any]) -> None:
    """A service's collected errors (field → message), as one ``ValidationError``; none,
    nothing. Every error is found before any is raised, so the user fixes all at once."""
    if errors:
        raise ValidationError(dict(errors))


def form_status(form: forms.BaseForm) -> int:
    """The page's HTTP status: 400 for a sent form with errors, else 200."""
    return 400 if form.is_bound and form.errors else 200


Submitted = Literal["done", "invalid", "forbidden"]


def form_submit(
    request: HttpRequest,
    form: forms.BaseForm,
    run: Callable[[dict[str, Any]], object],
    *,
    done: str,
    not_allowed: str,
    plain_errors_on_top: bool = False,
) -> Submitted:
    """One change from a form on a detail page: validate ``form``, give its values to ``run``
    (one service call) and say how it went, with Django's messages for the page.

    ``"done"``: the service ran, and ``done`` is the success message. ``"invalid"``: the form
    or the service refused the values, and the errors are on the form (``plain_errors_on_top``
    also shows an error about no field — a closed case — as a message, since the form may
    not be on the page). ``"forbidden"``: the service said the person may not; its message,
    or ``not_allowed``, is shown."""
    if not form.is_valid():
        return "invalid"
    try:
        run(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        if plain_errors_on_top and not hasattr(exc, "error_dict"):
            messages.error(request, " ".join(exc.messages))
        return "invalid"
    except PermissionDenied as exc:
        messages.error(request, str(exc) or not_allowed)
        return "forbidden"
    messages.success(request, done)
    return "done"
