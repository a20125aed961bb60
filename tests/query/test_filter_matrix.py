"""Every leaf operation x every field kind x null / non-null values: the API's ids == the oracle's ids.

Each test walks one field through all its operations and values and reports every disagreement at once, so a
failure shows the whole pattern (e.g. "not_equal misses null rows") rather than the first case.
"""

from __future__ import annotations

import random
from itertools import combinations
from typing import Any

import pytest

from tests.query import dataset as ds

EQUALITY = ("equal", "not_equal")
COMPARISON = ("greater_than", "greater_or_equal_to", "less_than", "less_or_equal_to")
LISTS = ("in", "not_in")


def list_values(pool: list[Any]) -> list[list[Any]]:
    """Single values, pairs (null included) and the whole pool: enough to exercise any/none and null handling."""
    singles = [[v] for v in pool]
    every_pair = list(combinations(pool, 2))
    pairs = [list(pair) for pair in random.Random(len(pool)).sample(every_pair, min(10, len(every_pair)))]
    with_null = [[v, None] for v in pool if v is not None][:3]
    return [*singles, *pairs, *with_null, list(pool)]


def cases(field: str, pool: list[Any], *, comparable: bool, comparison_pool: list[Any] | None = None) -> list[dict]:
    nodes = [{"type": op, "field": field, "value": v} for op in EQUALITY for v in pool]
    nodes += [{"type": op, "field": field, "value": vs} for op in LISTS for vs in list_values(pool)]
    if comparable:
        values = comparison_pool if comparison_pool is not None else [v for v in pool if v is not None]
        nodes += [{"type": op, "field": field, "value": v} for op in COMPARISON for v in values]
    return nodes


def check(api: Any, dataset: Any, nodes: list[dict[str, Any]]) -> None:
    failures = []
    for node in nodes:
        status, body, _ = api.query({"report": "members", "filter": node, "limit": 1000})
        if status != 200:
            failures.append((node, status, body))
            continue
        assert body["pagination"]["next_page_info"] is None  # the whole context fits in one page
        got = [record["id"] for record in body["records"]]
        expected = dataset.ids(node)
        if got != expected:
            failures.append((node, sorted(set(got) - set(expected))[:5], sorted(set(expected) - set(got))[:5]))
    assert not failures, f"{len(failures)}/{len(nodes)} cases disagree (node, extra, missing): {failures[:10]}"


def test_the_matrix_is_not_vacuous(dataset):
    """Each kind of value the matrix relies on exists in the data: nulls, missing keys, empty arrays, mixed types."""
    rows = dataset.rows
    assert any(r["gender"] is None for r in rows)
    assert any(r["gender"] == "" or r["optin_channel"] == "" for r in rows)
    assert any(r["age"] is None for r in rows)
    assert any(r["birth_year_group"] is None for r in rows)
    assert any(r["group_ids"] == [] for r in rows)
    assert any(len(r["group_ids"]) > 1 for r in rows)
    assert any("dmp_profiling" not in r["consents"] for r in rows)
    assert any(r["consents"].get("dmp_profiling") == "yes" for r in rows)
    kinds = {type(r["properties"].get("bonus_points")).__name__ for r in rows if "bonus_points" in r["properties"]}
    assert kinds >= {"int", "float", "str", "list", "bool", "NoneType"}
    assert any(
        r["properties"].get("bonus_points") == 10.0 and isinstance(r["properties"]["bonus_points"], float) for r in rows
    )
    assert {235, 236} == {r["community_id"] for r in rows}


@pytest.mark.parametrize("field", ds.STRING_FIELDS)
def test_string_fields(api, dataset, field):
    check(api, dataset, cases(field, ds.scalar_pool(field, dataset.rows), comparable=False))


@pytest.mark.parametrize("field", sorted(ds.ENUM_FIELDS))
def test_enum_fields(api, dataset, field):
    check(api, dataset, cases(field, ds.scalar_pool(field, dataset.rows), comparable=False))


@pytest.mark.parametrize("field", ds.BOOLEAN_FIELDS)
def test_boolean_fields(api, dataset, field):
    check(api, dataset, cases(field, ds.scalar_pool(field, dataset.rows), comparable=False))


