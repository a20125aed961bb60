"""The shape of a report declaration.

Each report is declared once (fields, aggregations, permit, cost, source SQL). The declaration drives request
validation, the metadata endpoints, SQL generation, ordering, export columns and the dashboards' pickers.
Every SQL text here is a constant written by us; user values only ever reach SQL as parameters.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class FieldType(enum.StrEnum):
    INTEGER = "integer"
    STRING = "string"
    ENUM = "enum"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    INTEGER_ARRAY = "array[integer]"
    OBJECT = "object"


class KeyedKind(enum.StrEnum):
    """How dotted keys of an object field (``consents.x``, ``properties.x``) are typed."""

    BOOLEAN = "boolean"  # every key holds a boolean (consents)
    DYNAMIC = "dynamic"  # each value has its own JSON type (properties)


ORDERABLE = frozenset({FieldType.INTEGER, FieldType.TIMESTAMP})


@dataclass(frozen=True)
class Field:
    """A report field. ``sql`` is an expression over the source alias ``m``."""

    name: str
    type: FieldType
    sql: str
    description: str
    filterable: bool = True
    values: tuple[str, ...] | None = None
    keyed: KeyedKind | None = None
    nullable: bool = True
    # The source columns ``sql`` reads (empty: not declared). A rollup can answer a filter on this field only
    # when it keeps every one of them.
    reads: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        return self.type in ORDERABLE


@dataclass(frozen=True)
class GroupKey:
    """One grouped column of an aggregation: its output name, SQL expression and type."""

    name: str
    sql: str
    type: FieldType
    values: tuple[str, ...] | None = None
    reads: tuple[str, ...] = ()  # source columns ``sql`` reads (a lateral's output reads none itself)


@dataclass(frozen=True)
class Measure:
    """The number a group (or a time bucket) shows, as a declaration rather than a planner.

    ``sql`` reduces the source rows of one group (alias ``m``). ``cumulative`` makes a timeseries value the running
    sum of the per-bucket reductions from the beginning of time (rows before the window included), so "members at
    the end of each bucket" is ``sum(+1 per join, -1 per leave)`` declared cumulative. ``per_community`` reduces
    each community's rows on their own before the series sums them (the last snapshot of each club); counts and
    sums need not.
    """

    name: str
    sql: str
    cumulative: bool = False
    per_community: bool = False


COUNT = Measure("count", "count(*)")


@dataclass(frozen=True)
class Aggregation:
    """An aggregation of a records report.

    ``per_community`` adds ``community_id`` as the first output column. ``lateral`` is a constant
    ``CROSS JOIN LATERAL`` clause that unnests a member into several groups (consents, interests).
    ``every_community`` makes the aggregation return one row per community in context, zero included.
    """

    name: str
    description: str
    groups: tuple[GroupKey, ...] = ()
    per_community: bool = True
    lateral: str = ""
    every_community: bool = False
    measure: Measure = COUNT
    lateral_reads: tuple[str, ...] = ()  # source columns ``lateral`` reads

    @property
    def reads(self) -> frozenset[str]:
        """The source columns the aggregation reads, besides the community (which every rollup keeps)."""
        return frozenset(self.lateral_reads).union(*(group.reads for group in self.groups))

    @property
    def output_fields(self) -> list[tuple[str, FieldType]]:
        fields: list[tuple[str, FieldType]] = [("community_id", FieldType.INTEGER)] if self.per_community else []
        fields += [(group.name, group.type) for group in self.groups]
        fields.append(("members_count", FieldType.INTEGER))
        return fields


@dataclass(frozen=True)
class Source:
    """Where a report's rows come from.

    ``from_sql`` is a FROM item aliased ``m``; ``scope_sql`` restricts it to the context. Each ``%s`` in either
    is bound to the context's community ids (one bigint[] parameter per placeholder). ``prepare``, when set, is
    called with the context's community ids before the source is read (a derived table brought up to date).
    """

    from_sql: str
    scope_sql: str
    community_sql: str = "m.community_id"
    prepare: Callable[[Sequence[int]], None] | None = None


@dataclass(frozen=True)
class SeriesRollup:
    """A rollup that answers a timeseries report in place of its source when it can (reporting/rollups/).

    Its ``source`` has one row per club, local date (``day_sql``, in the club's time zone) and the ``fields``
    it keeps, under the source's own column names, so the report's filter and label SQL run on it unchanged;
    ``measure`` is the report's measure over those rows. The planner uses it for calendar ``intervals`` when every
    filter field and the aggregation are among ``fields``/``aggregations`` and the window starts and ends on local
    midnights of every zone (reporting/query/series_plan.py).
    """

    name: str
    source: Source
    day_sql: str
    measure: Measure
    fields: frozenset[str]
    aggregations: frozenset[str] = frozenset()
    intervals: tuple[str, ...] = ("1d", "1w", "1mo")


@dataclass(frozen=True)
class Timeseries:
    """What makes a report a timeseries: its time column, measure, the label keys every series carries, and
    filter defaults.

    ``defaults`` are ``(field, value)`` equalities added when the filter names no condition on that field
    (``grouping_type`` defaults to ``total``), so a series never silently mixes groupings.
    """

    time_sql: str
    measure: Measure
    labels: tuple[GroupKey, ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()
    rollup: SeriesRollup | None = None


@dataclass(frozen=True)
class Report:
    name: str
    result_type: str
    permit: str
    cost: int
    description: str
    source: Source
    fields: tuple[Field, ...]
    order_by: tuple[str, ...]
    aggregations: tuple[Aggregation, ...] = ()
    intervals: tuple[str, ...] = ()
    timeseries: Timeseries | None = None
    field_index: dict[str, Field] = field(init=False, repr=False, compare=False)
    aggregation_index: dict[str, Aggregation] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_index", {f.name: f for f in self.fields})
        object.__setattr__(self, "aggregation_index", {a.name: a for a in self.aggregations})
        unknown = [name for name in self.order_by if name not in self.field_index]
        if unknown:
            raise ValueError(f"{self.name}: order_by names unknown fields {unknown}")
        if (self.result_type == "timeseries") != (self.timeseries is not None) or (
            self.timeseries is not None and not self.intervals
        ):
            raise ValueError(f"{self.name}: a timeseries report declares its timeseries and intervals, nothing else")

    def get_field(self, name: str) -> Field | None:
        return self.field_index.get(name)

    def get_aggregation(self, name: str) -> Aggregation | None:
        return self.aggregation_index.get(name)

    def output_fields(self, aggregation: Aggregation) -> list[tuple[str, FieldType]]:
        """The fields an aggregation returns: a records row's columns, or a timeseries label's keys and value."""
        if self.timeseries is None:
            return aggregation.output_fields
        labels = self.timeseries.labels + aggregation.groups
        return [(label.name, label.type) for label in labels] + [("value", FieldType.INTEGER)]

    @property
    def filterable_fields(self) -> list[Field]:
        return [f for f in self.fields if f.filterable]
