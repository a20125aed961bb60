"""Every statement on the reporting read path is scoped by community (docs/scale-out.md): what a Citus cluster
distributed by ``community_id`` needs to route a report to the node holding the community instead of asking all.

The statements are captured where every reporting read passes (``reporting.selectors.fetch_tuples``) for every
report's records, each of its aggregations, the aggregation bundle and each filterable field's values. Each
reference to a table that has a ``community_id`` column (found from the models, not listed here) must be
constrained on that column, and the context's community ids must be bound as a parameter."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps

from reporting import selectors
from reporting.query.bundle import bundle_eligible
from reporting.query.filters import FieldRef
from reporting.query.request import parse_records_query
from reporting.query.sql import Fragment
from reporting.reports import all_reports

CONTEXT = [424242]


def _community_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models()
        if any(field.column == "community_id" for field in model._meta.concrete_fields)
    }


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[Fragment]:
    captured: list[Fragment] = []

    def capture(statement: Fragment) -> tuple[list[str], list[tuple[Any, ...]]]:
        captured.append(statement)
        return [], []

    # fetch_rows reads through fetch_tuples, as records pages do directly: every read passes here.
    monkeypatch.setattr(selectors, "fetch_tuples", capture)
    monkeypatch.setattr(selectors, "shape_tuples", lambda *_: [])
    # A source's freshness step (members_grouped_count takes a missing snapshot) writes before the read; it is
    # scoped by the same ids, and is not a read this test captures.
    monkeypatch.setattr(selectors, "prepare_source", lambda **_: None)
    return captured


def _unscoped_references(sql: str, tables: set[str]) -> list[str]:
    problems = []
    for table in tables:
        for match in re.finditer(rf"\b{table}\b(?:\s+AS)?\s+(\w+)", sql, flags=re.IGNORECASE):
            alias = match.group(1)
            if not re.search(rf"\b{alias}\.community_id\s*(=|IN\b)", sql, flags=re.IGNORECASE):
                problems.append(f"{table} AS {alias}")
    return problems


def test_the_members_table_is_recognised_as_distributed() -> None:
    assert {"reporting_member", "reporting_memberevent"} <= _community_tables()


def test_every_records_read_is_scoped_by_community(statements: list[Fragment]) -> None:
    # Records reports; the timeseries statements are built by reporting/query/series.py from the same
    # plan.scoped_rows and are checked by tests/timeseries (a club outside the context never counts).
    for report in [r for r in all_reports() if r.result_type == "records"]:
        selectors.records_page(community_ids=CONTEXT, query=parse_records_query({"report": report.name}, report))
        for aggregation in report.aggregations:
            body = {"report": report.name, "aggregate_by": aggregation.name}
            selectors.records_page(community_ids=CONTEXT, query=parse_records_query(body, report))
        bundled = [a.name for a in report.aggregations if bundle_eligible(a)]
        if bundled:
            selectors.aggregations_bundle(community_ids=CONTEXT, report=report, filter_node=None, names=bundled)
        for field in report.fields:
            if field.filterable and field.keyed is None:
                selectors.field_values(community_ids=CONTEXT, report=report, ref=FieldRef(field, None),
                                       filter_node=None, limit=10)  # fmt: skip
    tables = _community_tables()
    assert len(statements) > 20
    for statement in statements:
        assert _unscoped_references(statement.sql, tables) == [], statement.sql
        assert CONTEXT in [list(p) if isinstance(p, list | tuple) else p for p in statement.params], statement.sql


def test_the_check_finds_an_unscoped_statement() -> None:
    tables = _community_tables()
    assert _unscoped_references("SELECT count(*) FROM reporting_member AS m WHERE m.gender = %s", tables) == [
        "reporting_member AS m"
    ]
    assert _unscoped_references("SELECT 1 FROM reporting_member AS m WHERE m.community_id = ANY(%s)", tables) == []
