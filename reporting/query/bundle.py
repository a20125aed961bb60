"""Several aggregations of one report computed in one scan (``GROUPING SETS``), for in-process readers.

A dashboard shows a dozen distributions of the same members; one statement that groups the filtered rows a
dozen ways costs about what one distribution costs. Each aggregation's rows are exactly what a records query
with ``aggregate_by`` returns (same declaration, same filter SQL, same order; tests/query/test_bundle.py holds
it to the oracle). Aggregations that unnest members (consents, interests) or list every community are not
bundled: they run on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reporting.query.plan import scoped_rows
from reporting.query.sql import Fragment
from reporting.reports.declarations import COUNT, Aggregation, Report, Source

COMMUNITY = "community_id"


def bundle_eligible(aggregation: Aggregation) -> bool:
    return not aggregation.lateral and not aggregation.every_community and aggregation.measure is COUNT


@dataclass(frozen=True)
class Bundle:
    statement: Fragment
    columns: tuple[str, ...]
    masks: dict[str, int]  # aggregation name -> GROUPING() value of its rows
    aggregations: tuple[Aggregation, ...]

    def split(self, rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Each aggregation's rows, in the order and shape the API gives them."""
        by_mask: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            by_mask.setdefault(row["_set"], []).append(row)
        result = {}
        for aggregation in self.aggregations:
            names = [name for name, _ in aggregation.output_fields]
            shaped = [{name: row[name] for name in names} for row in by_mask.get(self.masks[aggregation.name], [])]
            shaped.sort(key=_order_key(aggregation))
            result[aggregation.name] = shaped
        return result


def _order_key(aggregation: Aggregation) -> Any:
    groups = [group.name for group in aggregation.groups]

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        head = (row[COMMUNITY],) if aggregation.per_community else ()
        # Nulls last; Python orders text by code point, as the SQL does with COLLATE "C".
        return (*head, -row["members_count"], *((row[g] is None, row[g]) for g in groups))

    return key


def bundle(
    report: Report,
    aggregations: Sequence[Aggregation],
    community_ids: Sequence[int],
    condition: Fragment,
    *,
    source: Source | None = None,
    measure_sql: str = COUNT.sql,
) -> Bundle:
    """One statement for ``aggregations`` over the report's source, or over ``source`` (a rollup whose rows
    are counted by ``measure_sql``)."""
    columns: dict[str, str] = {}
    for aggregation in aggregations:
        if not bundle_eligible(aggregation):
            raise ValueError(f"{aggregation.name} cannot be bundled")
        if aggregation.per_community:
            columns.setdefault(COMMUNITY, report.source.community_sql)
        for group in aggregation.groups:
            if columns.setdefault(group.name, group.sql) != group.sql:
                raise ValueError(f"{group.name} means two things in this bundle")
    names = list(columns)
    masks: dict[str, int] = {}
    sets: dict[int, list[str]] = {}
    for aggregation in aggregations:
        members = ([COMMUNITY] if aggregation.per_community else []) + [g.name for g in aggregation.groups]
        # GROUPING(a, b, c): bit 2 for a, 1 for b, 0 for c, set when the column is NOT grouped.
        mask = sum(1 << (len(names) - 1 - i) for i, name in enumerate(names) if name not in members)
        masks[aggregation.name] = mask
        sets.setdefault(mask, members)
    grouping = f"GROUPING({', '.join(columns[n] for n in names)})" if names else "0"
    selected = ", ".join([f'{grouping} AS "_set"', *(f'{columns[n]} AS "{n}"' for n in names)])
    grouping_sets = ", ".join("(" + ", ".join(columns[n] for n in members) + ")" for members in sets.values())
    statement = (
        Fragment(f"SELECT {selected}, {measure_sql} AS members_count FROM ")
        + scoped_rows(report, community_ids, condition, source_override=source)
        + Fragment(f" GROUP BY GROUPING SETS ({grouping_sets})")
    )
    return Bundle(statement=statement, columns=tuple(names), masks=masks, aggregations=tuple(aggregations))
