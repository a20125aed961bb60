"""Which dashboard filters the join/leave events answer, and the growth section's URL handling. No database."""

from __future__ import annotations

import pytest

from dashboards.growth import events_filter, field_label
from dashboards.urlfilters import parse_view_filter
from reporting.reports.members import MEMBERS


def view(query: dict[str, list[str]]):
    parsed = parse_view_filter(query, MEMBERS)
    assert parsed.error is None
    return parsed


def test_event_fields_are_applied_and_the_rest_is_listed_not_dropped():
    split = events_filter(
        view(
            {
                "gender": ["woman"],
                "properties.interests": ["running"],
                "age": ["20-24", "25-29"],
                "consents.email_marketing": ["true"],
                "marketing_via_sms": ["true"],
                "joined_from": ["2024-01-01"],
                "city_place_id": ["3143244"],
            }
        )
    )
    assert split.applied == (
        ("gender", "woman"),
        ("age", "20-24"),
        ("age", "25-29"),
        ("consents.email_marketing", "true"),
    )
    assert split.not_applied == ("properties.interests", "marketing_via_sms", "joined_from", "city_place_id")
    assert split.raw == {
        "type": "and",
        "operations": [
            {"type": "equal", "field": "gender", "value": "woman"},
            {"type": "in", "field": "age", "value": ["20-24", "25-29"]},
            {"type": "equal", "field": "consents.email_marketing", "value": True},
        ],
    }
    assert split.history_filter() is None  # several conditions: history cannot answer them together


@pytest.mark.parametrize(
    ("query", "grouping"),
    [
        ({"gender": ["woman"]}, ("gender", "woman")),
        ({"optin_platform": ["ios"]}, ("optin_platform", "ios")),
        ({"gender": ["(none)"]}, ("gender", None)),
    ],
)
def test_one_grouping_with_one_value_becomes_the_history_grouping(query, grouping):
    history = events_filter(view(query)).history_filter()
    assert history == {
        "type": "and",
        "operations": [
            {"type": "equal", "field": "grouping_type", "value": grouping[0]},
            {"type": "equal", "field": "grouping_value", "value": grouping[1]},
        ],
    }


@pytest.mark.parametrize(
    "query",
    [
        {"consents.email_marketing": ["true"]},
        {"gender": ["woman", "man"]},
        {"properties.interests": ["x"]},
        {"age": ["25-29"]},  # members change age bucket without an event: history has no age grouping
        {},
    ],
)
def test_history_answers_nothing_else(query):
    assert events_filter(view(query)).history_filter() is None


def test_no_filter_applies_nothing_and_marks_nothing():
    split = events_filter(view({}))
    assert (split.raw, split.applied, split.not_applied) == (None, (), ())


def test_growth_parameters_are_not_member_filters():
    parsed = parse_view_filter({"period": ["90d"], "from": ["x"], "to": ["y"], "interval": ["1w"]}, MEMBERS)
    assert (parsed.error, parsed.params) == (None, ())


def test_labels():
    assert field_label("properties.interests") == "Interest"
    assert field_label("consents.sms_marketing") == "Consent sms_marketing"
    assert field_label("marketing_via_sms") == "Reachable by SMS"
