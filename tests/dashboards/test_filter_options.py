"""The filter bar's options are written in Python (dashboards/templatetags/filter_options.py): they must be exactly
what the template loops they replace wrote, for any values, texts and selections."""

from __future__ import annotations

from django.template import Context, Template
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.templatetags.filter_options import picker_options

# The loops of templates/dashboards/overview.html before the options moved to Python: Django's own autoescape
# and ``in`` are the oracle.
PICKER_LOOP = Template(
    '{% for value, text in control.options %}<option value="{{ value }}"{% if value in control.selected %} selected'
    "{% endif %}>{{ text }}</option>{% endfor %}"
)
RANGE_LOOP = Template(
    '{% for value, text in control.options %}{% if value != "(none)" %}<option value="{{ value }}">{{ text }}'
    "</option>{% endif %}{% endfor %}"
)
TEXT = st.text(alphabet=st.sampled_from(list("ab <>&\"'=+%;/é€\u2013()nones")), max_size=8)
OPTIONS = st.lists(st.tuples(TEXT | st.just("(none)"), TEXT | TEXT.map(mark_safe) | st.integers()), max_size=8)


@settings(max_examples=300, deadline=None)
@given(options=OPTIONS, data=st.data())
def test_options_are_what_the_template_loops_wrote(options, data) -> None:
    values = [value for value, _ in options]
    selected = tuple(data.draw(st.lists(st.sampled_from(values) | TEXT, max_size=3) if values else st.just([])))
    control = {"options": options, "selected": selected}

    assert picker_options(options, selected) == PICKER_LOOP.render(Context({"control": control}))
    assert picker_options(options, without="(none)") == RANGE_LOOP.render(Context({"control": control}))


def test_a_selection_that_cannot_be_searched_selects_nothing_as_the_template_does() -> None:
    options = [("a", "A")]
    control = {"options": options, "selected": None}
    assert picker_options(options, None) == PICKER_LOOP.render(Context({"control": control}))
    assert picker_options(options, None) == '<option value="a">A</option>'
