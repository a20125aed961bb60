"""Chart figures are embedded by ``figure_json`` (orjson) instead of Django's ``json_script`` (json.dumps): the
browser must read the same values from the same element, and nothing inside may end the script element."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from typing import Any

from django.utils.html import json_script
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.templatetags.figures import figure_json

ELEMENT = re.compile(r'\A<script (?:id="(?P<id>[^"]*)" )?type="application/json">(?P<json>.*)</script>\Z', re.DOTALL)
TEXT = st.text(alphabet=st.sampled_from(list("ab <>&\"'/\\!-\n\u2028é€𝄞")), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
VALUES = st.recursive(
    SCALARS | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def _parts(element: str) -> tuple[str, str]:
    match = ELEMENT.match(element)
    assert match is not None, element
    return match["id"], match["json"]


@settings(max_examples=300, deadline=None)
@given(value=VALUES, element_id=TEXT)
def test_the_browser_reads_what_json_script_wrote(value: Any, element_id: str) -> None:
    ours_id, ours = _parts(str(figure_json(value, element_id)))
    theirs_id, theirs = _parts(str(json_script(value, element_id)))

    assert ours_id == theirs_id
    assert json.loads(ours) == json.loads(theirs)
    assert not set(ours) & set("<>&")


def test_dates_decimals_and_integer_keys_are_written_as_djangos_encoder_writes_them() -> None:
    value = {
        "x": [dt.date(2026, 1, 31), dt.datetime(2026, 2, 1, 10, 30, 15, 123456, tzinfo=dt.UTC)],
        "y": decimal.Decimal("1.50"),
        7: "seven",
    }
    _, ours = _parts(str(figure_json(value, "fig")))
    _, theirs = _parts(str(json_script(value, "fig")))
    assert (
        json.loads(ours)
        == json.loads(theirs)
        == {
            "x": ["2026-01-31", "2026-02-01T10:30:15.123Z"],
            "y": "1.50",
            "7": "seven",
        }
    )


def test_a_closing_script_tag_in_a_label_stays_inside_the_element() -> None:
    element = str(figure_json({"labels": ["</script><script>alert(1)</script>", "<!--"]}, "fig-x"))
    assert element.count("</script>") == 1
    assert element.endswith("</script>")
    assert "<!--" not in element
    _, text = _parts(element)
    assert json.loads(text) == {"labels": ["</script><script>alert(1)</script>", "<!--"]}
