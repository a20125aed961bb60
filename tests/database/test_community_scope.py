"""Every statement on the reporting read path is scoped by community (docs/scale-out.md): what a Citus cluster
distributed by ``community_id`` needs to route a report to the node holding the community instead of asking all.

The statements are captured where every reporting read passes (``reporting.selectors.fetch_tuples``) for every
report's records, each of its aggregations (unfiltered, filtered on a field the rollups keep and on one they do
not, so both the rollup and the base path run), the aggregation bundle and each filterable field's values; the
timeseries paths (members and event rollups, snapshots) run for real on the empty test database with every
statement recorded. Each reference to a table that has a ``community_id`` column must be constrained on that
column, and the context's community ids must be bound as a parameter. The tables are found in
information_schema, not from the models and not listed here: rollup tables made by raw SQL in a migration (member
rollups, cohort tables) are covered as soon as they exist."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections

from reporting import selectors
from reporting.context import Context
from reporting.query.bundle import bundle_eligible
from reporting.query.filters import FieldRef
from reporting.query.request import parse_records_query
from reporting.query.series import series_envelope
from reporting.query.series_request import parse_series_query
from reporting.query.sql import Fragment
from reporting.reports import all_reports

CONTEXT = [424242]
# Filters over a field every member rollup keeps (gender is in audience and profile) and one none keeps.
ROLLUP_COVERED = {"type": "equal", "field": "gender", "value": "man"}
NOT_COVERED = {"type": "equal", "field": "id", "value": 1}


def _model_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models()
        if any(field.column == "community_id" for field in model._meta.concrete_fields)
    }


def _community_tables() -> set[str]:
    """Every table of the database with a ``community_id`` column, whoever made it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.columns AS c JOIN information_schema.tables AS t"
            " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = current_schema() AND c.column_name = 'community_id'"
            " AND t.table_type = 'BASE TABLE'"
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[Fragment]:
    captured: list[Fragment] = []

    def capture(statement: Fragment) -> tuple[list[str], list[tuple[Any, ...]]]:
        captured.append(statement)
        return [], []

    # fetch_rows reads through fetch_tuples, as records pages do directly: every read passes here.
    monkeypatch.setattr(selectors, "fetch_tuples", capture)
    monkeypatch.setattr(selectors, "shape_tuples", lambda *_, **__: [])
    # A source's freshness step (members_grouped_count takes a missing snapshot) writes before the read; it is
    # scoped by the same ids, and is not a read this test captures.
    monkeypatch.setattr(selectors, "prepare_source", lambda **_: None)
    return captured


def _scoped(alias: str, sql: str) -> bool:
    return re.search(rf"\b{alias}\.community_id\s*(=|IN\b)", sql, flags=re.IGNORECASE) is not None


def _enclosing_aliases(sql: str, position: int) -> list[str]:
    """The aliases of the derived tables ``( ... ) AS alias`` around ``position``, innermost first."""
    aliases, depth = [], 0
    for start in range(position - 1, -1, -1):
        if sql[start] == ")":
            depth += 1
        elif sql[start] == "(":
            if depth:
                depth -= 1
                continue
            end, inner = start + 1, 1
            while end < len(sql) and inner:
                inner += {"(": 1, ")": -1}.get(sql[end], 0)
                end += 1
            following = re.match(r"\s*(?:AS\s+)?(\w+)", sql[end:], flags=re.IGNORECASE)
            if following and following.group(1).upper() not in {"UNION", "WHERE", "GROUP", "ORDER", "ON", "AND"}:
                aliases.append(following.group(1))
    return aliases


def _unscoped_references(sql: str, tables: set[str]) -> list[str]:
    """References to a community table constrained neither by their own alias nor by the alias of a derived
    table around them (``(SELECT … FROM t AS e UNION ALL …) AS m WHERE m.community_id = ANY(%s)``: PostgreSQL
    pushes that condition into every branch, as the history report's per-grouping union relies on)."""
    problems = []
    for table in tables:
        for match in re.finditer(rf"\b{table}\b(?:\s+AS)?\s+(\w+)", sql, flags=re.IGNORECASE):
            alias = match.group(1)
            if not any(_scoped(name, sql) for name in (alias, *_enclosing_aliases(sql, match.start()))):
                problems.append(f"{table} AS {alias}")
    return problems


def _assert_scoped(sql: str, params: Any, tables: set[str]) -> None:
    assert _unscoped_references(sql, tables) == [], sql
    values = params.values() if isinstance(params, dict) else params or ()
    assert CONTEXT in [list(p) if isinstance(p, list | tuple) else p for p in values], sql


