"""Fuzzing the query endpoints with arbitrary JSON and raw bytes: never a 5xx, always a documented error shape."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

CODES = {
    "required",
    "unknown",
    "not_filterable",
    "invalid_type",
    "invalid_value",
    "not_allowed",
    "too_deep",
    "too_many",
    "invalid_cursor",
    "too_many_time_points",
}
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ODD = [
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "😀",
    "\u0301",
    "ÆØÅ",
    "'; DROP TABLE reporting_member; --",
    "%s",
    "%(x)s",
    "{}",
    "\\",
    '"',
    "\n",
    "properties.",
    "consents.x",
]
ODD_CHARACTERS = [c for c in ODD if len(c) == 1]
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(ODD_CHARACTERS)), max_size=20) | st.sampled_from(
    ODD
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**300, 0, -1, 1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)

FIELDS = [
    "id",
    "gender",
    "age",
    "created_at",
    "group_ids",
    "community_id",
    "properties",
    "consents",
    "consents.sms_marketing",
    "properties.interests",
    "properties.a-b",
    "members_count",
    "updated_at",
]
OPS = [
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
    "like",
    "AND",
]


def filter_nodes() -> st.SearchStrategy[Any]:
    """Filter-shaped JSON: mostly the right keys with plausible or hostile values, sometimes anything at all."""
    leaf_values = st.one_of(json_values, st.lists(scalars, max_size=5), st.sampled_from(["2024-01-01", "woman"]))
    leaves = st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(OPS) | json_values,
            "field": st.sampled_from(FIELDS) | texts,
            "value": leaf_values,
            "extra": json_values,
        },
    )
    return st.recursive(
        leaves | json_values,
        lambda children: st.fixed_dictionaries(
            {"type": st.sampled_from(["and", "or"]), "operations": st.lists(children, max_size=4) | children}
        ),
        max_leaves=15,
    )


bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"report": st.sampled_from(["members", "members_count", "member_balance", "members_count_history"]) | texts},
        optional={
            "filter": filter_nodes(),
            "aggregate_by": st.sampled_from(["count", "consents_count", "place_count", "total"]) | json_values,
            "limit": st.one_of(numbers, json_values),
            "next_page_info": st.one_of(texts, json_values),
            "page_info": texts,
            "field": st.sampled_from(FIELDS) | texts,
            "interval": st.sampled_from(["auto", "5m", "1h", "1d", "1w", "1mo"]) | json_values,
            "from": st.sampled_from(["2024-03-31", "2024-03-31T01:30:00+05:45", "2023-01-01T00:00"]) | json_values,
            "to": st.sampled_from(["2024-04-01", "2024-10-27T03:00:00Z", "2200-01-01"]) | json_values,
        },
    ),
    st.dictionaries(texts, json_values, max_size=4).map(lambda d: {"report": "members", **d}),
)


ISO_ODDITIES = [
    "0001-01-01",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2024-01-01T24:00:00",
    "2024-01-01T00:00:00.1234567Z",
    " 2024-01-01 ",
    "2024-W01-1",
    "infinity",
    "2024-02-29",
]
timestamps = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.dates().map(str),
    st.sampled_from(ISO_ODDITIES),
)
bigints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
edge_floats = st.sampled_from([1e308, -1e308, 5e-324, -0.0, 0.1, 1.0, 2.5])
TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": bigints,
    "birth_year_group": bigints,
    "push_devices": bigints,
    "group_ids": bigints,
    "subunit_ids": bigints,
    "optin_channel": texts,
    "gender": texts,
    "place_id": texts,
    "age": st.sampled_from(["-14", "20-24", "80-", "15-19"]),
    "optin_platform": st.sampled_from(["ios", "android", "other"]),
    "sms_status": st.sampled_from(["verified", "barred"]),
    "marketing_via_sms": st.booleans(),
    "created_at": timestamps,
    "updated_at": timestamps,
    "consents.sms_marketing": st.booleans(),
    "properties.interests": st.one_of(texts, numbers, edge_floats, st.booleans(), timestamps),
    "properties.bonus_points": st.one_of(numbers, edge_floats, timestamps),
    "properties.x": st.one_of(texts, numbers, edge_floats, timestamps),
}


def near_valid_filters() -> st.SearchStrategy[Any]:
    """Real fields and operations with values of the field's type at their edges: these get through to the SQL."""

    def leaf(field: str) -> st.SearchStrategy[Any]:
        value = st.one_of(st.none(), TYPED_VALUES[field]) if field != "properties.bonus_points" else TYPED_VALUES[field]
        return st.builds(
            lambda op, v: {"type": op, "field": field, "value": [v] if op in ("in", "not_in") else v},
            st.sampled_from(OPS[2:10]),
            value,
        ) | st.builds(
            lambda op, vs: {"type": op, "field": field, "value": vs},
            st.sampled_from(["in", "not_in"]),
            st.lists(value, min_size=1, max_size=5),
        )

    return st.recursive(
        st.one_of([leaf(field) for field in TYPED_VALUES]),
        lambda children: st.builds(
            lambda op, operations: {"type": op, "operations": operations},
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=1, max_size=4),
        ),
        max_leaves=8,
    )


