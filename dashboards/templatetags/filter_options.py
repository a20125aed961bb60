"""``{% picker_options options selected %}``: the ``<option>`` elements of a filter-bar picker.

The overview's filter bar lists some 280 options (a hundred cities, the subchannels, the age buckets three times
for the range picker...): written here with the template's escaping, as the data tables' rows are, instead of a
template loop of variable nodes (0.4 ms of the page; docs/performance.md, "The GIL and the overview's second
thread").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from dashboards.escaping import autoescaped

register = template.Library()


@register.simple_tag
def picker_options(options: Iterable[tuple[Any, Any]], selected: Any = (), without: Any = None) -> SafeString:
    """``<option value="value">text</option>`` per option, ``selected`` when its value is among ``selected``
    (whatever the template passes: anything ``in`` cannot search selects nothing); an option whose value is
    ``without`` is left out."""
    parts = []
    for value, text in options:
        if without is not None and value == without:
            continue
        mark = " selected" if _among(value, selected) else ""
        parts.append(f'<option value="{autoescaped(value)}"{mark}>{autoescaped(text)}</option>')
    return mark_safe("".join(parts))  # noqa: S308  # every value above is escaped


def _among(value: Any, selected: Any) -> bool:
    try:
        return value in selected
    except TypeError:  # as the template's ``in`` answers for a container it cannot search
        return False
