"""The metadata endpoint against the seed's field and aggregation tables; field metadata against the oracle."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reporting import permits
from tests.query import oracle

OPTIN_PLATFORMS = ["android", "ios", "website", "webforms", "other"]
AGES = [
    "-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-",
]
SMS = ["disabled", "enabled", "verified", "barred"]
EMAIL = ["disabled", "enabled", "verified", "complained", "hard_bounced", "unsubscribed"]
PUSH = ["disabled", "enabled"]
# The seed's field table, in its order: name, type, enum values.
SEED_FIELDS: list[tuple[str, str, list[str] | None]] = [
    ("id", "integer", None),
    ("community_id", "integer", None),
    ("optin_channel", "string", None),
    ("optin_subchannel", "string", None),
    ("optin_platform", "enum", OPTIN_PLATFORMS),
    ("gender", "string", None),
    ("age", "enum", AGES),
    ("birth_year_group", "integer", None),
    ("subunit_ids", "array[integer]", None),
    ("group_ids", "array[integer]", None),
    ("favorite_stores", "array[integer]", None),
    ("properties", "object", None),
    ("consents", "object", None),
    ("marketing_via_sms", "boolean", None),
    ("marketing_via_email", "boolean", None),
    ("marketing_via_push", "boolean", None),
    ("marketing_via_anything", "boolean", None),
    ("sms_status", "enum", SMS),
    ("email_status", "enum", EMAIL),
    ("push_status", "enum", PUSH),
    ("push_devices", "integer", None),
    ("msisdn_country", "string", None),
    ("location_country", "string", None),
    ("city_place_id", "string", None),
    ("place_id", "string", None),
    ("created_at", "timestamp", None),
    ("updated_at", "timestamp", None),
]
GROUP_TYPES = {
    "gender": "string",
    "age": "enum",
    "optin_channel": "string",
    "optin_subchannel": "string",
    "optin_platform": "enum",
    "marketing_via_anything": "boolean",
    "marketing_via_sms": "boolean",
    "marketing_via_email": "boolean",
    "marketing_via_push": "boolean",
    "place_id": "string",
    "city_place_id": "string",
}
LEAF_OPS = [
    "equal",
    "not_equal",
    "greater_than",
    "greater_or_equal_to",
    "less_than",
    "less_or_equal_to",
    "in",
    "not_in",
]
EQUALITY_OPS = ["equal", "not_equal", "in", "not_in"]


def seed_aggregation_fields(name: str) -> list[dict[str, str]]:
    """The seed's "Returned fields" of an aggregation (consents_count per its field table, not its example)."""
    head = [] if name.startswith("total_") else [{"name": "community_id", "type": "integer"}]
    stem = name.removeprefix("total_").removesuffix("_count")
    groups = {
        "": [],
        "consents": [{"name": "consent_key", "type": "string"}, {"name": "consent_value", "type": "boolean"}],
        "interests": [{"name": "interest", "type": "string"}],
        "place": [{"name": "place_id", "type": "string"}],
        "city_place": [{"name": "city_place_id", "type": "string"}],
        "age_gender": [{"name": "age", "type": "enum"}, {"name": "gender", "type": "string"}],  # ours
    }
    if name in ("count", "total_count"):
        middle = []
    elif stem in groups:
        middle = groups[stem]
    else:
        middle = [{"name": stem, "type": GROUP_TYPES[stem]}]
    return [*head, *middle, {"name": "members_count", "type": "integer"}]


def test_members_metadata_matches_the_seed(api):
    status, body, response = api.post("/v1/reporting/metadata", {"report": "members"})
    assert status == 200, body
    assert response["ratelimit-cost"] == "1"
    assert (body["report"], body["result_type"], body["permit"], body["cost"]) == (
        "members",
        "records",
        "Reporting:Api:Report:Members",
        10,
    )
    fields = body["fields"]
    assert [(f["name"], f["type"], f.get("values")) for f in fields] == SEED_FIELDS
    for field in fields:
        assert field["readonly"] is True
        assert field["description"]
        not_filterable = field["name"] in ("community_id", "properties", "consents")
        assert field["filterable"] is (not not_filterable), field["name"]
    by_name = {f["name"]: f for f in fields}
    assert "filter_operations" not in by_name["community_id"]
    for name in ("id", "birth_year_group", "push_devices", "created_at", "updated_at", "properties"):
        assert by_name[name]["filter_operations"] == LEAF_OPS, name
    for name in ("gender", "age", "marketing_via_sms", "group_ids", "consents", "sms_status"):
        assert by_name[name]["filter_operations"] == EQUALITY_OPS, name
    assert by_name["consents"]["keys_filterable"] == "consents.<key>"
    assert by_name["properties"]["keys_filterable"] == "properties.<key>"
    assert [a["name"] for a in body["aggregations"]] == list(oracle.AGGREGATION_NAMES)
    for aggregation in body["aggregations"]:
        assert aggregation["fields"] == seed_aggregation_fields(aggregation["name"]), aggregation["name"]
        assert aggregation["description"].startswith("Fetch ")
    assert body["filter_operations"] == ["and", "or", *LEAF_OPS]