def assert_documented_answer(status: int, payload: Any) -> None:
    assert status in (200, 400, 413, 422), (status, payload)
    if status == 200:
        assert isinstance(payload, dict)
        if "records" in payload:  # query
            assert set(payload) == {"records", "pagination", "result_type"}
            assert payload["result_type"] == "records"
        else:  # metadata, field metadata
            assert {"fields", "aggregations"} <= set(payload) or "values" in payload or "reports" in payload, payload
        return
    assert isinstance(payload, dict), payload
    assert isinstance(payload.get("error"), str), payload
    if status == 422:
        assert set(payload) == {"error", "details"}
        assert payload["error"] == "Invalid parameters"
        _assert_details(payload["details"])
    else:
        assert set(payload) == {"error"}


def _assert_details(node: Any) -> None:
    assert isinstance(node, dict), node
    assert node
    for key, child in node.items():
        assert isinstance(key, str)
        if isinstance(child, list):
            assert child
            for entry in child:
                assert set(entry) == {"error", "options"}, entry
                assert entry["error"] in CODES, entry
                assert isinstance(entry["options"], dict)
        else:
            _assert_details(child)


@FUZZ
@given(body=bodies)
def test_query_never_fails_on_any_json(api, body):
    # Encoded here: the test client would send a bare string body as raw text, not as a JSON string.
    status, payload, _ = api.post("/v1/reporting/query", json.dumps(body))
    event(f"status {status}")
    assert_documented_answer(status, payload)


@FUZZ
@given(
    tree=near_valid_filters(),
    aggregate_by=st.sampled_from([None, "count", "consents_count", "total_interests_count", "place_count"]),
)
def test_query_never_fails_on_near_valid_filters(api, tree, aggregate_by):
    status, payload, _ = api.query({"report": "members", "filter": tree, "aggregate_by": aggregate_by, "limit": 5})
    event(f"status {status}")
    assert_documented_answer(status, payload)
    assert status in (200, 422)


@FUZZ
@given(body=bodies)
def test_field_metadata_never_fails_on_any_json(api, body):
    status, payload, _ = api.post("/v1/reporting/field_metadata", json.dumps(body))
    assert_documented_answer(status, payload)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_metadata_never_fails_on_any_json(api, body):
    status, payload, _ = api.post("/v1/reporting/metadata", json.dumps(body))
    assert_documented_answer(status, payload)


RAW = [
    b"",  # no body: an empty object, so "report" is required
    b"{",
    b"\xff\xfe{}",
    b'{"report": "members", "limit": 1e999}',
    b'{"report": "members", "limit": NaN}',
    b'{"report": "members", "filter": {"type": "equal", "field": "id", "value": Infinity}}',
    b'{"report": "members", "limit": ' + b"9" * 5000 + b"}",
    b'{"report": "members\x00"}',
    b'{"report": "members", "\\u0000": 1}',
    b'{"report": "members", "\\ud800": 1}',
    b'{"report": "members", "filter": {"type": "equal", "field": "gender", "value": "\\ud800"}}',
    b'{"report": "members", "filter": {"type": "equal", "field": "properties.a", "value": "\\udfff"}}',
    b'{"report": "members", "filter": {"type": "equal", "field": "gender", "value": "\\u0000"}}',
    b'{"report": "members", "filter": {"type": "equal", "field": "gender", "value": "x", "\\ud800": 1}}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"report": "members", "filter": ' + b'{"type": "and", "operations": [' * 400 + b"{}" + b"]}" * 400 + b"}",
    b'{"report": "members", "filter": ' + b'{"type": "and", "operations": [' * 5000 + b"{}" + b"]}" * 5000 + b"}",
    b'{"report": "members", "report": 5}',
    b'"members"',
    b"null",
]


def test_raw_bodies(api):
    for raw in RAW:
        response = api.client.post(
            "/v1/reporting/query", data=raw, content_type="application/json", headers=api.headers()
        )
        payload = json.loads(response.content) if response.content else None
        assert_documented_answer(response.status_code, payload)


def test_a_body_over_one_mebibyte_is_413(api):
    raw = json.dumps({"report": "members", "filter": {"type": "in", "field": "gender", "value": ["x" * 1000] * 1100}})
    status, payload, _ = api.query(raw)
    assert (status, payload) == (413, {"error": "Request body too large (limit 1048576 bytes)"})
