"""Every validation error path of the query body, with the exact ``details`` tree (reporting-api.md §1, §4a)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.query.oracle import AGGREGATION_NAMES

ALL_OPS = [
    "and",
    "or",
    "equal",
    "not_equal",
    "greater_than",
    "greater_or_equal_to",
    "less_than",
    "less_or_equal_to",
    "in",
    "not_in",
]
EQUALITY_AND_LISTS = ["equal", "not_equal", "in", "not_in"]
KEY_PATTERN = "^[A-Za-z0-9_]{1,64}$"
BIGINT = {"min": -(2**63), "max": 2**63 - 1}


RECORDS_REPORTS = ["members", "members_count", "members_grouped_count"]
TIMESERIES_REPORTS = ["member_balance", "members_count_snapshot", "members_count_history"]


def e(code: str, **options: Any) -> list[dict[str, Any]]:
    return [{"error": code, "options": options}]


def leaf(op: Any = "equal", field: Any = "gender", value: Any = "woman", **extra: Any) -> dict[str, Any]:
    return {"type": op, "field": field, "value": value, **extra}


def nested(depth: int) -> dict[str, Any]:
    """A chain of ``depth`` nodes: and -> and -> ... -> leaf (the leaf is node number ``depth``)."""
    node: dict[str, Any] = leaf()
    for _ in range(depth - 1):
        node = {"type": "and", "operations": [node]}
    return node


def not_allowed(field: str) -> list[dict[str, Any]]:
    return e("not_allowed", field=field, allowed=EQUALITY_AND_LISTS)


# fmt: off
CASES: list[tuple[str, Any, Any]] = [
    # --- the body and its top-level keys ---
    ("body not an object", [], {"non_field_errors": e("invalid_type", expected="object")}),
    ("report missing", {}, {"report": e("required")}),
    ("report not a string", {"report": 5}, {"report": e("invalid_type", expected="string")}),
    (
        "report unknown",
        {"report": "sendings"},
        {"report": e("invalid_value", allowed=[*RECORDS_REPORTS, *TIMESERIES_REPORTS])},
    ),
    ("extra key", {"report": "members", "fitler": None}, {"fitler": e("unknown")}),
    ("two extra keys", {"report": "members", "a": 1, "b": 2}, {"a": e("unknown"), "b": e("unknown")}),
    ("limit zero", {"report": "members", "limit": 0}, {"limit": e("invalid_value", min=1, max=1000)}),
    ("limit too big", {"report": "members", "limit": 1001}, {"limit": e("invalid_value", min=1, max=1000)}),
    ("limit a string", {"report": "members", "limit": "10"}, {"limit": e("invalid_type", expected="integer")}),
    ("limit a float", {"report": "members", "limit": 10.0}, {"limit": e("invalid_type", expected="integer")}),
    ("limit a boolean", {"report": "members", "limit": True}, {"limit": e("invalid_type", expected="integer")}),
    ("aggregate_by unknown", {"report": "members", "aggregate_by": "place_id_count"},
     {"aggregate_by": e("invalid_value", allowed=list(AGGREGATION_NAMES))}),
    ("aggregate_by of another report", {"report": "members_count", "aggregate_by": "count"},
     {"aggregate_by": e("invalid_value", allowed=["total"])}),
    ("aggregate_by not a string", {"report": "members", "aggregate_by": ["count"]},
     {"aggregate_by": e("invalid_type", expected="string")}),
    # --- filter nodes ---
    ("filter a string", {"report": "members", "filter": "gender = woman"},
     {"filter": e("invalid_type", expected="object")}),
    ("filter a list", {"report": "members", "filter": [leaf()]}, {"filter": e("invalid_type", expected="object")}),
    ("filter without type", {"report": "members", "filter": {}}, {"filter": {"type": e("required")}}),
    ("unknown type", {"report": "members", "filter": leaf("like")},
     {"filter": {"type": e("invalid_value", allowed=ALL_OPS)}}),
    ("type not a string", {"report": "members", "filter": leaf(["equal"])},
     {"filter": {"type": e("invalid_type", expected="string")}}),
    ("leaf without field and value", {"report": "members", "filter": {"type": "equal"}},
     {"filter": {"field": e("required"), "value": e("required")}}),
    ("leaf without value", {"report": "members", "filter": {"type": "equal", "field": "gender"}},
     {"filter": {"value": e("required")}}),
    ("leaf extra key", {"report": "members", "filter": leaf(negate=True)}, {"filter": {"negate": e("unknown")}}),
    ("unknown field", {"report": "members", "filter": leaf(field="sex")}, {"filter": {"field": e("unknown")}}),
    ("field not a string", {"report": "members", "filter": leaf(field=["gender"])},
     {"filter": {"field": e("invalid_type", expected="string")}}),
    ("community_id", {"report": "members", "filter": leaf(field="community_id", value=236)},
     {"filter": {"field": e("not_filterable")}}),
    ("whole properties", {"report": "members", "filter": leaf(field="properties", value="x")},
     {"filter": {"field": e("not_filterable")}}),
    ("whole consents", {"report": "members", "filter": leaf(field="consents", value=True)},
     {"filter": {"field": e("not_filterable")}}),
    ("key of a non-object field", {"report": "members", "filter": leaf(field="gender.x")},
     {"filter": {"field": e("unknown")}}),
    ("key of an unknown field", {"report": "members", "filter": leaf(field="stuff.x")},
     {"filter": {"field": e("unknown")}}),
    ("empty key", {"report": "members", "filter": leaf(field="properties.")},
     {"filter": {"field": e("invalid_value", pattern=KEY_PATTERN)}}),
    ("key with a dash", {"report": "members", "filter": leaf(field="consents.sms-marketing", value=True)},
     {"filter": {"field": e("invalid_value", pattern=KEY_PATTERN)}}),
    ("nested key", {"report": "members", "filter": leaf(field="properties.a.b")},
     {"filter": {"field": e("invalid_value", pattern=KEY_PATTERN)}}),
    ("key of 65 characters", {"report": "members", "filter": leaf(field="properties." + "k" * 65)},
     {"filter": {"field": e("invalid_value", pattern=KEY_PATTERN)}}),
    ("logical without operations", {"report": "members", "filter": {"type": "and"}},
     {"filter": {"operations": e("required")}}),
    ("operations not a list", {"report": "members", "filter": {"type": "or", "operations": leaf()}},
     {"filter": {"operations": e("invalid_type", expected="array")}}),
    ("empty operations", {"report": "members", "filter": {"type": "or", "operations": []}},
     {"filter": {"operations": e("invalid_value", min_items=1)}}),
    ("logical extra key", {"report": "members", "filter": {"type": "and", "operations": [leaf()], "field": "x"}},
     {"filter": {"field": e("unknown")}}),
    ("nested error paths use string indexes",
     {"report": "members", "filter": {"type": "and", "operations": [
         leaf(), {"type": "or", "operations": [leaf(), leaf(field="sex"), leaf("less_than")]}]}},
     {"filter": {"operations": {"1": {"operations": {
         "1": {"field": e("unknown")}, "2": {"type": not_allowed("gender")}}}}}}),
    ("an operation that is not an object", {"report": "members", "filter": {"type": "and", "operations": [leaf(), 5]}},
     {"filter": {"operations": {"1": e("invalid_type", expected="object")}}}),
    # --- comparisons only on integers, timestamps and properties.<key> ---
    *[
        (f"{op} on {field}", {"report": "members", "filter": leaf(op, field, value)},
         {"filter": {"type": not_allowed(field)}})
        for op in ("greater_than", "less_or_equal_to")
        for field, value in (("gender", "a"), ("age", "20-24"), ("marketing_via_sms", True), ("group_ids", 1),
                             ("consents.sms_marketing", True), ("optin_platform", "ios"))
    ],
    # --- value types ---
    ("string field, number", {"report": "members", "filter": leaf(value=5)},
     {"filter": {"value": e("invalid_type", expected="string")}}),
    ("string with NUL", {"report": "members", "filter": leaf(value="wo\x00man")},
     {"filter": {"value": e("invalid_value", reason="contains NUL character")}}),
    ("string too long", {"report": "members", "filter": leaf(value="x" * 1001)},
     {"filter": {"value": e("invalid_value", max_length=1000)}}),
    ("string with a lone surrogate", {"report": "members", "filter": leaf(value="\ud800")},
     {"filter": {"value": e("invalid_value", reason="not valid Unicode text")}}),
    ("enum, invalid value", {"report": "members", "filter": leaf(field="age", value="21-25")},
     {"filter": {"value": e("invalid_value", allowed=["-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
                                                        "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79",
                                                        "80-"])}}),
    ("boolean, string", {"report": "members", "filter": leaf(field="marketing_via_sms", value="true")},
     {"filter": {"value": e("invalid_type", expected="boolean")}}),
    ("integer, string", {"report": "members", "filter": leaf(field="id", value="1")},
     {"filter": {"value": e("invalid_type", expected="integer")}}),
    ("integer, float", {"report": "members", "filter": leaf(field="push_devices", value=1.5)},
     {"filter": {"value": e("invalid_type", expected="integer")}}),
    ("integer, boolean", {"report": "members", "filter": leaf(field="id", value=True)},
     {"filter": {"value": e("invalid_type", expected="integer")}}),
    ("integer out of range", {"report": "members", "filter": leaf("greater_than", "id", 2**63)},
     {"filter": {"value": e("invalid_value", **BIGINT)}}),
    ("timestamp, not a timestamp", {"report": "members", "filter": leaf("less_than", "created_at", "yesterday")},
     {"filter": {"value": e("invalid_value", expected="ISO 8601 timestamp")}}),
    ("timestamp, impossible date", {"report": "members", "filter": leaf("equal", "created_at", "2024-02-30")},
     {"filter": {"value": e("invalid_value", expected="ISO 8601 timestamp")}}),
    ("timestamp, a number", {"report": "members", "filter": leaf("less_than", "created_at", 1712669669)},
     {"filter": {"value": e("invalid_type", expected="timestamp")}}),
    ("comparison with null", {"report": "members", "filter": leaf("less_than", "created_at", None)},
     {"filter": {"value": e("invalid_type", expected="number or timestamp")}}),
    ("array field, a list for equal", {"report": "members", "filter": leaf(field="group_ids", value=[1])},
     {"filter": {"value": e("invalid_type", expected="integer")}}),
    ("consent, string", {"report": "members", "filter": leaf(field="consents.sms_marketing", value="yes")},
     {"filter": {"value": e("invalid_type", expected="boolean")}}),
    ("property, object", {"report": "members", "filter": leaf(field="properties.a", value={"b": 1})},
     {"filter": {"value": e("invalid_type", expected="string, number or boolean")}}),
    ("property, array", {"report": "members", "filter": leaf(field="properties.a", value=[1])},
     {"filter": {"value": e("invalid_type", expected="string, number or boolean")}}),
    ("property comparison, not a timestamp", {"report": "members", "filter": leaf("less_than", "properties.a", "b")},
     {"filter": {"value": e("invalid_value", expected="ISO 8601 timestamp")}}),
    ("property comparison, boolean", {"report": "members", "filter": leaf("less_than", "properties.a", True)},
     {"filter": {"value": e("invalid_type", expected="number")}}),
    # --- in / not_in ---
    ("in, not a list", {"report": "members", "filter": leaf("in", value="woman")},
     {"filter": {"value": e("invalid_type", expected="array")}}),
    ("not_in, empty list", {"report": "members", "filter": leaf("not_in", value=[])},
     {"filter": {"value": e("invalid_value", min_items=1)}}),
    ("in, a bad element", {"report": "members", "filter": leaf("in", value=["woman", None, 3, "man", [1]])},
     {"filter": {"value": {"2": e("invalid_type", expected="string"), "4": e("invalid_type", expected="string")}}}),
    ("in, too many values", {"report": "members", "filter": leaf("in", "id", list(range(1001)))},
     {"filter": {"value": e("too_many", max_items=1000)}}),
    # --- size limits ---
    ("depth 11", {"report": "members", "filter": nested(11)},
     {"filter": {"operations": {"0": {"operations": {"0": {"operations": {"0": {"operations": {"0": {
         "operations": {"0": {"operations": {"0": {"operations": {"0": {"operations": {"0": {"operations": {"0": {
             "operations": {"0": e("too_deep", max_depth=10)}}}}}}}}}}}}}}}}}}}}}),
    ("201 nodes", {"report": "members", "filter": {"type": "or", "operations": [leaf()] * 200}},
     {"filter": e("too_many", max_nodes=200)}),
    # --- several errors at once ---
    ("everything wrong at once",
     {"report": "members", "limit": -1, "aggregate_by": "nope", "extra": 1, "filter": leaf(field="sex")},
     {"limit": e("invalid_value", min=1, max=1000), "aggregate_by": e("invalid_value", allowed=list(AGGREGATION_NAMES)),
      "extra": e("unknown"), "filter": {"field": e("unknown")}}),
]
# fmt: on


@pytest.mark.parametrize(("body", "details"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_errors(api, body, details):
    status, payload, _ = api.query(body)
    assert status == 422, payload
    assert payload == {"error": "Invalid parameters", "details": details}


@pytest.mark.parametrize(
    "body",
    [
        {"report": "members", "filter": nested(10)},
        {"report": "members", "filter": {"type": "or", "operations": [leaf()] * 199}},
        {"report": "members", "filter": leaf("in", "id", list(range(1000)))},
        {"report": "members", "filter": leaf(field="properties." + "k" * 64)},
        {"report": "members", "filter": leaf(value="x" * 1000)},
        {"report": "members", "limit": 1000, "aggregate_by": None, "filter": None, "next_page_info": None},
        {"report": "members", "limit": 1, "page_info": None},
        {"report": "members", "filter": leaf("greater_than", "properties.a", 10**30)},
        {"report": "members", "filter": leaf("greater_than", "properties.a", -1.5e300)},
        {"report": "members", "filter": leaf("equal", "created_at", "2024-04-09T13:34:29.439000+14:00")},
        {"report": "members", "filter": leaf("equal", "id", -(2**63))},
        {"report": "members", "filter": leaf("not_equal", "birth_year_group", -(2**63))},
        {"report": "members", "filter": leaf("less_than", "push_devices", 2**63 - 1)},
    ],
    ids=[
        "depth 10",
        "200 nodes",
        "1000 values",
        "64-character key",
        "1000-character string",
        "every key null",
        "page_info alias",
        "huge number",
        "huge float",
        "far offset",
        "smallest bigint",
        "smallest bigint, not_equal",
        "largest bigint",
    ],
)
def test_limits_themselves_are_accepted(api, body):
    status, payload, _ = api.query(body)
    assert status == 200, payload
    assert payload["result_type"] == "records"


def test_errors_of_the_metadata_endpoints(api):
    status, payload, _ = api.post("/v1/reporting/metadata", {"report": "members", "x": 1})
    assert (status, payload) == (422, {"error": "Invalid parameters", "details": {"x": e("unknown")}})
    status, payload, _ = api.post("/v1/reporting/metadata", {"report": "nope"})
    assert status == 422
    assert payload["details"] == {"report": e("invalid_value", allowed=[*RECORDS_REPORTS, *TIMESERIES_REPORTS])}
    status, payload, _ = api.post("/v1/reporting/field_metadata", {"report": "members"})
    assert (status, payload["details"]) == (422, {"field": e("required")})
    status, payload, _ = api.post("/v1/reporting/field_metadata", {"report": "members", "field": "community_id"})
    assert (status, payload["details"]) == (422, {"field": e("not_filterable")})
    body = {"report": "members", "field": "gender", "limit": 0, "filter": {"type": "or", "operations": []}, "z": 1}
    status, payload, _ = api.post("/v1/reporting/field_metadata", body)
    assert status == 422
    assert payload["details"] == {
        "limit": e("invalid_value", min=1, max=1000),
        "filter": {"operations": e("invalid_value", min_items=1)},
        "z": e("unknown"),
    }