@pytest.mark.django_db
def test_every_table_with_a_community_column_is_found() -> None:
    tables = _community_tables()
    assert {"reporting_member", "reporting_memberevent", "reporting_eventdailyrollup"} <= tables
    assert _model_tables() <= tables
    # The member rollups have no model: found from the database alone.
    assert {t for t in tables if t.startswith("reporting_rollup_member_")} >= {
        "reporting_rollup_member_audience", "reporting_rollup_member_interests", "reporting_rollup_member_profile",
    }  # fmt: skip


@pytest.mark.django_db
def test_every_records_read_is_scoped_by_community(statements: list[Fragment]) -> None:
    # Records reports; the timeseries statements are built by reporting/query/series.py from the same
    # plan.scoped_rows and are checked by tests/timeseries (a club outside the context never counts).
    for report in [r for r in all_reports() if r.result_type == "records"]:
        selectors.records_page(community_ids=CONTEXT, query=parse_records_query({"report": report.name}, report))
        for aggregation in report.aggregations:
            for node in (None, ROLLUP_COVERED, NOT_COVERED):
                if node is not None and not {"gender", "id"} <= {f.name for f in report.fields if f.filterable}:
                    continue
                body = {"report": report.name, "aggregate_by": aggregation.name, "filter": node}
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
    read = {table for statement in statements for table in tables if re.search(rf"\b{table}\b", statement.sql)}
    # Both paths ran: the member table and the rollups (the planner answers unfiltered counts from them).
    assert "reporting_member" in read
    assert any(table.startswith("reporting_rollup_member_") for table in read), read
    for statement in statements:
        _assert_scoped(statement.sql, statement.params, tables)


@pytest.mark.django_db
def test_every_timeseries_statement_is_scoped_by_community() -> None:
    """Every statement a timeseries runs (zone ranges, a snapshot taken first, the points from the base tables or
    the daily event rollup), recorded on every connection as it reaches the database."""
    context = Context(tuple(CONTEXT), ("Europe/Oslo",))
    executed: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append((sql, params))
        return execute(sql, params, many, context)

    tables = _community_tables()
    with contextlib.ExitStack() as stack:
        for each in connections.all():
            stack.enter_context(each.execute_wrapper(record))
        for report in [r for r in all_reports() if r.result_type == "timeseries"]:
            filterable = {f.name for f in report.fields if f.filterable}
            for aggregation in (None, *(a.name for a in report.aggregations)):
                for interval in [i for i in ("1d", "1w") if i in report.intervals]:
                    for node in (None, ROLLUP_COVERED) if "gender" in filterable else (None,):
                        body = {"report": report.name, "aggregate_by": aggregation, "interval": interval,
                                "from": "2024-01-01", "to": "2024-03-01", "filter": node}  # fmt: skip
                        series_envelope(context=context, query=parse_series_query(body, report, context=context))
    touching = [(sql, params) for sql, params in executed if any(re.search(rf"\b{t}\b", sql) for t in tables)]
    read = {table for sql, _ in touching for table in tables if re.search(rf"\b{table}\b", sql)}
    assert {"reporting_memberevent", "reporting_eventdailyrollup"} <= read, read
    for sql, params in touching:
        _assert_scoped(sql, params, tables)


@pytest.mark.django_db
def test_the_check_finds_an_unscoped_statement() -> None:
    tables = _community_tables()
    assert _unscoped_references("SELECT count(*) FROM reporting_member AS m WHERE m.gender = %s", tables) == [
        "reporting_member AS m"
    ]
    assert _unscoped_references("SELECT 1 FROM reporting_member AS m WHERE m.community_id = ANY(%s)", tables) == []
    union = "SELECT 1 FROM (SELECT e.community_id FROM {t} AS e UNION ALL SELECT e.community_id FROM {t} AS e) AS m"
    assert _unscoped_references(union.format(t="reporting_memberevent"), tables) == ["reporting_memberevent AS e"] * 2
    scoped = union.format(t="reporting_eventdailyrollup") + " WHERE (m.community_id = ANY(%s))"
    assert _unscoped_references(scoped, tables) == []
    # A rollup table made by a migration's raw SQL, with no model, is checked like any other.
    assert _unscoped_references("SELECT sum(r.members_count) FROM reporting_rollup_member_audience AS r", tables) == [
        "reporting_rollup_member_audience AS r"
    ]
