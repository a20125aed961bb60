"""``{% table_rows table query %}``: the body rows of a chart's data table (``dashboards/_table.html``), each
label linked to its drill-down.

The overview's tables hold some 800 rows (every place, every age bucket...); as a template loop of variable nodes
they were half of the page's server time. Built here, with the template's escaping and drill links, they cost a
tenth of that (docs/performance.md, "The overview's Python side").
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, unquote_plus, urlencode

from django import template
from django.utils.safestring import SafeString, mark_safe

from dashboards.charts import Table
from dashboards.escaping import autoescaped

register = template.Library()


@register.simple_tag
def table_rows(table: Table, query: str) -> SafeString:
    links = _drill_links(query)
    rows = []
    for shown, raw, cells, drill in table.shown_rows():
        label = autoescaped(shown)
        if drill:
            href = autoescaped(links.href(drill))
            label = f'<a class="drill js-nav" href="{href}" title="Show only these members">{label}</a>'
        title = f' title="{autoescaped(raw)}"' if shown != raw else ""
        data = "".join(f"<td>{autoescaped(cell)}</td>" for cell in cells)
        rows.append(f'<tr><th scope="row"{title}>{label}</th>{data}</tr>\n    ')
    return mark_safe("".join(rows))  # noqa: S308  # every value above is escaped


class DrillLinks:
    """A data-table row's link, the same URL a click on its chart element opens: ``?`` + the view's parameters
    with each parameter of the row's drill-down replacing that parameter's values (``navigateWith`` in
    static/js/dashboard.js), written as ``QueryDict.urlencode`` writes them. The view's parameters are parsed and
    encoded once for all the rows."""

    def __init__(self, query: str):
        self.encoded = {name: self._encode(name, values) for name, values in _lists(query).items()}

    def href(self, drill: str) -> str:
        """``drill`` is ``urlfilters.drill_query``'s output: its pairs are already encoded as ``_encode`` writes
        them, so they are grouped by name as they are instead of decoded and encoded again."""
        replaced: dict[str, list[str]] = {}
        for pair in drill.split("&"):
            if pair:
                replaced.setdefault(unquote_plus(pair.partition("=")[0]), []).append(pair)
        encoded = {**self.encoded, **replaced}  # a replaced parameter keeps its place, a new one goes last
        return "?" + "&".join(pair for pairs in encoded.values() for pair in pairs)

    @staticmethod
    def _encode(name: str, values: list[str]) -> list[str]:
        key = name.encode()
        return [urlencode({key: value.encode()}) for value in values]


def _lists(query: str) -> dict[str, list[str]]:
    """The parameters of a query string with their values in order, as ``QueryDict(query).lists()``."""
    lists: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        lists.setdefault(name, []).append(value)
    return lists


@functools.lru_cache(maxsize=64)
def _drill_links(query: str) -> DrillLinks:
    return DrillLinks(query)
