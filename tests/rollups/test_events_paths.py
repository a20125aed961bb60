"""The daily event rollup answers exactly what the events answer: random join/leave/re-join histories written
through the ingest API around DST changes, random windows, intervals, filters and contexts; the rollup path, the
base path and the zoneinfo oracle (tests/timeseries/oracle.py) must give the same envelope, and the
``x-reporting-source`` header must name the source the rules say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting import permits
from reporting.rollups.events_choice import base_path_only
from tests.conftest import ApiClient
from tests.timeseries import oracle

UTC = dt.UTC
INGEST = "/v1/reporting/ingest/members"
ZONES = {301: "Europe/Oslo", 311: "America/Denver", 321: "Asia/Kathmandu"}
# DST changes (Oslo, Denver) and Kathmandu's month end: every history is written around one of them.
CENTERS = [
    dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
    dt.datetime(2024, 10, 27, 1, 0, tzinfo=UTC),
    dt.datetime(2024, 3, 10, 9, 0, tzinfo=UTC),
    dt.datetime(2024, 11, 3, 8, 0, tzinfo=UTC),
    dt.datetime(2024, 2, 29, 18, 15, tzinfo=UTC),
]
CUSTOMERS = ["301", "311", "321", "301_311_321"]
ROLLUP_DIMENSIONS = {"type", "optin_channel", "optin_subchannel", "optin_platform", "gender"}
BALANCE_FILTERS: list[dict[str, Any] | None] = [
    None,
    {"type": "equal", "field": "type", "value": "out"},  # no dimension read: the daily totals answer
    {"type": "equal", "field": "optin_channel", "value": "ios-app"},
    {"type": "in", "field": "gender", "value": ["woman", None]},
    {"type": "and", "operations": [
        {"type": "equal", "field": "type", "value": "in"},
        {"type": "not_equal", "field": "optin_subchannel", "value": "a"},
    ]},
    {"type": "equal", "field": "age", "value": "20-24"},  # not in the rollup: the events answer
    {"type": "equal", "field": "consents.email_marketing", "value": True},  # not either
]  # fmt: skip
HISTORY_FILTERS: list[dict[str, Any] | None] = [
    None,
    {"type": "equal", "field": "grouping_value", "value": None},  # with the default total grouping: the totals
    {"type": "in", "field": "grouping_type", "value": ["gender", "optin_platform"]},
    {"type": "and", "operations": [
        {"type": "equal", "field": "grouping_type", "value": "optin_channel"},
        {"type": "not_equal", "field": "grouping_value", "value": "webforms"},
    ]},
]  # fmt: skip
AGGREGATIONS = [None, "total", "optin_channel", "optin_subchannel", "gender", "age", "consents"]

attributes = st.fixed_dictionaries({
    "optin_channel": st.sampled_from([None, "ios-app", "webforms", "kiosk"]),
    "optin_subchannel": st.sampled_from([None, "a", "b"]),
    "gender": st.sampled_from([None, "woman", "man"]),
    "consents": st.sampled_from([{}, {"email_marketing": True}, {"email_marketing": False}]),
})  # fmt: skip
# A member's life: joins at an offset (minutes) from the center, then leaves and comes back after gaps.
lives = st.tuples(
    st.sampled_from(sorted(ZONES)),
    st.integers(-4 * 24 * 60, 4 * 24 * 60),
    st.lists(st.integers(1, 3 * 24 * 60), max_size=3),
    attributes,
)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _ingest(client: ApiClient, center: dt.datetime, members: list[tuple[Any, ...]]) -> None:
    """Every member's life as successive ingest batches: creation, then deletion and re-creation in turn."""
    rounds: list[list[dict[str, Any]]] = []
    for member_id, (community_id, joined, gaps, attrs) in enumerate(members, start=1):
        created = center + dt.timedelta(minutes=joined)
        moment = created
        ops = [{"id": member_id, "community_id": community_id, "created_at": _stamp(created),
                "updated_at": _stamp(created), **attrs}]  # fmt: skip
        for index, gap in enumerate(gaps):
            moment += dt.timedelta(minutes=gap)
            if index % 2 == 0:
                ops.append({"id": member_id, "community_id": community_id, "deleted": True,
                            "deleted_at": _stamp(moment), "updated_at": _stamp(moment)})  # fmt: skip
            else:
                ops.append({"id": member_id, "community_id": community_id, "created_at": _stamp(created),
                            "updated_at": _stamp(moment), **attrs})  # fmt: skip
        for index, op in enumerate(ops):
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(op)
    for batch in rounds:
        status, body, _ = client.post(INGEST, {"members": batch})
        assert status == 200, body
        assert not body["rejected"], body


def _fields(node: dict[str, Any] | None) -> set[str]:
    if node is None:
        return set()
    if node["type"] in ("and", "or"):
        return set().union(*(_fields(child) for child in node["operations"]))
    return {node["field"]}


