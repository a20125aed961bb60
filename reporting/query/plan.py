"""SQL statements for a records query: plain rows, or one of the report's aggregations.

Rows come back in a total order (records: the report's ``order_by``; aggregated rows: ``community_id``, then
``members_count`` descending, then the group values ascending with nulls last), which is what makes keyset
pagination exact: the next page starts strictly after the last row's sort keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.query.compiler import compile_filter
from reporting.query.filters import Node
from reporting.query.sql import Fragment, all_of, any_of
from reporting.reports.declarations import Aggregation, FieldType, Report, Source
from reporting.rollups.members_choice import ROLLUP_COUNT, choose_for_aggregation, note_source, rollup_source

# Output timestamps as reporting-api.md §1 wants them: UTC, microseconds, "Z".
_TIMESTAMP_OUTPUT = "to_char(({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


@dataclass(frozen=True)
class SortKey:
    """A column of the result's total order. ``text`` keys sort by code point (``COLLATE "C"``)."""

    column: str
    descending: bool = False
    nullable: bool = False
    text: bool = False

    @property
    def sql(self) -> str:
        # The database's default collation is a deployment detail (C here, en_US elsewhere); the order of
        # group values is part of the API, so it must not change with it.
        return f't."{self.column}" COLLATE "C"' if self.text else f't."{self.column}"'


@dataclass(frozen=True)
class Plan:
    """``body`` selects every row of the result (in ``t``); pages add keyset conditions and a limit."""

    body: Fragment
    columns: tuple[str, ...]
    column_types: tuple[FieldType, ...]
    sort_keys: tuple[SortKey, ...]
    # Records plans sorted by community first can rebuild their body for a subset of the communities.
    body_for: Callable[[Sequence[int]], Fragment] | None = None
    community_ids: tuple[int, ...] = ()

    def page(self, *, after: Sequence[Any] | None, limit: int) -> Fragment:
        if after is not None and self.body_for is not None:
            return self._split_page(after, limit)
        condition = keyset_condition(self.sort_keys, after) if after is not None else Fragment("TRUE")
        return self._ordered(self.body, condition, limit)

    def _ordered(self, body: Fragment, condition: Fragment, limit: int) -> Fragment:
        return (
            Fragment(f"SELECT * FROM ({body.sql}) AS t WHERE ", body.params)
            + condition
            + Fragment(f" ORDER BY {order_by_sql(self.sort_keys)} LIMIT %s", (limit,))
        )

    def _split_page(self, after: Sequence[Any], limit: int) -> Fragment:
        """The rest of the cursor's community, then the later communities from their start.

        One index range per branch: ``(community_id, id) > (c, i)`` together with ``community_id = ANY(…)``
        makes PostgreSQL walk every earlier entry of the index (a deep page cost 100x the first); split like
        this, page 5,000 costs what page 1 does.
        """
        assert self.body_for is not None
        community, rest = after[0], after[1:]
        head_condition = keyset_condition(self.sort_keys[1:], rest) if rest else Fragment("FALSE")
        branches = [self._ordered(self.body_for([community]), head_condition, limit)]
        later = [cid for cid in self.community_ids if cid > community]
        if later:
            branches.append(self._ordered(self.body_for(later), Fragment("TRUE"), limit))
        union = Fragment("(") + branches[0] + Fragment(")")
        if len(branches) > 1:
            union = union + Fragment(" UNION ALL (") + branches[1] + Fragment(")")
        return (
            Fragment("SELECT * FROM (")
            + union
            + Fragment(f") AS t ORDER BY {order_by_sql(self.sort_keys)} LIMIT %s", (limit,))
        )

    def everything(self) -> Fragment:
        """All rows in order, for exports that stream the whole result."""
        return Fragment(
            f"SELECT * FROM ({self.body.sql}) AS t ORDER BY {order_by_sql(self.sort_keys)}", self.body.params
        )


def scope_fragments(
    report: Report, community_ids: Sequence[int], source: Source | None = None
) -> tuple[Fragment, Fragment]:
    ids = list(community_ids)
    source = source or report.source
    return (
        Fragment(source.from_sql, (ids,) * source.from_sql.count("%s")),
        Fragment(source.scope_sql, (ids,) * source.scope_sql.count("%s")),
    )


def scoped_rows(
    report: Report,
    community_ids: Sequence[int],
    condition: Fragment,
    *,
    joins: Fragment | None = None,
    source_override: Source | None = None,
) -> Fragment:
    """``<source> [joins] WHERE <context scope> AND <filter>``: the one place every planner (records, aggregations,
    bundles, field metadata, timeseries) gets its rows from, so none can forget the context. ``joins`` is constant
    SQL from a declaration (an aggregation's lateral unnest), its values parameters. ``source_override`` is a
    rollup with the report's column names (reporting.rollups), read in place of the report's source."""
    source, scope = scope_fragments(report, community_ids, source_override)
    if joins is not None and joins.sql:
        source = source + Fragment(" ") + joins
    return source + Fragment(" WHERE ") + all_of([scope, condition])


def output_sql(expr: str, field_type: FieldType) -> str:
    return _TIMESTAMP_OUTPUT.format(expr=expr) if field_type is FieldType.TIMESTAMP else expr


def records_plan(report: Report, community_ids: Sequence[int], condition: Fragment) -> Plan:
    select = Fragment(_records_select(report))

    def body_for(ids: Sequence[int]) -> Fragment:
        return select + scoped_rows(report, ids, condition)

    by_community_first = report.order_by[0] == "community_id"
    return Plan(
        body=body_for(community_ids),
        columns=tuple(f.name for f in report.fields),
        column_types=tuple(f.type for f in report.fields),
        sort_keys=tuple(_record_sort_key(report, name) for name in report.order_by),
        body_for=body_for if by_community_first else None,
        community_ids=tuple(sorted(community_ids)),
    )


