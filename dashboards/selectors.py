"""The dashboards' data: every number comes from ``reporting.selectors`` (the API's engine, in-process).

A dashboard view is a ``Scope`` (communities + API-shaped filter tree). Each data set is one or a few records
queries built as API bodies and validated by the API's own ``parse_records_query``; nothing here counts members
itself, and only aggregated rows ever reach Python. ``OverviewData`` computes each data set on first use, so a
page that shows every chart and a CSV download of one chart share the same code and run only what they need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reporting import geo, selectors
from reporting.query.filters import FieldRef, resolve_field
from reporting.query.request import parse_records_query
from reporting.reports.members import MEMBERS

TOP_N = 20
CITY_LIMIT = 1000  # cities on the map; the bar chart shows the first TOP_N of them
PAGE_LIMIT = 1000
MAX_PAGES = 50  # per-club comparison rows: bounded, so a huge club list can never flood the page
MAX_PYRAMID_GENDERS = 6
PICKER_LIMIT = 100
CHANNELS = ("sms", "email", "push", "anything")
# Open-valued fields whose values the filter bar offers (what the field-metadata endpoint would list).
PICKER_FIELDS = ("gender", "optin_channel", "consents", "properties.interests", "city_place_id")


def aggregation_name(base: str, *, total: bool = False) -> str:
    """The aggregation for ``base``: ``gender`` -> ``gender_count``, ``city_place`` -> ``city_place_count``."""
    name = f"total_{base}_count" if total else f"{base}_count"
    if MEMBERS.get_aggregation(name) is None:
        raise LookupError(f"members report has no aggregation for {base}")
    return name


@dataclass(frozen=True)
class Scope:
    """What one dashboard view covers: communities the user may see, and an already validated filter tree."""

    community_ids: tuple[int, ...]
    filter_raw: dict[str, Any] | None = None

    @property
    def multi(self) -> bool:
        return len(self.community_ids) > 1

    def narrowed(self, extra: dict[str, Any] | None) -> dict[str, Any] | None:
        if extra is None:
            return self.filter_raw
        if self.filter_raw is None:
            return extra
        return {"type": "and", "operations": [self.filter_raw, extra]}


def records(
    *,
    scope: Scope,
    aggregate_by: str,
    extra: dict[str, Any] | None = None,
    limit: int = PAGE_LIMIT,
    all_pages: bool = False,
) -> list[dict[str, Any]]:
    """Aggregated rows of the members report, in the API's order (first page, or every page up to a bound)."""
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_PAGES if all_pages else 1):
        body = {
            "report": MEMBERS.name,
            "filter": scope.narrowed(extra),
            "aggregate_by": aggregate_by,
            "limit": limit,
            "next_page_info": cursor,
        }
        page = selectors.records_page(community_ids=scope.community_ids, query=parse_records_query(body, MEMBERS))
        rows.extend(page.records)
        cursor = page.next_page_info
        if cursor is None:
            break
    return rows


def _equal(field_name: str, value: Any) -> dict[str, Any]:
    return {"type": "equal", "field": field_name, "value": value}


@dataclass(frozen=True)
class Kpis:
    """Members and members reachable per channel: ``totals[channel]`` and, for several clubs, per club."""

    totals: dict[str, int]
    per_club: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Distribution:
    """Rows of one distribution: ``totals`` over the whole scope (the engine's order), ``per_club`` rows when
    several clubs are compared. ``column`` is the grouped column of the rows."""

    column: str
    totals: list[dict[str, Any]]
    per_club: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


class OverviewData:
    """Lazily computed data sets of the overview dashboard for one scope."""

    def __init__(self, *, scope: Scope):
        self.scope = scope

    def _distribution(self, base: str, column: str, *, limit: int = PAGE_LIMIT) -> Distribution:
        totals = records(scope=self.scope, aggregate_by=aggregation_name(base, total=True), limit=limit)
        per_club: dict[int, list[dict[str, Any]]] = {}
        if self.scope.multi:
            for community_id in self.scope.community_ids:
                per_club[community_id] = []
            for row in records(scope=self.scope, aggregate_by=aggregation_name(base), all_pages=True):
                per_club[row["community_id"]].append(row)
        return Distribution(column, totals, per_club)

    @cached_property
    def kpis(self) -> Kpis:
        totals: dict[str, int] = {}
        per_club: dict[int, dict[str, int]] = {cid: {} for cid in self.scope.community_ids} if self.scope.multi else {}
        for channel in ("members", *CHANNELS):
            extra = None if channel == "members" else _equal(f"marketing_via_{channel}", True)
            (row,) = records(scope=self.scope, aggregate_by="total_count", extra=extra)
            totals[channel] = row["members_count"]
            if self.scope.multi:
                for club_row in records(scope=self.scope, aggregate_by="count", extra=extra):
                    per_club[club_row["community_id"]][channel] = club_row["members_count"]
        return Kpis(totals, per_club)

    @cached_property
    def gender(self) -> Distribution:
        return self._distribution("gender", "gender")

    @cached_property
    def platform(self) -> Distribution:
        return self._distribution("optin_platform", "optin_platform")

    @cached_property
    def channel(self) -> Distribution:
        return self._distribution("optin_channel", "optin_channel", limit=TOP_N)

    @cached_property
    def subchannel(self) -> Distribution:
        return self._distribution("optin_subchannel", "optin_subchannel", limit=TOP_N)

    @cached_property
    def interests(self) -> Distribution:
        return self._distribution("interests", "interest", limit=TOP_N)

    @cached_property
    def cities(self) -> Distribution:
        return self._distribution("city_place", "city_place_id", limit=CITY_LIMIT)

    @cached_property
    def consents(self) -> list[dict[str, Any]]:
        return records(scope=self.scope, aggregate_by=aggregation_name("consents", total=True))

    @cached_property
    def pyramid(self) -> list[tuple[str | None, list[dict[str, Any]]]]:
        """Age distribution per gender (the most frequent genders first, unknown gender included)."""
        genders = [row["gender"] for row in self.gender.totals][:MAX_PYRAMID_GENDERS]
        by_gender: dict[str | None, list[dict[str, Any]]] = {gender: [] for gender in genders}
        # One scan for age x gender; the engine's order (count desc, age) is each gender's own order too.
        for row in records(scope=self.scope, aggregate_by="total_age_gender_count", all_pages=True):
            if row["gender"] in by_gender:
                by_gender[row["gender"]].append({"age": row["age"], "members_count": row["members_count"]})
        return list(by_gender.items())

    @cached_property
    def picker_values(self) -> dict[str, list[Any]]:
        """Values the filter bar offers per open-valued field, over the unfiltered scope (field metadata)."""
        values: dict[str, list[Any]] = {}
        for name in PICKER_FIELDS:
            ref = resolve_field(MEMBERS, name, whole_objects=True)
            assert isinstance(ref, FieldRef)
            rows = selectors.field_values(
                community_ids=self.scope.community_ids, report=MEMBERS, ref=ref, filter_node=None, limit=PICKER_LIMIT
            )
            values[name] = [row["value"] for row in rows]
        return values

    def places(self, *, extra_ids: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """Place records of the cities charted (and of ``extra_ids``), one query."""
        ids = {row["city_place_id"] for row in self.cities.totals if row["city_place_id"] is not None}
        ids.update(str(place_id) for place_id in extra_ids)
        return geo.places_by_id(place_ids=ids)
