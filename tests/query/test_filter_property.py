"""Property test: random valid filter trees over the awkward data set; the API's ids == the oracle's ids."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query import dataset as ds

OPS_EQ = ("equal", "not_equal")
OPS_CMP = ("greater_than", "greater_or_equal_to", "less_than", "less_or_equal_to")
OPS_LIST = ("in", "not_in")


def _leaf(field: str, pool: list[Any], comparison_pool: list[Any] | None) -> st.SearchStrategy[dict[str, Any]]:
    value = st.sampled_from(pool)
    options = [
        st.builds(lambda op, v: {"type": op, "field": field, "value": v}, st.sampled_from(OPS_EQ), value),
        st.builds(
            lambda op, vs: {"type": op, "field": field, "value": vs},
            st.sampled_from(OPS_LIST),
            st.lists(value, min_size=1, max_size=4),
        ),
    ]
    if comparison_pool:
        options.append(
            st.builds(
                lambda op, v: {"type": op, "field": field, "value": v},
                st.sampled_from(OPS_CMP),
                st.sampled_from(comparison_pool),
            )
        )
    return st.one_of(options)


def leaves(rows: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    options = []
    for field in (*ds.STRING_FIELDS, *ds.ENUM_FIELDS, *ds.BOOLEAN_FIELDS, *ds.ARRAY_FIELDS):
        options.append(_leaf(field, ds.scalar_pool(field, rows), None))
    for field in (*ds.INTEGER_FIELDS, *ds.TIMESTAMP_FIELDS):
        pool = ds.scalar_pool(field, rows)
        options.append(_leaf(field, pool, [v for v in pool if v is not None]))
    for key in ds.CONSENT_KEYS:
        options.append(_leaf(f"consents.{key}", ds.consent_pool(), None))
    for key in ds.PROPERTY_KEYS:
        options.append(_leaf(f"properties.{key}", ds.property_equality_pool(), ds.property_comparison_pool()))
    return st.one_of(options)


def trees(rows: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves(rows),
        lambda children: st.builds(
            lambda op, operations: {"type": op, "operations": operations},
            st.sampled_from(("and", "or")),
            st.lists(children, min_size=1, max_size=4),
        ),
        max_leaves=12,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_filter_trees_match_the_oracle(api, dataset, data):
    tree = data.draw(trees(dataset.rows), label="filter")
    status, body, _ = api.query({"report": "members", "filter": tree, "limit": 1000})
    assert status == 200, body
    assert [record["id"] for record in body["records"]] == dataset.ids(tree)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_trees_with_small_pages_walk_to_the_same_ids(api, dataset, data):
    tree = data.draw(trees(dataset.rows), label="filter")
    limit = data.draw(st.integers(min_value=13, max_value=80), label="limit")
    records = api.walk({"report": "members", "filter": tree, "limit": limit})
    assert [record["id"] for record in records] == dataset.ids(tree)
