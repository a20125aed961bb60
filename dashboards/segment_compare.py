"""Two segments side by side: every distribution as shares of each segment's members, and the difference in
percentage points (A - B).

The numbers come from ``OverviewData`` (the overview's own engine calls: one bundled scan per segment, one
interests query per segment); the chart builders here are pure functions (rows in, figure and table out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards import charts
from dashboards.labels import display, unique_labels
from dashboards.selectors import CHANNELS, TOP_N, OverviewData, Scope
from reporting.enums import AGE_BUCKETS
from reporting.models import Segment

COLOURS = (charts.CLUB_COLOURS[0], charts.CLUB_COLOURS[1])
DISTRIBUTIONS = ("reachability", "gender", "age", "platform", "channel", "subchannel", "interests", "cities")
CSV_COLUMNS = ["distribution", "value", "a_members", "a_share", "b_members", "b_share", "difference"]


@dataclass(frozen=True)
class Side:
    """One segment's counts: ``members`` in the segment, ``groups`` per distribution key: value -> members."""

    name: str
    members: int
    groups: dict[str, dict[Any, int]]


def _counts(rows: Sequence[dict[str, Any]], column: str) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for row in rows:
        counts[row[column]] = counts.get(row[column], 0) + row["members_count"]
    return counts


def side_of(segment: Segment, community_id: int) -> Side:
    data = OverviewData(scope=Scope((community_id,), segment.filter))
    kpis = data.kpis
    groups = {
        "reachability": {channel: kpis.totals[channel] for channel in CHANNELS},
        "gender": _counts(data.distribution_rows("gender"), "gender"),
        # age x gender summed over gender: aggregated rows only, no member reaches Python
        "age": _counts(data.distribution_rows("age_gender"), "age"),
        "platform": _counts(data.distribution_rows("optin_platform"), "optin_platform"),
        "channel": _counts(data.distribution_rows("optin_channel"), "optin_channel"),
        "subchannel": _counts(data.distribution_rows("optin_subchannel"), "optin_subchannel"),
        "interests": _counts(data.interest_rows, "interest"),
        "cities": _counts(data.distribution_rows("city_place"), "city_place_id"),
    }
    return Side(segment.name, kpis.totals["members"], groups)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.1f}%"


def points(a: float | None, b: float | None) -> str:
    """The difference of two shares in percentage points, signed (``+12.5 pp``)."""
    if a is None or b is None:
        return "\u2013"
    return f"{(a - b) * 100:+.1f} pp"


def _ordered(key: str, a: dict[Any, int], b: dict[Any, int]) -> list[Any]:
    values = set(a) | set(b)
    if key == "reachability":
        return list(CHANNELS)
    if key == "age":
        return [v for v in AGE_BUCKETS if v in values] + ([None] if None in values else [])
    # most members in both segments first, then the value (nulls last), as the engine orders groups
    return sorted(values, key=lambda v: (-(a.get(v, 0) + b.get(v, 0)), v is None, str(v)))[:TOP_N]


def compare_chart(
    key: str, title: str, heading: str, a: Side, b: Side, *, names: Callable[[Any], str] = display
) -> charts.Chart:
    """Grouped bars of both segments' shares per value, and a table with counts, shares and A - B."""
    counts_a, counts_b = a.groups[key], b.groups[key]
    values = _ordered(key, counts_a, counts_b)
    categories = unique_labels(values, names)
    traces = []
    for side, counts, colour in ((a, counts_a, COLOURS[0]), (b, counts_b, COLOURS[1])):
        members = [counts.get(v, 0) for v in values]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": side.name,
                "y": categories,
                "x": [share(n, side.members) or 0.0 for n in members],
                "text": [f"{n:,}" for n in members],
                "textposition": "none",
                "marker": {"color": colour},
                "hovertemplate": f"{charts._escape(side.name)}<br>%{{y}}: %{{x:.1%}} of its members (%{{text}})"
                "<extra></extra>",
            }
        )
    height = max(220, 52 * len(values) + 60)
    layout = charts.base_layout(height=height, legend=True, barmode="group")
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    layout["xaxis"] = dict(charts.SHARE_AXIS)
    columns = [heading, f"{a.name}: members", f"{a.name}: share", f"{b.name}: members", f"{b.name}: share",
               "Difference (A - B)"]  # fmt: skip
    rows = []
    for value in values:
        share_a, share_b = share(counts_a.get(value, 0), a.members), share(counts_b.get(value, 0), b.members)
        rows.append([charts.label(value), counts_a.get(value, 0), percent(share_a), counts_b.get(value, 0),
                     percent(share_b), points(share_a, share_b)])  # fmt: skip
    table = charts.Table(columns, rows, categories)
    figure = {"data": traces, "layout": layout} if values and (a.members or b.members) else None
    note = "Bars are shares of each segment's members; the table's last column is A - B in percentage points."
    return charts.Chart(key, title, figure, table, empty="Neither segment has members with a value here.", note=note)


def compare_charts(a: Side, b: Side, city: Callable[[Any], str]) -> list[charts.Chart]:
    channel_names = charts.CHANNEL_LABELS.get
    return [
        compare_chart("reachability", "Reachable per channel", "Channel", a, b,
                      names=lambda v: channel_names(v, str(v))),
        compare_chart("gender", "Gender", "Gender", a, b),
        compare_chart("age", "Age", "Age", a, b),
        compare_chart("platform", "Opt-in platform", "Platform", a, b),
        compare_chart("channel", "Opt-in channel (top 20)", "Channel", a, b),
        compare_chart("subchannel", "Opt-in subchannel (top 20)", "Subchannel", a, b),
        compare_chart("interests", "Interests (top 20)", "Interest", a, b),
        compare_chart("cities", "Cities (top 20)", "City", a, b, names=city),
    ]  # fmt: skip


def compare_rows(a: Side, b: Side) -> list[list[Any]]:
    """The compare page's tables as raw values, for its CSV: one row per distribution and value (the values the
    charts show, in their order), counts, shares of each segment's members (0..1, empty when a segment has no
    members) and the difference A - B of the shares (a fraction, not percentage points). Values are the stored
    ones (``food_and_drink``, a city's place id, empty for no value), never the humanised labels."""
    rows: list[list[Any]] = []
    for key in DISTRIBUTIONS:
        counts_a, counts_b = a.groups[key], b.groups[key]
        for value in _ordered(key, counts_a, counts_b):
            share_a, share_b = share(counts_a.get(value, 0), a.members), share(counts_b.get(value, 0), b.members)
            difference = None if share_a is None or share_b is None else share_a - share_b
            rows.append([key, value, counts_a.get(value, 0), share_a, counts_b.get(value, 0), share_b, difference])
    return rows
