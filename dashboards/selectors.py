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
from reporting.query.errors import ErrorTree
from reporting.query.filters import Node, parse_filter
from reporting.query.request import parse_records_query
from reporting.reports.members import MEMBERS

TOP_N = 20
CITY_LIMIT = 1000  # cities on the map; the bar chart shows the first TOP_N of them
PAGE_LIMIT = 1000
MAX_PAGES = 50  # per-club comparison rows: bounded, so a huge club list can never flood the page
MAX_PYRAMID_GENDERS = 6
PICKER_LIMIT = 100
CHANNELS = ("sms", "email", "push", "anything")
# Distributions the overview reads from one bundled scan (reporting.query.bundle).
BUNDLED = (
    "gender", "age_gender", "optin_platform", "optin_channel", "optin_subchannel", "city_place",
    "marketing_via_sms", "marketing_via_email", "marketing_via_push", "marketing_via_anything",
)  # fmt: skip


def member_counts(*, community_ids: Sequence[int]) -> dict[int, int]:
    """Members per club (the club list): the engine's ``count`` aggregation, one query."""
    if not community_ids:
        return {}
    rows = records(scope=Scope(tuple(community_ids)), aggregate_by="count", all_pages=True)
    return {row["community_id"]: row["members_count"] for row in rows}


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
    """Lazily computed data sets of the overview dashboard for one scope.

    Every scalar distribution (KPIs, gender, age x gender, platform, channel, subchannel, cities) comes from
    one engine statement that groups the filtered members all those ways at once; consents and interests,
    which unnest each member, are one query each.
    """

    def __init__(self, *, scope: Scope):
        self.scope = scope

    @cached_property
    def _filter_node(self) -> Node | None:
        errors = ErrorTree()
        node = parse_filter(self.scope.filter_raw, MEMBERS, errors)
        errors.raise_if_any()
        return node

    @cached_property
    def _bundled(self) -> dict[str, list[dict[str, Any]]]:
        names = [aggregation_name(base, total=True) for base in BUNDLED]
        names.insert(0, "total_count")
        if self.scope.multi:
            names += [aggregation_name(base) for base in BUNDLED]
        return selectors.aggregations_bundle(
            community_ids=self.scope.community_ids, report=MEMBERS, filter_node=self._filter_node, names=names
        )

    def _distribution(self, base: str, column: str, *, limit: int = PAGE_LIMIT) -> Distribution:
        totals = self._bundled[aggregation_name(base, total=True)][:limit]
        per_club: dict[int, list[dict[str, Any]]] = {}
        if self.scope.multi:
            per_club = {community_id: [] for community_id in self.scope.community_ids}
            for row in self._bundled[aggregation_name(base)]:
                per_club[row["community_id"]].append(row)
        return Distribution(column, totals, per_club)

    def distribution_rows(self, base: str) -> list[dict[str, Any]]:
        """Every group of one bundled distribution over the whole scope (``gender``, ``age_gender``, …)."""
        return self._bundled[aggregation_name(base, total=True)]

    @property
    def interest_rows(self) -> list[dict[str, Any]]:
        """The most frequent interests (up to the pickers' limit) over the whole scope."""
        return self._all_interests

    @cached_property
    def kpis(self) -> Kpis:
        """Members, and members reachable per channel: the ``true`` group of each marketing_via_* distribution."""
        (total,) = self._bundled["total_count"]
        totals = {"members": total["members_count"]}
        per_club: dict[int, dict[str, int]] = {}
        if self.scope.multi:
            per_club = {cid: dict.fromkeys(("members", *CHANNELS), 0) for cid in self.scope.community_ids}
            # every member is in exactly one group (true or false) of a boolean distribution
            for row in self._bundled[aggregation_name("marketing_via_anything")]:
                per_club[row["community_id"]]["members"] += row["members_count"]
        for channel in CHANNELS:
            base = f"marketing_via_{channel}"
            rows = self._bundled[aggregation_name(base, total=True)]
            totals[channel] = sum(row["members_count"] for row in rows if row[base] is True)
            for row in self._bundled.get(aggregation_name(base), []) if self.scope.multi else []:
                if row[base] is True:
                    per_club[row["community_id"]][channel] = row["members_count"]
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
    def _all_interests(self) -> list[dict[str, Any]]:
        return records(scope=self.scope, aggregate_by=aggregation_name("interests", total=True), limit=PICKER_LIMIT)

    @cached_property
    def interests(self) -> Distribution:
        per_club: dict[int, list[dict[str, Any]]] = {}
        if self.scope.multi:
            per_club = {community_id: [] for community_id in self.scope.community_ids}
            for row in records(scope=self.scope, aggregate_by=aggregation_name("interests"), all_pages=True):
                per_club[row["community_id"]].append(row)
        return Distribution("interest", self._all_interests[:TOP_N], per_club)

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
        # The engine's order of age x gender (count desc, then age) is each gender's own order too.
        for row in self._bundled[aggregation_name("age_gender", total=True)]:
            if row["gender"] in by_gender:
                by_gender[row["gender"]].append({"age": row["age"], "members_count": row["members_count"]})
        return list(by_gender.items())

    @cached_property
    def pyramid_per_club(self) -> dict[int, list[tuple[str | None, list[dict[str, Any]]]]]:
        """``pyramid`` for each compared club (same genders, in the same order), empty for one club."""
        if not self.scope.multi:
            return {}
        genders = [gender for gender, _ in self.pyramid]
        result: dict[int, dict[str | None, list[dict[str, Any]]]] = {
            cid: {gender: [] for gender in genders} for cid in self.scope.community_ids
        }
        for row in self._bundled[aggregation_name("age_gender")]:
            by_gender = result[row["community_id"]]
            if row["gender"] in by_gender:
                by_gender[row["gender"]].append({"age": row["age"], "members_count": row["members_count"]})
        return {cid: list(by_gender.items()) for cid, by_gender in result.items()}

    @cached_property
    def consents_per_club(self) -> dict[int, list[dict[str, Any]]]:
        """Consent rows of each compared club, empty for one club."""
        if not self.scope.multi:
            return {}
        result: dict[int, list[dict[str, Any]]] = {cid: [] for cid in self.scope.community_ids}
        for row in records(scope=self.scope, aggregate_by=aggregation_name("consents"), all_pages=True):
            result[row["community_id"]].append(row)
        return result

    @cached_property
    def club_members(self) -> dict[int, int]:
        """Members in view per compared club (empty for one club)."""
        return {cid: counts["members"] for cid, counts in self.kpis.per_club.items()}

    @cached_property
    def picker_values(self) -> dict[str, list[Any]]:
        """Values the filter bar offers per open-valued field, most frequent first, over the unfiltered scope
        (what the field-metadata endpoint lists): the page's own data when it is unfiltered."""
        source = self if self.scope.filter_raw is None else OverviewData(scope=Scope(self.scope.community_ids))
        bundled = source._bundled

        def values(aggregation: str, column: str) -> list[Any]:
            return [row[column] for row in bundled[aggregation]][:PICKER_LIMIT]

        return {
            "gender": values("total_gender_count", "gender"),
            "optin_channel": values("total_optin_channel_count", "optin_channel"),
            "optin_subchannel": values("total_optin_subchannel_count", "optin_subchannel"),
            "city_place_id": values("total_city_place_count", "city_place_id"),
            "consents": list(dict.fromkeys(row["consent_key"] for row in source.consents)),
            "properties.interests": [row["interest"] for row in source._all_interests],
        }

    def places(self, *, extra_ids: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """Place records of the cities charted (and of ``extra_ids``): the charted ones are read once for the
        cities chart, the map and the filter bar; extra ids not among them cost one more query."""
        charted = self._charted_places
        missing = {str(place_id) for place_id in extra_ids} - charted.keys()
        if not missing:
            return charted
        return {**charted, **geo.places_by_id(place_ids=missing)}

    @cached_property
    def _charted_places(self) -> dict[str, dict[str, Any]]:
        ids = {row["city_place_id"] for row in self.cities.totals if row["city_place_id"] is not None}
        return geo.places_by_id(place_ids=ids)
