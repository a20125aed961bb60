"""Several aggregations from one GROUPING SETS scan == each aggregation on its own == the oracle."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.query.bundle import bundle_eligible
from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports.members import MEMBERS
from reporting.rollups import sources_recorded
from reporting.selectors import aggregations_bundle
from tests.query import oracle
from tests.query.dataset import CONTEXT
from tests.query.test_aggregations import FILTERS

BUNDLED = [a.name for a in MEMBERS.aggregations if bundle_eligible(a)]


def test_every_scalar_distribution_can_be_bundled():
    assert len(BUNDLED) == 25  # all 30 but count and the consents and interests pairs
    assert {"total_count", "gender_count", "total_age_gender_count", "marketing_via_push_count"} <= set(BUNDLED)


@pytest.mark.parametrize("node", FILTERS)
def test_bundle_rows_equal_the_oracle_in_one_statement_per_source(dataset, node):
    errors = ErrorTree()
    filter_node = parse_filter(node, MEMBERS, errors)
    assert not errors
    with CaptureQueriesContext(connection) as captured, sources_recorded() as sources:
        rows = aggregations_bundle(community_ids=CONTEXT, report=MEMBERS, filter_node=filter_node, names=BUNDLED)
    # one statement per table that answers (the member table, or each rollup a part of the bundle fits)
    assert len(captured.captured_queries) == len(sources)
    assert all("GROUPING SETS" in query["sql"] for query in captured.captured_queries)
    assert sorted(rows) == sorted(BUNDLED)
    for name in BUNDLED:
        assert rows[name] == oracle.aggregation_rows(name, dataset.matching(node), CONTEXT), (name, node)


def test_without_rollups_the_bundle_is_one_member_scan(dataset, settings):
    settings.REPORTING = {**getattr(settings, "REPORTING", {}), "ROLLUPS": False}
    with CaptureQueriesContext(connection) as captured, sources_recorded() as sources:
        rows = aggregations_bundle(community_ids=CONTEXT, report=MEMBERS, filter_node=None, names=BUNDLED)
    assert len(captured.captured_queries) == 1
    assert sources == ["base"]
    assert rows["total_gender_count"] == oracle.aggregation_rows("total_gender_count", dataset.matching(None), CONTEXT)


def test_bundle_equals_the_api_for_a_subset(api, dataset):
    names = ["total_gender_count", "optin_channel_count", "total_count"]
    rows = aggregations_bundle(community_ids=CONTEXT, report=MEMBERS, filter_node=None, names=names)
    for name in names:
        assert rows[name] == api.walk({"report": "members", "aggregate_by": name, "limit": 7}), name


@pytest.mark.parametrize("name", ["count", "consents_count", "total_interests_count", "no_such_count"])
def test_unbundleable_or_unknown_aggregations_are_refused(db, name):
    with pytest.raises(ValueError, match=name):
        aggregations_bundle(community_ids=CONTEXT, report=MEMBERS, filter_node=None, names=["gender_count", name])
