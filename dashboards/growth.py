"""The overview's growth section: which filters the events can answer, the timeseries queries, the cohorts.

Every number comes from the API's own engine in-process: ``reporting.selectors.query_envelope`` validates each
body exactly as ``POST /v1/reporting/query`` does and returns its envelope (buckets in the club's time zone,
computed in SQL); the cohorts come from ``reporting.cohorts``. The dashboard's URL filters are re-read against
the ``member_balance`` declaration with the same ``parse_view_filter`` (so the API's parser and its one
compiler judge them); a filter the events do not record (interests, places, reachability, join dates) is listed
as *not applied* on the charts it cannot narrow, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dashboards import growth_charts as gc
from dashboards.charts import Chart, Tile
from dashboards.growth_period import (
    DEFAULT_INTERVAL,
    DEFAULT_PERIOD,
    INTERVALS,
    PARAMS,
    PERIODS,
    Period,
    local_today,
    parse_period,
)
from dashboards.overview import FIELD_LABELS
from dashboards.urlfilters import NULL_TOKEN, ViewFilter, parse_view_filter
from reporting import cohorts, selectors
from reporting.context import Context
from reporting.models import Community
from reporting.query.errors import TOO_MANY_TIME_POINTS, ErrorTree, InvalidParameters
from reporting.query.filters import parse_filter, resolve_field
from reporting.query.values import ValueIssue
from reporting.reports.history import EVENT_GROUPING_TYPES, MEMBER_BALANCE, MEMBERS_COUNT_HISTORY

# An explicit interval past the API's 150 buckets goes on to the next coarser one (the API's auto does so itself).
COARSER = ("auto", "1d", "1w", "1mo")


@dataclass(frozen=True)
class EventsFilter:
    """The view's filter as far as the join/leave events can answer it."""

    raw: dict[str, Any] | None
    applied: tuple[tuple[str, str], ...]
    not_applied: tuple[str, ...]  # parameter names, in URL order

    def history_filter(self) -> dict[str, Any] | None:
        """members_count_history's filter: one grouping equal to one value, when that is the whole filter."""
        if len(self.applied) != 1:
            return None
        name, value = self.applied[0]
        if name not in EVENT_GROUPING_TYPES or name == "total":
            return None
        grouping_value = None if value == NULL_TOKEN else value
        return {
            "type": "and",
            "operations": [
                {"type": "equal", "field": "grouping_type", "value": name},
                {"type": "equal", "field": "grouping_value", "value": grouping_value},
            ],
        }


def events_filter(view_filter: ViewFilter) -> EventsFilter:
    """Split the view's parameters into those ``member_balance`` declares and the others."""
    applied = tuple(
        (name, value)
        for name, value in view_filter.params
        if not isinstance(resolve_field(MEMBER_BALANCE, name), ValueIssue)
    )
    not_applied = tuple(dict.fromkeys(name for name, _ in view_filter.params if (name, _) not in applied))
    grouped: dict[str, list[str]] = {}
    for name, value in applied:
        grouped.setdefault(name, []).append(value)
    parsed = parse_view_filter(grouped, MEMBER_BALANCE)
    if parsed.error:  # the members report accepted these values, so the same parser cannot refuse them here
        raise ValueError(parsed.error)
    return EventsFilter(parsed.raw, applied, not_applied)


def period_for(query: Any, clubs: Sequence[Community], *, now: dt.datetime | None = None) -> Period:
    """The requested period, "today" being the first club's local date."""
    return parse_period(query, today=local_today(clubs[0].timezone, now=now))


def _too_many_points(details: Any) -> bool:
    if isinstance(details, dict):
        return any(_too_many_points(child) for child in details.values())
    if isinstance(details, list):
        return any(isinstance(e, dict) and e.get("error") == TOO_MANY_TIME_POINTS for e in details)
    return False


def field_label(name: str) -> str:
    if name.startswith("consents."):
        return f"Consent {name.partition('.')[2]}"
    return FIELD_LABELS.get(name, name)


@dataclass(frozen=True)
class GrowthCard:
    chart: Chart
    fig_id: str
    not_applied: tuple[str, ...] = ()

    @property
    def not_applied_labels(self) -> list[str]:
        return [field_label(name) for name in self.not_applied]


@dataclass(frozen=True)
class GrowthSection:
    period: Period
    interval: str
    tiles: list[Tile]
    cards: list[GrowthCard]
    not_applied: tuple[str, ...]
    hidden: tuple[tuple[str, str], ...]  # the page's other parameters, kept by the period form
    interval_note: str = ""
    period_choices: dict[str, str] = field(default_factory=lambda: dict(PERIODS))
    interval_choices: dict[str, str] = field(default_factory=lambda: dict(INTERVALS))
    default_period: str = DEFAULT_PERIOD
    default_interval: str = DEFAULT_INTERVAL

    @property
    def not_applied_labels(self) -> list[str]:
        return [field_label(name) for name in self.not_applied]


