"""An unbound form drawn in Python, with the markup of Django's own form templates.

Django draws a form through its template language: the form's ``div.html``, one
``field.html`` and one label per field, a widget template per field and one more per
``<option>``. On the case page that was most of the time of an open case (its six forms,
one for each goal, ~25 ms of CPU a page). :func:`form_html` gives the same string, byte for
byte, for the forms it knows (unbound, the default ``div`` layout, text, date, e-mail,
number, textarea and select widgets without option groups) and leaves every other form to
Django (``str(form)``): a form with errors keeps Django's drawing of them.
``tests/lib/test_formhtml.py`` holds it to ``str(form)``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

_INPUTS = {
    "django/forms/widgets/text.html",
    "django/forms/widgets/date.html",
    "django/forms/widgets/email.html",
    "django/forms/widgets/number.html",
}
_TEXTAREA = "django/forms/widgets/textarea.html"
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


class _Unsupported(Exception):
    """Something Django's templates would draw that this module does not: use Django."""


def form_html(form: forms.BaseForm) -> SafeString:
    """``str(form)``, drawn in Python when the form is one this module knows."""
    try:
        return mark_safe(_form(form))
    except _Unsupported:
        return mark_safe(str(form))


def _text(value: Any) -> str:
    """``{{ value }}`` of a string (what the template language makes of it)."""
    if isinstance(value, str):
        return str(conditional_escape(value))
    if isinstance(value, Promise):
        return str(escape(str(value)))
    raise _Unsupported  # a number or date would be localised


def _s(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: escaped unless the value was marked safe."""
    text = "%s" % (value,)  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _text(name))
        if value is not True:
            out.append(f'="{_s(value)}"')
    return "".join(out)


def _form(form: forms.BaseForm) -> str:
    if (
        form.is_bound
        or form.template_name != "django/forms/div.html"
        or type(form.renderer) is not DjangoTemplates
        or hasattr(form, "required_css_class")
        or hasattr(form, "error_css_class")
    ):
        raise _Unsupported
    fields = list(form)
    if not fields or any(bf.is_hidden for bf in fields):
        raise _Unsupported
    # div.html, stripped as the renderer strips it: each field in a <div>, the last one
    # followed by the (here no) hidden fields' line.
    parts = []
    for i, bf in enumerate(fields):
        tail = "\n    \n      \n    \n</div>" if i == len(fields) - 1 else "\n    \n</div>"
        parts.append("<div>\n    " + _field(form, bf) + tail)
    return "\n\n  ".join(parts)


def _field(form: forms.BaseForm, bf: forms.BoundField) -> str:
    """``django/forms/field.html`` (stripped): label, help text, no errors, the widget."""
    field = bf.field
    widget = field.widget
    if bf.template_name != "django/forms/field.html" or bf.use_fieldset or field.localize:
        raise _Unsupported
    label = _label(form, bf) if bf.label else ""
    help_html = ""
    if bf.help_text:
        auto = f' id="{_text(bf.auto_id)}_helptext"' if bf.auto_id else ""
        help_html = f'<div class="helptext"{auto}>{bf.help_text}</div>'
    return f"{label}\n\n{help_html}\n\n{_widget(bf, widget)}".lstrip()


def _label(form: forms.BaseForm, bf: forms.BoundField) -> str:
    """``BoundField.label_tag()`` with ``django/forms/label.html``."""
    field = bf.field
    contents = _text(bf.label)
    suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if suffix and bf.label and str(bf.label)[-1] not in gettext(":?.!"):
        contents += _text(suffix)
    id_ = field.widget.attrs.get("id") or bf.auto_id
    if not id_:
        return contents
    for_id = field.widget.id_for_label(id_)
    return f"<label{_attrs({'for': for_id}) if for_id else ''}>{contents}</label>"


def _widget(bf: forms.BoundField, widget: forms.Widget) -> str:
    """``BoundField.as_widget()`` with the widget's template."""
    attrs = bf.build_widget_attrs({}, widget)
    if bf.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bf.auto_id)
    w = widget.get_context(bf.html_name, bf.value(), attrs)["widget"]
    name = _text(w["name"])
    if w["template_name"] in _INPUTS:
        value = "" if w["value"] is None else f' value="{_s(w["value"])}"'
        return f'<input type="{_text(w["type"])}" name="{name}"{value}{_attrs(w["attrs"])}>'
    if w["template_name"] == _TEXTAREA:
        value = _text(w["value"]) if w["value"] else ""
        return f'<textarea name="{name}"{_attrs(w["attrs"])}>\n{value}</textarea>'
    if w["template_name"] == _SELECT:
        options = []
        for group_name, group, _index in w["optgroups"]:
            if group_name:
                raise _Unsupported
            for option in group:
                if option["template_name"] != _OPTION:
                    raise _Unsupported
                options.append(
                    f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
        return f'<select name="{name}"{_attrs(w["attrs"])}>{"".join(options)}\n</select>'
    raise _Unsupported
