"""``{{ figure|figure_json:"fig-id" }}``: a chart's Plotly figure as a JSON ``<script>`` element, as Django's
``json_script`` writes it, encoded by orjson.

The overview embeds a dozen figures (about 80 kB of JSON): ``json.dumps`` with Django's encoder writes the thirteen
of a two-year overview in 2 ms, orjson in 0.06 ms (docs/performance.md, "The overview's Python side").
"""

from __future__ import annotations

from typing import Any

import orjson
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# What json_script escapes, so that no text inside the JSON can end the script element or open a comment.
# Replaced in the bytes one character at a time: ``str.translate`` with a mapping looks up every character and
# took 2.5 ms of the overview's 80 kB of figures, three ``bytes.replace`` scans under 0.1 ms.
_SCRIPT_ESCAPES = ((b">", b"\\u003E"), (b"<", b"\\u003C"), (b"&", b"\\u0026"))
# Dates, decimals and lazy strings as Django's encoder writes them; orjson writes only plain JSON types itself.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


@register.filter(is_safe=True)
def figure_json(value: Any, element_id: str | None = None) -> SafeString:
    data = orjson.dumps(value, default=DjangoJSONEncoder().default, option=_OPTIONS)
    for character, escape in _SCRIPT_ESCAPES:
        data = data.replace(character, escape)
    text = data.decode()
    if not element_id:
        return format_html('<script type="application/json">{}</script>', mark_safe(text))  # noqa: S308
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))  # noqa: S308
