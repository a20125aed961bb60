"""Growth chart builders and the period picker: envelopes in, figures and tables out. No database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
import pytest

from dashboards import growth_charts as gc
from dashboards.growth_period import parse_period


def valid(figure: dict[str, Any] | None) -> dict[str, Any]:
    assert figure is not None
    go.Figure(figure)  # plotly's own schema validation
    return figure


BUCKETS = ["2024-03-30T00:00:00.000+01:00", "2024-03-31T00:00:00.000+01:00", "2024-04-02T00:00:00.000+02:00"]
BALANCE: dict[str, Any] = {
    "interval": "1d",
    "range_timezone": "Europe/Oslo",
    "time_buckets": BUCKETS,
    "series": [{"label": {"type": "in"}, "values": [5, None, 2]}, {"label": {"type": "out"}, "values": [1, 3, None]}],
    "data_points": 4,
    "result_type": "timeseries",
}
HISTORY: dict[str, Any] = {
    "interval": "1d",
    "range_timezone": "Europe/Oslo",
    "time_buckets": BUCKETS,
    "series": [{"label": {"grouping_type": "total", "grouping_value": None}, "values": [40, 37, 39]}],
    "data_points": 3,
    "result_type": "timeseries",
}


def test_balance_reads_types_and_counts_a_missing_type_in_a_present_bucket_as_zero():
    data = gc.balance(BALANCE)
    assert data.joins == [5, 0, 2]
    assert data.leaves == [1, 3, 0]
    assert data.net == [4, -3, 2]
    assert data.totals == (7, 4, 3)


def test_balance_of_the_local_form_adds_each_time_zone_series():
    local = {
        **BALANCE,
        "range_timezone": "local",
        "time_buckets": ["2024-03-30T00:00:00.000", "2024-03-31T00:00:00.000"],
        "series": [
            {"label": {"type": "in"}, "timezone": "America/Denver", "values": [1, None]},
            {"label": {"type": "in"}, "timezone": "Europe/Oslo", "values": [2, 4]},
            {"label": {"type": "out"}, "timezone": "Europe/Oslo", "values": [None, 1]},
        ],
    }
    data = gc.balance(local)
    assert (data.joins, data.leaves, data.net) == ([3, 4], [0, 1], [3, 3])
    assert gc.local_time(local["time_buckets"][1]) == "2024-03-31 00:00"


def test_balance_chart_draws_engine_buckets_in_local_time_joins_up_leaves_down():
    chart = gc.balance_chart(BALANCE)
    joined, left, net = valid(chart.figure)["data"]
    # Only the buckets the engine returned (April 1st had no event, so it is absent), in local wall-clock time.
    assert joined["x"] == ["2024-03-30 00:00", "2024-03-31 00:00", "2024-04-02 00:00"]
    assert joined["y"] == [5, 0, 2]
    assert left["y"] == [-1, -3, 0]
    assert left["text"] == ["1", "3", "0"]
    assert net["y"] == [4, -3, 2]
    assert chart.table.columns == ["Time", "Joined", "Left", "Net growth"]
    assert chart.table.rows == [["2024-03-30", 5, 1, 4], ["2024-03-31", 0, 3, -3], ["2024-04-02", 2, 0, 2]]
    assert "day" in chart.note


def test_balance_without_events_says_so_and_draws_nothing():
    empty = {**BALANCE, "time_buckets": [], "series": [], "data_points": 0}
    chart = gc.balance_chart(empty)
    assert chart.figure is None
    assert chart.empty == gc.NO_EVENTS
    assert chart.table.rows == []
    assert gc.balance(empty).totals == (0, 0, 0)


def test_members_chart_is_the_history_series_with_gaps_kept():
    envelope = {**HISTORY, "series": [{"label": {}, "values": [40, None, 39]}]}
    chart = gc.members_chart(envelope, subtitle="gender: woman")
    (line,) = valid(chart.figure)["data"]
    assert line["y"] == [40, None, 39]
    assert line["x"][2] == "2024-04-02 00:00"
    assert chart.title == "Members over time (gender: woman)"
    assert chart.table.rows[1] == ["2024-03-31", None]


def test_members_chart_without_history_is_empty_not_zero():
    chart = gc.members_chart({**HISTORY, "time_buckets": [], "series": []})
    assert chart.figure is None
    assert chart.empty == gc.NO_HISTORY


def test_history_with_several_series_is_refused():
    two = {**HISTORY, "series": HISTORY["series"] * 2}
    with pytest.raises(ValueError, match="one members_count_history series"):
        gc.history_values(two)


def test_month_buckets_read_as_months():
    assert gc.bucket_label("2024-04-01T00:00:00.000+02:00", "1mo") == "2024-04"
    assert gc.bucket_label("2024-04-01T00:00:00.000+02:00", "1w") == "2024-04-01"
    assert gc.bucket_label("2024-04-01T05:00:00.000+05:45", "1h") == "2024-04-01 05:00"
    assert gc.local_time("2024-04-01T05:45:00") == "2024-04-01 05:45"


def test_compare_chart_has_one_line_per_club_and_names_clubs_without_history():
    silent = {**HISTORY, "time_buckets": [], "series": []}
    chart = gc.compare_chart({"Oslo <b>": HISTORY, "Bergen": silent})
    (line,) = valid(chart.figure)["data"]
    assert line["name"] == "Oslo <b>"
    assert line["y"] == [40, 37, 39]
    assert "&lt;b&gt;" in line["hovertemplate"]
    assert chart.note == "No member history in this period for: Bergen."
    assert chart.table.rows[0] == ["Oslo <b>", "2024-03-30", 40]
    assert gc.compare_chart({"Bergen": silent}).figure is None


def test_cohort_heatmap_shares_and_blank_future_months():
    cohorts = [gc.Cohort("2024-01", 4, [3, 2, 1]), gc.Cohort("2024-02", 5, [5]), gc.Cohort("2024-03", 0, [])]
    chart = gc.cohort_chart(cohorts)
    (heat,) = valid(chart.figure)["data"]
    assert heat["type"] == "heatmap"
    assert heat["x"] == [0, 1, 2]
    assert heat["y"] == ["2024-01 (4)", "2024-02 (5)", "2024-03 (0)"]
    assert heat["z"][0] == [0.75, 0.5, 0.25]
    assert heat["z"][1] == [1.0, None, None]
    assert heat["z"][2] == [None, None, None]
    assert heat["text"][0] == ["75%", "50%", "25%"]
    assert (heat["zmin"], heat["zmax"]) == (0.2, 1)  # from the lowest share, rounded down to 10 %
    assert chart.table.columns == ["Join month", "Members", "Month 0", "Month 1", "Month 2"]
    assert chart.table.rows[1] == ["2024-02", 5, 5, None, None]


def test_no_cohort_is_an_honest_empty_card():
    chart = gc.cohort_chart([])
    assert chart.figure is None
    assert chart.empty == gc.NO_COHORTS


TODAY = dt.date(2024, 3, 31)


@pytest.mark.parametrize(
    ("query", "first", "last", "params"),
    [
        ({}, dt.date(2023, 4, 1), TODAY, ()),
        ({"period": "30d"}, dt.date(2024, 3, 2), TODAY, (("period", "30d"),)),
        ({"period": "90d"}, dt.date(2024, 1, 2), TODAY, (("period", "90d"),)),
        ({"period": "2y"}, dt.date(2022, 4, 1), TODAY, (("period", "2y"),)),
        (
            {"period": "custom", "from": "2024-02-29", "to": "2024-03-01", "interval": "1w"},
            dt.date(2024, 2, 29),
            dt.date(2024, 3, 1),
            (("period", "custom"), ("from", "2024-02-29"), ("to", "2024-03-01"), ("interval", "1w")),
        ),
    ],
)
def test_periods(query, first, last, params):
    period = parse_period(query, today=TODAY)
    assert period.error is None
    assert (period.first, period.last, period.params) == (first, last, params)
    assert period.api_from == f"{first.isoformat()}T00:00:00"
    assert period.api_to == f"{(last + dt.timedelta(days=1)).isoformat()}T00:00:00"


@pytest.mark.parametrize(
    "query",
    [
        {"period": "7y"},
        {"interval": "5m"},
        {"period": "custom", "from": "2024-02-30", "to": "2024-03-01"},
        {"period": "custom", "from": "2024-03-02", "to": "2024-03-01"},
        {"period": "custom", "from": "2000-01-01", "to": "2024-03-01"},
        {"period": "custom", "to": "2024-03-01"},
    ],
)
def test_bad_periods_are_messages_not_errors(query):
    period = parse_period(query, today=TODAY)
    assert period.error
    assert period.params == ()


def test_cohort_months_are_the_whole_months_the_period_touches():
    period = parse_period({"period": "custom", "from": "2024-01-15", "to": "2024-02-10"}, today=TODAY)
    assert period.months == (dt.date(2024, 1, 1), dt.date(2024, 2, 29))
    assert parse_period({"period": "30d"}, today=dt.date(2024, 12, 31)).months == (
        dt.date(2024, 12, 1),
        dt.date(2024, 12, 31),
    )