@pytest.mark.parametrize("field", ds.INTEGER_FIELDS)
def test_integer_fields(api, dataset, field):
    check(api, dataset, cases(field, ds.scalar_pool(field, dataset.rows), comparable=True))


@pytest.mark.parametrize("field", ds.TIMESTAMP_FIELDS)
def test_timestamp_fields(api, dataset, field):
    pool = ds.scalar_pool(field, dataset.rows)
    # Exact instants of rows, written with and without offsets, so that equality can hit.
    exact = [r[field] for r in dataset.rows[:3]]
    pool += [value.isoformat() for value in exact] + [value.strftime("%Y-%m-%dT%H:%M:%S.%f") for value in exact]
    check(api, dataset, cases(field, pool, comparable=True))


@pytest.mark.parametrize("field", ds.ARRAY_FIELDS)
def test_array_fields(api, dataset, field):
    check(api, dataset, cases(field, ds.scalar_pool(field, dataset.rows), comparable=False))


@pytest.mark.parametrize("key", ds.CONSENT_KEYS)
def test_consent_keys(api, dataset, key):
    check(api, dataset, cases(f"consents.{key}", ds.consent_pool(), comparable=False))


@pytest.mark.parametrize("key", ds.PROPERTY_KEYS)
def test_property_keys(api, dataset, key):
    nodes = cases(
        f"properties.{key}",
        ds.property_equality_pool(),
        comparable=True,
        comparison_pool=ds.property_comparison_pool(),
    )
    check(api, dataset, nodes)


def test_nested_trees(api, dataset):
    leaf_a: dict[str, Any] = {"type": "equal", "field": "gender", "value": "woman"}
    leaf_b: dict[str, Any] = {"type": "not_equal", "field": "age", "value": None}
    leaf_c: dict[str, Any] = {"type": "in", "field": "group_ids", "value": [1, 2]}
    leaf_d: dict[str, Any] = {"type": "equal", "field": "consents.sms_marketing", "value": True}
    leaf_e: dict[str, Any] = {"type": "greater_than", "field": "properties.bonus_points", "value": 1}
    leaf_f: dict[str, Any] = {"type": "less_than", "field": "created_at", "value": "2024-01-01"}
    nodes: list[dict[str, Any]] = [
        {"type": "and", "operations": [leaf_a]},
        {"type": "or", "operations": [leaf_a]},
        {"type": "and", "operations": [leaf_a, leaf_b]},
        {"type": "or", "operations": [leaf_a, leaf_b, leaf_c]},
        {"type": "and", "operations": [{"type": "or", "operations": [leaf_a, leaf_d]}, leaf_c]},
        {"type": "or", "operations": [{"type": "and", "operations": [leaf_e, leaf_f]}, leaf_d]},
        {
            "type": "and",
            "operations": [
                {"type": "or", "operations": [leaf_a, {"type": "and", "operations": [leaf_b, leaf_c]}]},
                {"type": "or", "operations": [leaf_e, {"type": "not_in", "field": "optin_channel", "value": [None]}]},
            ],
        },
        {"type": "and", "operations": [leaf_a, {"type": "not_equal", "field": "gender", "value": "woman"}]},  # empty
        {"type": "or", "operations": [leaf_a, {"type": "not_equal", "field": "gender", "value": "woman"}]},  # all
    ]
    check(api, dataset, nodes)
    status, body, _ = api.query({"report": "members", "filter": nodes[-2], "limit": 1000})
    assert status == 200
    assert body["records"] == []
    status, body, _ = api.query({"report": "members", "filter": nodes[-1], "limit": 1000})
    assert len(body["records"]) == len(dataset.rows)


def test_records_equal_the_table(api, dataset):
    """Unfiltered records: every field of every row as the table holds it, timestamps in the output format."""
    from tests.query import oracle

    records = api.walk({"report": "members", "limit": 1000})
    expected = []
    for row in oracle.record_order(dataset.rows):
        expected.append(
            {
                **row,
                "created_at": oracle.format_timestamp(row["created_at"]),
                "updated_at": oracle.format_timestamp(row["updated_at"]),
            }
        )
    assert records == expected
    assert list(records[0]) == list(oracle.MEMBER_COLUMNS)  # declared field order
    assert records[0]["created_at"].endswith("Z")
    assert len(records[0]["created_at"]) == 27