# Report -> its records' select list; built once per declaration (identity: hashing a declaration walks all of it).
_RECORDS_SELECT: dict[int, tuple[Report, str]] = {}


def _records_select(report: Report) -> str:
    """``SELECT <declared columns, formatted>, <sort keys, raw> FROM `` of a records report."""
    cached = _RECORDS_SELECT.get(id(report))
    if cached is not None and cached[0] is report:
        return cached[1]
    selected = ", ".join(f'{output_sql(f.sql, f.type)} AS "{f.name}"' for f in report.fields)
    # Sort keys are also selected raw (prefixed) so that keyset comparisons never touch formatted text.
    raw_keys = ", ".join(f'{report.field_index[name].sql} AS "_k_{name}"' for name in report.order_by)
    sql = f"SELECT {selected}, {raw_keys} FROM "
    _RECORDS_SELECT[id(report)] = (report, sql)
    return sql


def _record_sort_key(report: Report, name: str) -> SortKey:
    field = report.field_index[name]
    text = field.type in (FieldType.STRING, FieldType.ENUM)
    return SortKey(f"_k_{name}", nullable=field.nullable, text=text)


def aggregation_plan(
    report: Report, aggregation: Aggregation, community_ids: Sequence[int], filter_node: Node | None
) -> Plan:
    """The aggregation's rows, from the smallest rollup that keeps every column the aggregation and the filter
    read, else from the report's source (reporting.rollups.members_choice); the choice is recorded."""
    rollup = choose_for_aggregation(report, aggregation, filter_node)
    note_source(rollup)
    source = rollup_source(rollup) if rollup is not None else None
    measure = ROLLUP_COUNT.sql if rollup is not None else aggregation.measure.sql
    condition = compile_filter(filter_node)
    lateral = rollup.lateral if rollup is not None and rollup.lateral else aggregation.lateral
    rows = scoped_rows(report, community_ids, condition, joins=Fragment(lateral), source_override=source)
    community = report.source.community_sql
    columns = [name for name, _ in aggregation.output_fields]
    types = [field_type for _, field_type in aggregation.output_fields]
    if aggregation.every_community:
        inner = (
            Fragment(f"SELECT {community} AS community_id, {measure} AS members_count FROM ")
            + rows
            + Fragment(" GROUP BY 1")
        )
        body = (
            Fragment("SELECT ctx.id AS community_id, COALESCE(a.members_count, 0) AS members_count")
            + Fragment(" FROM unnest(%s::bigint[]) AS ctx(id) LEFT JOIN (", (list(community_ids),))
            + inner
            + Fragment(") AS a ON a.community_id = ctx.id")
        )
    else:
        selected = [f"{community} AS community_id"] if aggregation.per_community else []
        selected += [f'{group.sql} AS "{group.name}"' for group in aggregation.groups]
        selected.append(f"{measure} AS members_count")
        grouped = len(selected) - 1
        group_by = f" GROUP BY {', '.join(str(i) for i in range(1, grouped + 1))}" if grouped else ""
        body = Fragment(f"SELECT {', '.join(selected)} FROM ") + rows + Fragment(group_by)
    sort_keys = [SortKey("community_id")] if aggregation.per_community else []
    if aggregation.per_community or aggregation.groups:
        sort_keys.append(SortKey("members_count", descending=True))
    sort_keys += [
        SortKey(group.name, nullable=True, text=group.type in (FieldType.STRING, FieldType.ENUM))
        for group in aggregation.groups
    ]
    return Plan(body=body, columns=tuple(columns), column_types=tuple(types), sort_keys=tuple(sort_keys))


def order_by_sql(keys: Sequence[SortKey]) -> str:
    if not keys:
        return "1"
    return ", ".join(f"{k.sql} {'DESC' if k.descending else 'ASC NULLS LAST'}" for k in keys)


def keyset_condition(keys: Sequence[SortKey], after: Sequence[Any]) -> Fragment:
    """Rows strictly after ``after`` in the order of ``keys`` (nulls last on ascending keys)."""
    if not keys:
        return Fragment("FALSE")  # a single-row result has no next page
    if all(not k.descending and not k.nullable for k in keys):
        # Row comparison so that PostgreSQL walks the (community_id, id) index from the cursor on.
        columns = ", ".join(k.sql for k in keys)
        return Fragment(f"({columns}) > ({', '.join(['%s'] * len(keys))})", tuple(after))
    branches = []
    for index, key in enumerate(keys):
        equal_before = [_equal(k, v) for k, v in zip(keys[:index], after[:index], strict=True)]
        beyond = _beyond(key, after[index])
        if beyond is not None:
            branches.append(all_of([*equal_before, beyond]))
    return any_of(branches)


def _equal(key: SortKey, value: Any) -> Fragment:
    if value is None:
        return Fragment(f"{key.sql} IS NULL")
    return Fragment(f"{key.sql} = %s", (value,))


def _beyond(key: SortKey, value: Any) -> Fragment | None:
    column = key.sql
    if value is None:
        return None  # nothing sorts after null on an ascending, nulls-last key
    if key.descending:
        return Fragment(f"{column} < %s", (value,))
    if key.nullable:
        return Fragment(f"({column} > %s OR {column} IS NULL)", (value,))
    return Fragment(f"{column} > %s", (value,))
