"""Growth chart builders: pure functions from the timeseries API's envelopes (and cohort rows) to figures.

Every time bucket drawn is one the engine returned (in the club's time zone, computed in SQL); nothing here
computes a bucket or counts a member. Plotly's date axes ignore UTC offsets, so the x values are the bucket's
local wall-clock text (the API's string without its offset); the table keeps the API's exact bucket text.
Values the engine returned as ``null`` stay gaps in lines; a bucket that exists for one series but has no
event of another type counts 0 for that type (see docs/dashboards.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.charts import PALETTE, Chart, Table, _escape, base_layout

JOINS_COLOR, LEAVES_COLOR, NET_COLOR, MEMBERS_COLOR = "#059669", "#dc2626", "#1f2937", "#2563eb"
NO_EVENTS = "No joins or leaves were recorded in this period: there is no history to draw."
NO_HISTORY = "No member history was recorded in this period."
NO_COHORTS = "No member joined in this period, so there is no cohort to follow."
INTERVAL_NAMES = {"5m": "5 minutes", "1h": "hour", "1d": "day", "1w": "week", "1mo": "month"}


@dataclass(frozen=True)
class Balance:
    """Joins and leaves per bucket of one member_balance envelope (``total`` aggregation)."""

    buckets: list[str]
    joins: list[int]
    leaves: list[int]

    @property
    def net(self) -> list[int]:
        return [j - left for j, left in zip(self.joins, self.leaves, strict=True)]

    @property
    def totals(self) -> tuple[int, int, int]:
        joined, left = sum(self.joins), sum(self.leaves)
        return joined, left, joined - left


def local_time(bucket: str) -> str:
    """``2024-04-30T00:00:00.000+02:00`` -> ``2024-04-30 00:00``: the wall-clock time the API wrote."""
    return bucket[:16].replace("T", " ")


def bucket_label(bucket: str, interval: str) -> str:
    """How a bucket reads in a table: a day or week as its first date, a month as ``2024-04``."""
    if interval == "1mo":
        return bucket[:7]
    if interval in ("1d", "1w"):
        return bucket[:10]
    return local_time(bucket)


def balance(envelope: Mapping[str, Any]) -> Balance:
    """Joins (``type=in``) and leaves (``type=out``) per bucket; a missing value in a present bucket is 0.

    In the mixed-time-zone ("local") form each time zone has its own series per type, on the same local
    wall-clock buckets: they are added up (clubs in different zones, each counted in its own local time)."""
    buckets = list(envelope["time_buckets"])
    by_type: dict[str, list[int]] = {"in": [0] * len(buckets), "out": [0] * len(buckets)}
    for series in envelope["series"]:
        kind = series["label"].get("type")
        if kind in by_type:
            by_type[kind] = [total + (value or 0) for total, value in zip(by_type[kind], series["values"], strict=True)]
    return Balance(buckets, by_type["in"], by_type["out"])


def history_values(envelope: Mapping[str, Any]) -> list[int | None]:
    """The one series of a members_count_history envelope filtered to one grouping (None where no data)."""
    series = envelope["series"]
    if not series:
        return [None] * len(envelope["time_buckets"])
    if len(series) > 1:
        raise ValueError("expected one members_count_history series")
    return list(series[0]["values"])


def _date_axis(interval: str) -> dict[str, Any]:
    axis: dict[str, Any] = {"type": "date", "automargin": True}
    if interval == "1mo":
        axis["tickformat"] = "%b %Y"
    return axis


def members_chart(envelope: Mapping[str, Any], *, subtitle: str = "") -> Chart:
    """Members at the end of each bucket (members_count_history), one line."""
    buckets = list(envelope["time_buckets"])
    values = history_values(envelope)
    interval = envelope["interval"]
    trace = {
        "type": "scatter",
        "mode": "lines+markers" if len(buckets) <= 40 else "lines",
        "name": "Members",
        "x": [local_time(b) for b in buckets],
        "y": values,
        "line": {"color": MEMBERS_COLOR, "width": 2},
        "hovertemplate": "%{x}: %{y:,} members<extra></extra>",
    }
    layout = base_layout(height=300)
    layout["xaxis"] = _date_axis(interval)
    layout["yaxis"] = {"rangemode": "tozero", "automargin": True, "title": {"text": "Members"}}
    table = Table(["Time", "Members"], [[bucket_label(b, interval), v] for b, v in zip(buckets, values, strict=True)])
    figure = {"data": [trace], "layout": layout} if any(v is not None for v in values) else None
    title = "Members over time" + (f" ({subtitle})" if subtitle else "")
    return Chart("growth-members", title, figure, table, empty=NO_HISTORY, note=_per_note(interval))


def balance_chart(envelope: Mapping[str, Any]) -> Chart:
    """Joins up, leaves down, and the net growth line, per bucket (member_balance)."""
    data = balance(envelope)
    interval = envelope["interval"]
    x = [local_time(b) for b in data.buckets]
    traces = [
        _bars("Joined", x, data.joins, JOINS_COLOR, sign=1),
        _bars("Left", x, data.leaves, LEAVES_COLOR, sign=-1),
        {
            "type": "scatter",
            "mode": "lines+markers" if len(x) <= 40 else "lines",
            "name": "Net growth",
            "x": x,
            "y": data.net,
            "line": {"color": NET_COLOR, "width": 2},
            "hovertemplate": "%{x}: net %{y:+,}<extra></extra>",
        },
    ]
    layout = base_layout(height=320, legend=True, barmode="relative", bargap=0.15)
    layout["xaxis"] = _date_axis(interval)
    layout["yaxis"] = {"zeroline": True, "automargin": True, "title": {"text": "Members"}}
    rows = [
        [bucket_label(b, interval), j, left, n]
        for b, j, left, n in zip(data.buckets, data.joins, data.leaves, data.net, strict=True)
    ]
    figure = {"data": traces, "layout": layout} if data.buckets else None
    table = Table(["Time", "Joined", "Left", "Net growth"], rows)
    return Chart("growth-balance", "Joins, leaves and net growth", figure, table, empty=NO_EVENTS,
                 note=_per_note(interval))  # fmt: skip


def _bars(name: str, x: list[str], values: list[int], color: str, *, sign: int) -> dict[str, Any]:
    return {
        "type": "bar",
        "name": name,
        "x": x,
        "y": [sign * v for v in values],
        "text": [f"{v:,}" for v in values],
        "textposition": "none",
        "marker": {"color": color},
        "hovertemplate": f"%{{x}}: {name.lower()} %{{text}}<extra></extra>",
    }


def _per_note(interval: str) -> str:
    name = INTERVAL_NAMES.get(interval, interval)
    return f"One point per {name}, in the club's time zone."


def compare_chart(envelopes: Mapping[str, Mapping[str, Any]]) -> Chart:
    """Members over time, one line per club (each club's own members_count_history envelope)."""
    traces = []
    columns = ["Club", "Time", "Members"]
    rows: list[list[Any]] = []
    interval = ""
    for index, (club, envelope) in enumerate(envelopes.items()):
        interval = envelope["interval"]
        buckets, values = list(envelope["time_buckets"]), history_values(envelope)
        rows += [[club, bucket_label(b, interval), v] for b, v in zip(buckets, values, strict=True)]
        if not any(v is not None for v in values):
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": club,
                "x": [local_time(b) for b in buckets],
                "y": values,
                "line": {"color": PALETTE[index % len(PALETTE)], "width": 2},
                "hovertemplate": f"{_escape(club)}<br>%{{x}}: %{{y:,}}<extra></extra>",
            }
        )
    layout = base_layout(height=320, legend=True)
    layout["xaxis"] = _date_axis(interval)
    layout["yaxis"] = {"rangemode": "tozero", "automargin": True, "title": {"text": "Members"}}
    figure = {"data": traces, "layout": layout} if traces else None
    silent = [club for club, envelope in envelopes.items() if not any(v is not None for v in history_values(envelope))]
    note = ("No member history in this period for: " + ", ".join(silent) + ".") if silent and traces else ""
    return Chart("growth-clubs", "Members over time per club", figure, Table(columns, rows), empty=NO_HISTORY,
                 note=note)  # fmt: skip


