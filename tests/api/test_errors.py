"""The error contract of reporting-api.md §1: shapes and status codes for bad input, never a 500."""

from __future__ import annotations

import json

import pytest

from reporting.models import Member

QUERY = "/v1/reporting/query"


def raw_post(api, data, content_type="application/json"):
    response = api.client.post(QUERY, data=data, content_type=content_type, headers=api.headers())
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    "data",
    [b'{"report": "members"', b"{'report': 'members'}", b'{"limit": NaN}', b'{"limit": Infinity}', b"\xff\xfe{}"],
    ids=["truncated", "single-quotes", "nan", "infinity", "not-utf8"],
)
def test_malformed_json_is_400(api, data):
    status, body = raw_post(api, data)
    assert status == 400
    assert body["error"].startswith("Malformed JSON: ")


def test_deeply_nested_json_is_400_not_500(api):
    status, body = raw_post(api, b"[" * 100_000 + b"]" * 100_000)
    assert status in (400, 413)
    assert "error" in body


def test_body_is_json_whatever_the_content_type(api, insert_members):
    insert_members([{"id": 1}])
    status, body = raw_post(api, json.dumps({"report": "members"}), content_type="application/x-www-form-urlencoded")
    assert status == 200
    assert [r["id"] for r in body["records"]] == [1]


def test_body_over_one_mebibyte_is_413(api):
    padding = "x" * (1024 * 1024)
    status, body = raw_post(api, json.dumps({"report": "members", "pad": padding}))
    assert status == 413
    assert set(body) == {"error"}


def test_body_just_under_the_limit_is_read(api):
    padding = "x" * (1024 * 1024 - 100)
    status, body = raw_post(api, json.dumps({"report": "members", "pad": padding}))
    assert status == 422
    assert body["details"] == {"pad": [{"error": "unknown", "options": {}}]}


# reporting-api.md §5, in the order the registry declares them.
REPORT_NAMES = [
    "members",
    "members_count",
    "members_grouped_count",
    "member_balance",
    "members_count_snapshot",
    "members_count_history",
]


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ([], {"non_field_errors": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        ({}, {"report": [{"error": "required", "options": {}}]}),
        ({"report": 5}, {"report": [{"error": "invalid_type", "options": {"expected": "string"}}]}),
        (
            {"report": "sendings"},
            {"report": [{"error": "invalid_value", "options": {"allowed": REPORT_NAMES}}]},
        ),
        ({"report": "members", "limit": 0}, {"limit": [{"error": "invalid_value", "options": {"min": 1, "max": 1000}}]}),
        ({"report": "members", "limit": 1001}, {"limit": [{"error": "invalid_value", "options": {"min": 1, "max": 1000}}]}),
        ({"report": "members", "limit": "5"}, {"limit": [{"error": "invalid_type", "options": {"expected": "integer"}}]}),
        ({"report": "members", "limit": True}, {"limit": [{"error": "invalid_type", "options": {"expected": "integer"}}]}),
        ({"report": "members", "aggregate_by": 3}, {"aggregate_by": [{"error": "invalid_type", "options": {"expected": "string"}}]}),
        ({"report": "members", "next_page_info": "garbage"}, {"next_page_info": [{"error": "invalid_cursor", "options": {}}]}),
        ({"report": "members", "page_info": 7}, {"page_info": [{"error": "invalid_cursor", "options": {}}]}),
        ({"report": "members", "colour": "red"}, {"colour": [{"error": "unknown", "options": {}}]}),
    ],
)  # fmt: skip
def test_invalid_parameters_are_422_with_details(api, body, details):
    status, payload, _ = api.query(body)
    assert status == 422
    assert payload == {"error": "Invalid parameters", "details": details}


def test_unknown_aggregation_lists_the_allowed_ones(api):
    status, payload, _ = api.query({"report": "members", "aggregate_by": "shoe_size_count"})
    assert status == 422
    allowed = payload["details"]["aggregate_by"][0]["options"]["allowed"]
    assert len(allowed) == 30  # the seed's 22, our reachability per channel and age x gender
    assert {"gender_count", "total_interests_count", "total_age_gender_count"} <= set(allowed)


def test_several_errors_are_reported_together(api):
    status, payload, _ = api.query({"report": "members", "limit": -1, "aggregate_by": "nope", "x": 1})
    assert status == 422
    assert set(payload["details"]) == {"limit", "aggregate_by", "x"}


def test_wrong_method_is_405_with_error_shape(api):
    status, payload, response = api.get(QUERY)
    assert status == 405
    assert set(payload) == {"error"}
    assert "POST" in response["Allow"]


def test_bad_input_never_changes_stored_rows(api, insert_members):
    insert_members([{"id": 1}, {"id": 2}])
    before = list(Member.objects.order_by("id").values())
    for body in ({"report": "members", "filter": {"type": "equal", "field": "id", "value": "1; DROP TABLE x"}},
                 {"report": "members", "filter": {"type": "equal", "field": "gender", "value": "x'); DELETE--"}}):  # fmt: skip
        api.query(body)
    assert list(Member.objects.order_by("id").values()) == before
