"""``{{ form|form_html }}``: ``{{ form }}`` drawn in Python (:mod:`spor.lib.formhtml`)."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from spor.lib.formhtml import form_html as draw

register = template.Library()


@register.filter
def form_html(form: forms.BaseForm) -> SafeString:
    return draw(form)