class GrowthData:
    """The growth section's data for some clubs, a view filter and a period; each query runs on first use."""

    def __init__(
        self, *, clubs: Sequence[Community], view_filter: ViewFilter, period: Period, as_of: dt.datetime
    ) -> None:
        self.clubs = clubs
        self.period = period
        self.as_of = as_of
        self.filter = events_filter(view_filter)
        ordered = sorted(clubs, key=lambda club: club.id)
        self.context = Context(tuple(c.id for c in ordered), tuple(c.timezone for c in ordered))

    def _body(self, report: str, filter_raw: dict[str, Any] | None, interval: str) -> dict[str, Any]:
        return {
            "report": report,
            "filter": filter_raw,
            "aggregate_by": None,
            "interval": interval,
            "from": self.period.api_from,
            "to": self.period.api_to,
        }

    @cached_property
    def balance(self) -> dict[str, Any]:
        """member_balance over the period: the requested interval, coarsened past the 150-bucket limit."""
        start = COARSER.index(self.period.interval)
        for index, interval in enumerate(COARSER[start:], start):
            body = self._body(MEMBER_BALANCE.name, self.filter.raw, interval)
            try:
                return selectors.query_envelope(context=self.context, body=body)
            except InvalidParameters as exc:
                if index == len(COARSER) - 1 or not _too_many_points(exc.details):
                    raise
        raise AssertionError("unreachable")

    @property
    def interval(self) -> str:
        return str(self.balance["interval"])

    def _history(self, context: Context) -> dict[str, Any]:
        body = self._body(MEMBERS_COUNT_HISTORY.name, self.filter.history_filter(), self.interval)
        return selectors.query_envelope(context=context, body=body)

    @cached_property
    def history(self) -> dict[str, Any]:
        return self._history(self.context)

    @cached_property
    def history_per_club(self) -> dict[str, dict[str, Any]]:
        return {club.name: self._history(self.context.narrowed([club.id])) for club in self.clubs}

    @property
    def history_not_applied(self) -> tuple[str, ...]:
        if self.filter.history_filter() is not None:
            return self.filter.not_applied
        return tuple(dict.fromkeys([*(name for name, _ in self.filter.applied), *self.filter.not_applied]))

    @cached_property
    def retention(self) -> list[cohorts.CohortRow]:
        errors = ErrorTree()
        node = parse_filter(self.filter.raw, MEMBER_BALANCE, errors)
        errors.raise_if_any()
        first, last = self.period.months
        return cohorts.retention_cohorts(
            context=self.context, filter_node=node, first=first, last=last, as_of=self.as_of
        )


def section(data: GrowthData, *, page_params: Sequence[tuple[str, str]]) -> GrowthSection:
    """The section of a page whose other URL parameters (clubs, filters) are ``page_params``."""
    joined, left, net = gc.balance(data.balance).totals
    tiles = [Tile("Joined", joined), Tile("Left", left), Tile("Net growth", net)]
    if len(data.clubs) > 1:
        members = GrowthCard(gc.compare_chart(data.history_per_club), "fig-growth-clubs", data.history_not_applied)
    else:
        subtitle = ", ".join(f"{field_label(name)}: {value}" for name, value in data.filter.applied)
        chart = gc.members_chart(data.history, subtitle=subtitle if data.filter.history_filter() else "")
        members = GrowthCard(chart, "fig-growth-members", data.history_not_applied)
    cards = [
        members,
        GrowthCard(gc.balance_chart(data.balance), "fig-growth-balance", data.filter.not_applied),
        GrowthCard(
            gc.cohort_chart(
                [
                    gc.Cohort(row.month.isoformat()[:7], row.members, list(row.retained))
                    for row in data.retention[-cohorts.MAX_MONTHS :]
                ]
            ),
            "fig-growth-cohorts",
            data.filter.not_applied,
        ),
    ]
    requested = data.period.interval
    notes = []
    if requested != "auto" and requested != data.interval:
        notes.append(f"Shown per {gc.INTERVAL_NAMES[data.interval]}: per {gc.INTERVAL_NAMES[requested]} this period "
                     "would need more than 150 points.")  # fmt: skip
    if data.interval in ("1w", "1mo"):
        notes.append(f"Each {gc.INTERVAL_NAMES[data.interval]} is counted whole, so the first and last one can reach "
                     "outside the period; cohorts are whole join months.")  # fmt: skip
    note = " ".join(notes)
    hidden = tuple((name, value) for name, value in page_params if name not in PARAMS)
    return GrowthSection(data.period, data.interval, tiles, cards, data.filter.not_applied, hidden, note)
