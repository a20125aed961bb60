"""URL parameters <-> API filter trees, validated by the API's own parser (no database)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.urlfilters import drill_query, parse_view_filter, value_token
from reporting.reports.members import MEMBERS


def parse(query: str):
    return parse_view_filter(QueryDict(query), MEMBERS)


def test_no_parameters_is_no_filter():
    view = parse("ids=235,236&gender=")
    assert (view.raw, view.node, view.error, view.params) == (None, None, None, ())


def test_one_parameter_is_one_equal_node():
    view = parse("gender=woman")
    assert view.raw == {"type": "equal", "field": "gender", "value": "woman"}
    assert view.node is not None
    assert view.error is None


def test_several_parameters_and_repeated_values():
    view = parse(
        "age=20-24&age=25-29&marketing_via_sms=true&consents.email_marketing=false&city_place_id=(none)"
        "&properties.interests=running&joined_from=2024-01-01&joined_to=2024-01-31&push_devices=2"
    )
    assert view.error is None
    assert view.raw == {
        "type": "and",
        "operations": [
            {"type": "in", "field": "age", "value": ["20-24", "25-29"]},
            {"type": "equal", "field": "marketing_via_sms", "value": True},
            {"type": "equal", "field": "consents.email_marketing", "value": False},
            {"type": "equal", "field": "city_place_id", "value": None},
            {"type": "equal", "field": "properties.interests", "value": "running"},
            {"type": "greater_or_equal_to", "field": "created_at", "value": "2024-01-01"},
            {"type": "less_than", "field": "created_at", "value": "2024-02-01"},
            {"type": "equal", "field": "push_devices", "value": 2},
        ],
    }
    assert view.names[0] == "age"
    assert view.values("age") == ["20-24", "25-29"]


def test_duplicate_pairs_count_once():
    view = parse("gender=man&gender=man")
    assert view.raw == {"type": "equal", "field": "gender", "value": "man"}
    assert view.params == (("gender", "man"),)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("age=99", "“age=99” has a value that is not allowed"),
        ("colour=red", "“colour=red” is not a field"),
        ("gender=man&community_id=5", "“community_id=5” cannot be filtered on"),
        ("marketing_via_sms=maybe", "“marketing_via_sms=maybe” has a value of the wrong type"),
        ("push_devices=two", "wrong type"),
        ("consents.bad-key=true", "not allowed"),
        ("joined_from=yesterday", "takes one date"),
        ("joined_to=2024-02-30", "not a valid date"),
        ("joined_to=9999-12-31", "not a valid date"),
        ("joined_from=2024-01-01&joined_from=2024-02-01", "takes one date"),
        ("properties=x", "cannot be filtered on"),
    ],
)
def test_invalid_parameters_become_a_message_naming_them(query, fragment):
    view = parse(query)
    assert view.error is not None
    assert fragment in view.error
    assert view.raw is None
    assert view.node is None


def test_too_many_values_is_a_message():
    view = parse("&".join(f"optin_channel=c{i}" for i in range(60)))
    assert view.error is not None
    assert "At most" in view.error


def test_query_string_round_trip_and_without():
    view = parse("gender=woman&age=20-24&age=25-29")
    again = parse(view.query_string())
    assert again.raw == view.raw
    assert view.query_string(keep=[("ids", "235,236")]).startswith("ids=235%2C236&gender=woman")
    assert view.without("age", "20-24") == (("gender", "woman"), ("age", "25-29"))


def test_value_tokens_and_drill_queries():
    assert [value_token(v) for v in (None, True, False, 3, "x")] == ["(none)", "true", "false", "3", "x"]
    assert drill_query(("age", "20-24"), ("gender", None)) == "age=20-24&gender=%28none%29"
    view = parse(drill_query(("consents.sms_marketing", True), ("gender", None)))
    assert view.raw == {
        "type": "and",
        "operations": [
            {"type": "equal", "field": "consents.sms_marketing", "value": True},
            {"type": "equal", "field": "gender", "value": None},
        ],
    }


# The characters quote_plus leaves alone and their neighbours, beside any text at all.
URL_TEXT = st.text(alphabet=st.sampled_from(list("aZ09_.~-+ /:%&=é€\u2013")), max_size=8) | st.text(max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(URL_TEXT, URL_TEXT | st.none() | st.booleans() | st.integers()), min_size=1, max_size=4)
)
def test_drill_queries_are_what_urlencode_writes(pairs):
    assert drill_query(*pairs) == urlencode([(name, value_token(value)) for name, value in pairs])


@pytest.mark.parametrize("value", ["", " store-007 ", " pos", "pos ", "(none)", "(empty)", "\\x", "\\(none)", " "])
def test_every_string_value_round_trips_through_the_url(value):
    query = drill_query(("optin_subchannel", value))
    view = parse(query)
    assert view.error is None
    assert view.raw == {"type": "equal", "field": "optin_subchannel", "value": value}


def test_empty_string_is_a_filter_distinct_from_no_filter():
    assert parse("optin_subchannel=(empty)").raw == {"type": "equal", "field": "optin_subchannel", "value": ""}
    assert parse("optin_subchannel=").raw is None  # an untouched picker
    assert parse("optin_subchannel=(none)").raw == {"type": "equal", "field": "optin_subchannel", "value": None}


def test_padded_values_are_not_trimmed():
    view = parse("optin_channel=+pos&optin_channel=pos")
    assert view.raw == {"type": "in", "field": "optin_channel", "value": [" pos", "pos"]}


def test_start_after_end_is_an_error_not_an_empty_view():
    view = parse("joined_from=2024-03-01&joined_to=2024-02-01")
    assert view.raw is None
    assert view.error is not None
    assert "2024-03-01" in view.error
    assert "after" in view.error
    assert parse("joined_from=2024-02-01&joined_to=2024-02-01").error is None