def test_members_count_metadata(api):
    status, body, _ = api.post("/v1/reporting/metadata", {"report": "members_count"})
    assert status == 200
    assert (body["permit"], body["cost"]) == ("Reporting:Api:Report:MembersCount", 2)
    assert [(f["name"], f["type"], f["filterable"]) for f in body["fields"]] == [
        ("community_id", "integer", False),
        ("members_count", "integer", True),
        ("updated_at", "timestamp", True),
    ]
    assert body["aggregations"] == [
        {
            "name": "total",
            "description": body["aggregations"][0]["description"],
            "fields": [{"name": "members_count", "type": "integer"}],
        },
    ]


def test_report_list_shows_only_permitted_reports(api_for):
    client = api_for(permit_list=[permits.QUERY, permits.report_permit("Members")])
    status, body, _ = client.post("/v1/reporting/metadata", {})
    assert status == 200
    assert body == {
        "reports": [
            {"report": "members", "result_type": "records", "permit": "Reporting:Api:Report:Members", "cost": 10}
        ]
    }
    status, body, _ = client.post("/v1/reporting/metadata", {"report": "members_count"})
    assert status == 422
    assert body["details"] == {"report": [{"error": "invalid_value", "options": {"allowed": ["members"]}}]}


# --- field metadata ---


def _null_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def assert_values(values: list[dict[str, Any]], expected: Any, *, exact_order: bool) -> None:
    """``values`` lists exactly the oracle's counts, most frequent first, null last among equals; for plain
    (non-JSON) values ties are in ascending code-point order."""
    keys = [oracle.json_key(v["value"]) for v in values]
    assert len(keys) == len(set(keys)), "a value listed twice"
    assert dict(zip(keys, (v["members_count"] for v in values), strict=True)) == dict(expected)
    counts = [v["members_count"] for v in values]
    assert counts == sorted(counts, reverse=True)
    for before, after in itertools.pairwise(values):
        if before["members_count"] == after["members_count"]:
            assert before["value"] is not None, (before, after)
    if exact_order:
        assert values == sorted(values, key=lambda v: (-v["members_count"], _null_last(v["value"])))


FIELD_CASES = [
    ("gender", "string", True),
    ("optin_channel", "string", True),
    ("age", "enum", True),
    ("marketing_via_sms", "boolean", True),
    ("birth_year_group", "integer", True),
    ("created_at", "timestamp", True),
    ("group_ids", "integer", True),
    ("favorite_stores", "integer", True),
    ("consents.sms_marketing", "boolean", False),
    ("consents.dmp_profiling", "boolean", False),
    ("consents.never_given", "boolean", False),
    ("properties.interests", "dynamic", False),
    ("properties.bonus_points", "dynamic", False),
    ("properties.color", "dynamic", False),
    ("consents", "key", True),
    ("properties", "key", True),
]
FILTER = {"type": "not_equal", "field": "gender", "value": "woman"}


@pytest.mark.parametrize(("field", "value_type", "exact_order"), FIELD_CASES)
def test_field_metadata_equals_the_oracle(api, dataset, field, value_type, exact_order):
    for node in (None, FILTER):
        body = {"report": "members", "field": field, "limit": 1000, "filter": node}
        status, payload, response = api.post("/v1/reporting/field_metadata", body)
        assert status == 200, payload
        assert response["ratelimit-cost"] == "2"
        assert (payload["report"], payload["field"], payload["type"]) == ("members", field, value_type)
        expected = oracle.field_value_counts(dataset.matching(node), field)
        assert_values(payload["values"], expected, exact_order=exact_order)


def test_field_metadata_limit_keeps_the_most_frequent(api, dataset):
    expected = oracle.field_value_counts(dataset.rows, "created_at")
    status, payload, _ = api.post("/v1/reporting/field_metadata", {"report": "members", "field": "created_at"})
    assert status == 200
    assert len(expected) > 100
    assert len(payload["values"]) == 100
    _status, payload, _ = api.post("/v1/reporting/field_metadata", {"report": "members", "field": "gender", "limit": 2})
    top = sorted(expected := oracle.field_value_counts(dataset.rows, "gender"), key=lambda k: -expected[k])
    assert [v["members_count"] for v in payload["values"]] == [expected[k] for k in top[:2]]


def test_field_metadata_sees_only_the_context(api_for, dataset):
    client = api_for("236")
    rows = [r for r in dataset.rows if r["community_id"] == 236]
    status, payload, _ = client.post(
        "/v1/reporting/field_metadata", {"report": "members", "field": "consents", "limit": 1000}
    )
    assert status == 200
    assert_values(payload["values"], oracle.field_value_counts(rows, "consents"), exact_order=True)


def test_the_oracle_has_something_to_compare(dataset):
    interests = oracle.field_value_counts(dataset.rows, "properties.interests")
    assert interests[("null", None)] > 0
    assert interests[("string", "cars")] > 0
    assert interests[("string", "Cars")] > 0
    bonus = oracle.field_value_counts(dataset.rows, "properties.bonus_points")
    assert bonus[("number", 10)] > 0
    assert bonus[("bool", True)] > 0
    assert bonus[("string", "10")] > 0
    assert oracle.field_value_counts(dataset.rows, "consents.never_given") == {("null", None): len(dataset.rows)}
