"""``{{ query|drill_href:drill }}``: the link of a data-table row, the same URL a click on its chart element opens."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def drill_href(query: str, drill: str) -> str:
    """``?`` + the view's parameters with each parameter of ``drill`` replacing that parameter's values (as
    ``navigateWith`` in static/js/dashboard.js does for a click)."""
    params = QueryDict(query, mutable=True)
    for name, values in QueryDict(drill).lists():
        params.setlist(name, values)
    return "?" + params.urlencode()