@dataclass(frozen=True)
class Cohort:
    """One join month: its size and, per month since joining, how many were still members (None: not yet known)."""

    month: str  # YYYY-MM, the club's local month
    members: int
    retained: list[int | None]


def cohort_chart(cohorts: Sequence[Cohort]) -> Chart:
    """Join month x months since joining, the share still a member, as a heatmap (rows: newest cohort last)."""
    width = max((len(c.retained) for c in cohorts), default=0)
    months = list(range(width))
    y = [f"{c.month} ({c.members:,})" for c in cohorts]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for cohort in cohorts:
        cells = cohort.retained + [None] * (width - len(cohort.retained))
        z.append([None if n is None or not cohort.members else n / cohort.members for n in cells])
        text.append(["" if n is None else f"{n / cohort.members * 100:.0f}%" if cohort.members else "" for n in cells])
    shares = [share for row in z for share in row if share is not None]
    # Retention is often 80-100 %: the colour range starts at the lowest share (to 10 %), so differences show.
    low = math.floor(min(shares, default=0.0) * 10) / 10
    trace = {
        "type": "heatmap",
        "x": months,
        "y": y,
        "z": z,
        "text": text,
        "texttemplate": "%{text}",
        "zmin": low,
        "zmax": 1,
        "colorscale": [[0, "#fef2f2"], [0.5, "#93c5fd"], [1, "#1d4ed8"]],
        # Each cell prints its share; plotly's colour bar would set inline styles, which the page's CSP forbids.
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hoverongaps": False,
        "hovertemplate": "Joined %{y}<br>%{x} months later: %{text} still members<extra></extra>",
    }
    layout = base_layout(height=max(220, 26 * len(cohorts) + 90))
    layout["xaxis"] = {"title": {"text": "Months since joining"}, "dtick": 1, "automargin": True, "side": "top"}
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    columns = ["Join month", "Members", *(f"Month {m}" for m in months)]
    rows = [[c.month, c.members, *(c.retained + [None] * (width - len(c.retained)))] for c in cohorts]
    figure = {"data": [trace], "layout": layout} if cohorts else None
    note = (
        "Share of each join month's members still members at the end of each later month (club's local time). "
        "A re-join starts a new membership in its own month. Months not over yet are blank."
    )
    return Chart("growth-cohorts", "Retention by join month", figure, Table(columns, rows), empty=NO_COHORTS,
                 note=note)  # fmt: skip
