"""Every timeseries report x interval x aggregation agrees with the zoneinfo oracle, bucket by bucket.

Scenarios: the spring and autumn DST changes in Europe/Oslo and America/Denver, Asia/Kathmandu (+05:45) on a
month boundary (and leap day), and a context spanning three time zones ("local" form). Windows are written in
every form the API accepts: with an offset, without one (wall-clock), as a plain date.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from tests.timeseries import oracle

UTC = dt.UTC

SCENARIOS: dict[str, tuple[list[int], dt.datetime]] = {
    "oslo-spring": ([301, 302], dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
    "oslo-autumn": ([301, 302], dt.datetime(2024, 10, 27, 1, 0, tzinfo=UTC)),
    "denver-spring": ([311], dt.datetime(2024, 3, 10, 9, 0, tzinfo=UTC)),
    "denver-autumn": ([311], dt.datetime(2024, 11, 3, 8, 0, tzinfo=UTC)),
    "kathmandu-month": ([321], dt.datetime(2024, 2, 29, 18, 15, tzinfo=UTC)),
    "mixed-zones": ([301, 311, 321], dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
}
BALANCE_AGGREGATIONS = [None, "total", "optin_channel", "optin_subchannel", "optin_platform", "gender", "age",
                        "consents"]  # fmt: skip
GROUPINGS = ["total", "optin_channel", "optin_subchannel", "optin_platform", "gender"]


def windows(center: dt.datetime, zone: str, *, local_form: bool = False) -> dict[str, tuple[str, str]]:
    """A window per interval around ``center``, each bound in a different accepted form. In the local form an
    instant means a different wall-clock stretch in each zone, so the 5m window there is wall-clock at both ends
    (the union of three zones' 5-minute buckets between two instants would pass 150)."""
    tz = zoneinfo.ZoneInfo(zone)

    def wall(moment: dt.datetime) -> str:
        return moment.astimezone(tz).replace(tzinfo=None).isoformat()

    def with_offset(moment: dt.datetime) -> str:
        return moment.astimezone(tz).isoformat()

    def date(moment: dt.datetime) -> str:
        return moment.astimezone(tz).date().isoformat()

    return {
        "5m": (
            wall(center - dt.timedelta(hours=5, minutes=3)),
            wall(center + dt.timedelta(hours=5)) if local_form else (center + dt.timedelta(hours=5)).isoformat(),
        ),
        "1h": (with_offset(center - dt.timedelta(days=2, minutes=30)), wall(center + dt.timedelta(days=2))),
        "1d": (date(center - dt.timedelta(days=40)), date(center + dt.timedelta(days=40))),
        "1w": (wall(center - dt.timedelta(weeks=30, hours=13)), with_offset(center + dt.timedelta(weeks=30))),
        "1mo": (date(center - dt.timedelta(days=540)), wall(center + dt.timedelta(days=400))),
    }


@pytest.fixture(params=list(SCENARIOS))
def scenario(request: Any, insert_events: Any, zoned_clubs: dict[int, str]) -> dict[str, Any]:
    ids, center = SCENARIOS[request.param]
    insert_events(ids, center, seed=len(request.param))
    # Events outside the context (another club, another zone) that must never be counted.
    insert_events([235], center, seed=99, members=40)
    return {
        "customer": "_".join(str(i) for i in ids),
        "zone_of": {cid: zoned_clubs[cid] for cid in ids},
        "events": oracle.read_events(ids),
        "windows": windows(center, zoned_clubs[ids[0]], local_form=len(ids) > 2),
    }


def _query(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    status, payload, _ = api.query(body)
    assert status == 200, (body, payload)
    return payload


def test_member_balance_agrees_with_the_oracle(client_for: Any, scenario: dict[str, Any]) -> None:
    api = client_for(scenario["customer"])
    checked = 0
    for interval, (start, end) in scenario["windows"].items():
        for aggregation in BALANCE_AGGREGATIONS:
            body = {"report": "member_balance", "interval": interval, "from": start, "to": end,
                    "aggregate_by": aggregation}  # fmt: skip
            expected = oracle.member_balance(
                scenario["events"], scenario["zone_of"], start=start, end=end, interval=interval,
                aggregate_by=aggregation,
            )  # fmt: skip
            assert _query(api, body) == expected, body
            checked += len(expected["series"])
    assert checked > 200  # the scenario really has data in its windows


def test_members_count_history_agrees_with_the_oracle(client_for: Any, scenario: dict[str, Any]) -> None:
    api = client_for(scenario["customer"])
    for interval, (start, end) in scenario["windows"].items():
        for grouping in GROUPINGS:
            node = None if grouping == "total" else {"type": "equal", "field": "grouping_type", "value": grouping}
            body = {"report": "members_count_history", "interval": interval, "from": start, "to": end, "filter": node}
            expected = oracle.members_count_history(
                scenario["events"], scenario["zone_of"], start=start, end=end, interval=interval, filter_node=node
            )
            assert expected["series"], body
            assert _query(api, body) == expected, body


FILTERS = [
    {"type": "equal", "field": "gender", "value": "woman"},
    {"type": "and", "operations": [
        {"type": "equal", "field": "consents.email_marketing", "value": True},
        {"type": "not_in", "field": "optin_channel", "value": ["app", None]},
    ]},
    {"type": "or", "operations": [
        {"type": "equal", "field": "type", "value": "out"},
        {"type": "in", "field": "age", "value": ["20-24"]},
    ]},
]  # fmt: skip
HISTORY_FILTERS = [
    {"type": "in", "field": "grouping_type", "value": ["gender", "optin_platform"]},
    {"type": "and", "operations": [
        {"type": "equal", "field": "grouping_type", "value": "optin_channel"},
        {"type": "not_equal", "field": "grouping_value", "value": "app"},
    ]},
    {"type": "equal", "field": "grouping_value", "value": None},
]  # fmt: skip


@pytest.mark.parametrize("node", FILTERS)
def test_filters_over_events_agree_with_the_oracle(client_for: Any, insert_events: Any, zoned_clubs: Any,
                                                   node: dict[str, Any]) -> None:  # fmt: skip
    ids, center = SCENARIOS["oslo-autumn"]
    insert_events(ids, center, seed=7)
    events = oracle.read_events(ids)
    api = client_for("301_302")
    for interval, (start, end) in windows(center, "Europe/Oslo").items():
        for aggregation in (None, "gender", "consents"):
            body = {"report": "member_balance", "interval": interval, "from": start, "to": end,
                    "aggregate_by": aggregation, "filter": node}  # fmt: skip
            expected = oracle.member_balance(
                events, {301: "Europe/Oslo", 302: "Europe/Oslo"}, start=start, end=end, interval=interval,
                aggregate_by=aggregation, filter_node=node,
            )  # fmt: skip
            assert expected["series"]
            assert _query(api, body) == expected, body


@pytest.mark.parametrize("node", HISTORY_FILTERS)
def test_history_grouping_filters_agree_with_the_oracle(client_for: Any, insert_events: Any, zoned_clubs: Any,
                                                        node: dict[str, Any]) -> None:  # fmt: skip
    ids, center = SCENARIOS["denver-autumn"]
    insert_events(ids, center, seed=8)
    events = oracle.read_events(ids)
    api = client_for("311")
    for interval, (start, end) in windows(center, "America/Denver").items():
        body = {"report": "members_count_history", "interval": interval, "from": start, "to": end, "filter": node}
        expected = oracle.members_count_history(
            events, {311: "America/Denver"}, start=start, end=end, interval=interval, filter_node=node
        )
        assert expected["series"]
        assert _query(api, body) == expected, body
