"""The data tables' rows are built in Python (dashboards/templatetags/data_tables.py): they must be exactly what
the template loop they replace wrote, escaping and drill-down links included, for any values."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.charts import Table
from dashboards.templatetags.data_tables import DrillLinks, table_rows
from dashboards.urlfilters import drill_query, value_token

# The loop of templates/dashboards/_table.html before the rows moved to Python, with the drill link computed as
# its filter did: Django's own autoescape is the oracle for the escaping.
TEMPLATE_LOOP = Template(
    '{% for shown, raw, cells, href in rows %}<tr><th scope="row"{% if shown != raw %} title="{{ raw }}"'
    '{% endif %}>{% if href %}<a class="drill js-nav" href="{{ href }}" title="Show only these members">'
    "{{ shown }}</a>{% else %}{{ shown }}{% endif %}</th>{% for cell in cells %}<td>{{ cell }}</td>{% endfor %}"
    "</tr>\n    {% endfor %}"
)


def querydict_href(query: str, drill: str) -> str:
    """The filter the rows used: QueryDict's parsing, replacement and encoding."""
    params = QueryDict(query, mutable=True)
    for name, values in QueryDict(drill).lists():
        params.setlist(name, values)
    return "?" + params.urlencode()


TRICKY = st.text(alphabet=st.sampled_from(list("ab <>&\"'=+%;/?#é€\u2013 ")), max_size=8)
NAMES = st.sampled_from(["gender", "age", "city_place_id", "properties.interests", "a b", "é", "x&y"])
PAIRS = st.lists(st.tuples(NAMES, TRICKY), max_size=6)


def encoded(pairs: list[tuple[str, str]]) -> str:
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    return query.urlencode()


@settings(max_examples=300, deadline=None)
@given(view=PAIRS, drill=PAIRS)
def test_drill_links_are_those_querydict_wrote(view: list[tuple[str, str]], drill: list[tuple[str, str]]) -> None:
    query, drill_query = encoded(view), encoded(drill)
    assert DrillLinks(query).href(drill_query) == querydict_href(query, drill_query)


VALUES = st.one_of(TRICKY, st.none(), st.booleans(), st.integers(-5, 10**7), st.sampled_from(["(none)", "\\x"]))


@settings(max_examples=300, deadline=None)
@given(view=PAIRS, drill=st.lists(st.tuples(NAMES, VALUES), min_size=1, max_size=4))
def test_drill_links_of_chart_elements_are_those_querydict_wrote(view: list[tuple[str, str]], drill: Any) -> None:
    """The drills the charts write (``drill_query``), written as ``urlencode`` wrote them, linked as QueryDict
    links them."""
    written = drill_query(*drill)
    assert written == urlencode([(name, value_token(value)) for name, value in drill])
    query = encoded(view)
    assert DrillLinks(query).href(written) == querydict_href(query, written)


ROWS = st.lists(
    st.tuples(
        TRICKY,  # shown label
        st.one_of(TRICKY, st.integers(-5, 10**7), st.none()),  # raw first cell
        st.lists(st.one_of(st.integers(-5, 10**7), st.none(), TRICKY, st.floats(0, 1, allow_nan=False)), max_size=3),
        st.one_of(st.just(""), PAIRS.map(encoded)),  # the row's drill-down, or none
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(rows=ROWS, view=PAIRS)
def test_rows_are_what_the_template_loop_wrote(rows: list[tuple[Any, Any, list[Any], str]], view: Any) -> None:
    query = encoded(view)
    width = 1 + max((len(cells) for _, _, cells, _ in rows), default=0)
    table = Table(
        columns=[f"c{i}" for i in range(width)],
        rows=[[raw, *cells, *[None] * (width - 1 - len(cells))] for _, raw, cells, _ in rows],
        labels=[shown for shown, _, _, _ in rows],
        drills=[drill for _, _, _, drill in rows],
    )
    expected_rows = [
        (shown, raw, cells, querydict_href(query, drill) if drill else "")
        for shown, raw, cells, drill in table.shown_rows()
    ]
    assert table_rows(table, query) == TEMPLATE_LOOP.render(Context({"rows": expected_rows}))