@pytest.fixture
def ingest_client(client: Any, make_token: Callable[..., str], zoned_clubs: dict[int, str]) -> ApiClient:
    return ApiClient(client, make_token(permit_list=[permits.INGEST], community_ids=sorted(ZONES)), None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollup_and_events_answer_the_same(client_for: Any, ingest_client: ApiClient, data: st.DataObject) -> None:
    center = data.draw(st.sampled_from(CENTERS), label="center")
    members = data.draw(st.lists(lives, min_size=1, max_size=25), label="members")
    with transaction.atomic():
        _ingest(ingest_client, center, members)
        events = oracle.read_events(ZONES)
        for _ in range(3):
            report = data.draw(st.sampled_from(["member_balance", "members_count_history"]), label="report")
            interval = data.draw(st.sampled_from(["1d", "1w", "1mo", "1h"]), label="interval")
            customer = data.draw(st.sampled_from(CUSTOMERS), label="customer")
            zone_of = {cid: ZONES[cid] for cid in map(int, customer.split("_"))}
            span = {"1h": 2, "1d": 9, "1w": 40, "1mo": 200}[interval]
            start = center + dt.timedelta(hours=data.draw(st.integers(-24 * span, 0), label="from"))
            end = start + dt.timedelta(hours=data.draw(st.integers(1, 24 * span), label="length"))
            as_date = data.draw(st.booleans(), label="plain dates")
            lo, hi = (start.date().isoformat(), (end.date() + dt.timedelta(days=1)).isoformat()) if as_date else (
                start.isoformat(), end.isoformat()
            )  # fmt: skip
            body: dict[str, Any] = {"report": report, "interval": interval, "from": lo, "to": hi}
            if report == "member_balance":
                node = data.draw(st.sampled_from(BALANCE_FILTERS), label="filter")
                aggregate_by = data.draw(st.sampled_from(AGGREGATIONS), label="aggregate_by")
                body.update(filter=node, aggregate_by=aggregate_by)
                expected = oracle.member_balance(events, zone_of, start=lo, end=hi, interval=interval,
                                                 aggregate_by=aggregate_by, filter_node=node)  # fmt: skip
                covered = _fields(node) <= ROLLUP_DIMENSIONS and aggregate_by not in ("age", "consents")
            else:
                node = data.draw(st.sampled_from(HISTORY_FILTERS), label="filter")
                body.update(filter=node)
                expected = oracle.members_count_history(events, zone_of, start=lo, end=hi, interval=interval,
                                                        filter_node=node)  # fmt: skip
                covered = True
            api = client_for(customer)
            status, from_rollup, response = api.query(body)
            assert status == 200, (body, from_rollup)
            rollup_expected = covered and interval != "1h"
            if report == "member_balance":
                totals = _fields(node) <= {"type"} and aggregate_by in (None, "total")
            else:
                totals = "grouping_type" not in _fields(node)
            rollup = "rollup:events_daily_total" if totals else "rollup:events_daily"
            assert response["x-reporting-source"] == (rollup if rollup_expected else "base"), body
            with base_path_only():
                status, from_events, response = api.query(body)
            assert status == 200, (body, from_events)
            assert response["x-reporting-source"] == "base"
            assert from_rollup == from_events == expected, body
        transaction.set_rollback(True)


def test_a_window_from_the_second_of_two_equal_hours_leaves_the_first_out(
    client_for: Any, ingest_client: ApiClient
) -> None:
    """Found by the property test above: Denver's clocks show 01:00 to 02:00 twice on 2024-11-03, and a window from
    08:00Z starts at the second. A join at 07:59Z (01:59 in the first of the two hours) is before the window, though
    its wall-clock hour names the window's first Denver bucket; a join at 08:00Z in Oslo is in it."""
    center = dt.datetime(2024, 11, 3, 8, 0, tzinfo=UTC)
    plain: dict[str, Any] = {"optin_channel": None, "optin_subchannel": None, "gender": None, "consents": {}}
    with transaction.atomic():
        _ingest(ingest_client, center, [(301, 0, [], plain), (311, -1, [], plain)])
        lo, hi = center.isoformat(), (center + dt.timedelta(hours=1)).isoformat()
        body = {"report": "member_balance", "interval": "1h", "from": lo, "to": hi}
        expected = oracle.member_balance(oracle.read_events(ZONES), ZONES, start=lo, end=hi, interval="1h")
        status, answer, _ = client_for("301_311_321").query(body)
        assert status == 200, answer
        assert answer == expected
        assert answer["time_buckets"] == ["2024-11-03T09:00:00.000"]
        assert answer["series"] == [{"label": {"type": "in"}, "values": [1], "timezone": "Europe/Oslo"}]
        transaction.set_rollback(True)
