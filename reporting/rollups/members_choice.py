"""Aggregate awareness for the members report: which rollup (if any) can answer a query exactly.

A rollup answers when it keeps every member column the query reads: the aggregation's group keys and lateral
(``Aggregation.reads``) and every condition of the filter (``Field.reads``). A field that declares no columns,
an array field, ``properties.*``, ``created_at`` … is kept by no rollup, so such a query reads the member table:
a rollup never answers while ignoring a filter. Among the covering rollups the first declared (the smallest,
measured) wins.
"""

from __future__ import annotations

from reporting.conf import reporting_setting
from reporting.query.filters import Condition, Node
from reporting.reports.declarations import COUNT, Aggregation, Measure, Report, Source
from reporting.reports.members import MEMBERS
from reporting.rollups import BASE, record_source
from reporting.rollups.members import MEMBER_ROLLUPS, MemberRollup

# count(*) over members is the sum of the rollup rows' counts (bigint, as count(*) is; 0 over no rows).
ROLLUP_COUNT = Measure("count", "COALESCE(sum(m.members_count), 0)::bigint")


def filter_reads(node: Node | None) -> frozenset[str] | None:
    """The member columns a filter reads; None when some condition's field declares none."""
    if node is None:
        return frozenset()
    if isinstance(node, Condition):
        declared = node.ref.field.reads
        return frozenset(declared) if declared else None
    found: set[str] = set()
    for child in node.operations:
        reads = filter_reads(child)
        if reads is None:
            return None
        found |= reads
    return frozenset(found)


def covering_rollup(
    report: Report, reads: frozenset[str] | None, *, unnested: str | None = None
) -> MemberRollup | None:
    if reads is None or report.source is not MEMBERS.source or not reporting_setting("ROLLUPS"):
        return None
    return next((rollup for rollup in MEMBER_ROLLUPS if rollup.covers(reads, unnested=unnested)), None)


def choose_for_aggregation(report: Report, aggregation: Aggregation, node: Node | None) -> MemberRollup | None:
    if aggregation.measure is not COUNT:
        return None
    reads = filter_reads(node)
    unnested = aggregation.lateral_reads[0] if len(aggregation.lateral_reads) == 1 else None
    return covering_rollup(report, None if reads is None else reads | aggregation.reads, unnested=unnested)


def rollup_source(rollup: MemberRollup) -> Source:
    return Source(from_sql=f"{rollup.table} AS m", scope_sql="m.community_id = ANY(%s)")


def note_source(rollup: MemberRollup | None) -> None:
    """Tell the request which table answered (the ``x-reporting-source`` header)."""
    record_source(rollup.source_name if rollup is not None else BASE)
