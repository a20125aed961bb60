"""The 150-bucket and 1,000-point limits, ``auto`` intervals, validation errors with their codes, the body keys
each result type accepts, field metadata over a time window, and the snapshot report against its own oracle."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from reporting.models import MemberCountSnapshot, MemberEvent
from tests.timeseries import oracle

UTC = dt.UTC
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def _event(member_id: int, at: dt.datetime, **attributes: Any) -> MemberEvent:
    values = {"type": "in", "optin_platform": "other", "consents": {}, **attributes}
    return MemberEvent(community_id=301, member_id=member_id, occurred_at=at, **values)


def test_150_daily_buckets_pass_and_151_are_refused(client_for: Any) -> None:
    days = [dt.datetime(2024, 1, 1, 12, tzinfo=OSLO) + dt.timedelta(days=d) for d in range(160)]
    MemberEvent.objects.bulk_create(_event(i, day) for i, day in enumerate(days))
    api = client_for("301")
    assert (dt.date(2024, 5, 30) - dt.date(2024, 1, 1)).days == 150
    body = {"report": "member_balance", "interval": "1d", "from": "2024-01-01", "to": "2024-05-30"}
    status, payload, _ = api.query(body)
    assert status == 200, payload
    assert len(payload["time_buckets"]) == 150
    assert payload["time_buckets"][0] == "2024-01-01T00:00:00.000+01:00"
    assert payload["time_buckets"][-1] == "2024-05-29T00:00:00.000+02:00"
    status, payload, _ = api.query({**body, "to": "2024-05-30T00:00:00.000001"})
    assert status == 422
    assert payload["details"] == {
        "interval": [{"error": "too_many_time_points", "options": {"max": 150, "buckets": 151, "interval": "1d"}}]
    }


def test_150_hourly_buckets_across_the_spring_change(client_for: Any) -> None:
    start = dt.datetime(2024, 3, 30, 0, 0, tzinfo=OSLO).astimezone(UTC)  # so that + means elapsed time
    MemberEvent.objects.bulk_create(_event(i, start + dt.timedelta(hours=i, minutes=30)) for i in range(160))
    api = client_for("301")
    end = start + dt.timedelta(hours=150)  # elapsed hours: the skipped hour is no bucket
    body = {"report": "members_count_history", "interval": "1h", "from": "2024-03-30T00:00:00+01:00",
            "to": end.isoformat()}  # fmt: skip
    status, payload, _ = api.query(body)
    assert status == 200, payload
    assert len(payload["time_buckets"]) == 150
    assert "2024-03-31T01:00:00.000+01:00" in payload["time_buckets"]
    assert "2024-03-31T03:00:00.000+02:00" in payload["time_buckets"]
    assert not any(b.startswith("2024-03-31T02:") for b in payload["time_buckets"])
    assert payload["series"][0]["values"] == list(range(1, 151))
    status, payload, _ = api.query({**body, "to": (end + dt.timedelta(microseconds=1)).isoformat()})
    assert status == 422
    assert payload["details"]["interval"][0]["error"] == "too_many_time_points"


def test_a_huge_range_is_refused_before_listing_its_buckets(
    client_for: Any, django_assert_max_num_queries: Any
) -> None:
    api = client_for("301")
    body = {"report": "member_balance", "interval": "5m", "from": "2000-01-01", "to": "2030-01-01"}
    status, payload, _ = api.query(body)
    assert status == 422
    assert payload["details"]["interval"][0]["error"] == "too_many_time_points"


def test_at_most_1000_data_points_whole_series_in_label_order(client_for: Any) -> None:
    channels = [f"c{n:02d}" for n in range(20)]
    start = dt.datetime(2024, 6, 1, 12, tzinfo=OSLO)
    rows, member = [], 0
    for day in range(60):
        for channel in channels:
            for kind in ("in", "out"):
                member += 1
                rows.append(_event(member, start + dt.timedelta(days=day), type=kind, optin_channel=channel))
    MemberEvent.objects.bulk_create(rows)
    api = client_for("301")
    body = {"report": "member_balance", "interval": "1d", "from": "2024-06-01", "to": "2024-07-31",
            "aggregate_by": "optin_channel"}  # fmt: skip
    status, payload, _ = api.query(body)
    assert status == 200, payload
    expected = oracle.member_balance(
        oracle.read_events([301]), {301: "Europe/Oslo"}, start="2024-06-01", end="2024-07-31", interval="1d",
        aggregate_by="optin_channel",
    )  # fmt: skip
    assert payload == expected
    # 40 series of 60 values: 16 whole series fit under 1,000.
    assert payload["data_points"] == 16 * 60
    assert [s["label"] for s in payload["series"]] == [{"type": "in", "optin_channel": c} for c in channels[:16]]


@pytest.mark.parametrize(
    ("span", "report", "interval"),
    [
        (dt.timedelta(hours=12), "member_balance", "5m"),
        (dt.timedelta(hours=12, seconds=1), "member_balance", "1h"),
        (dt.timedelta(days=3), "members_count_history", "1h"),
        (dt.timedelta(days=3, seconds=1), "members_count_history", "1d"),
        (dt.timedelta(hours=6), "members_count_snapshot", "1h"),  # 5m bumped to the report's smallest
        # Ours beyond §6: on to 1w and 1mo while 1d would give more than 150 buckets (23-hour days counted).
        (dt.timedelta(days=140), "member_balance", "1d"),
        (dt.timedelta(days=150), "member_balance", "1w"),
        (dt.timedelta(days=730), "members_count_history", "1w"),
        (dt.timedelta(days=1100), "member_balance", "1mo"),
    ],
)
def test_auto_interval(client_for: Any, span: dt.timedelta, report: str, interval: str) -> None:
    start = dt.datetime(2024, 5, 1, tzinfo=UTC)
    status, payload, _ = client_for("301").query(
        {"report": report, "from": start.isoformat(), "to": (start + span).isoformat()}
    )
    assert status == 200, payload
    assert payload["interval"] == interval


def e(code: str, **options: Any) -> list[dict[str, Any]]:
    return [{"error": code, "options": options}]


WINDOW = {"from": "2024-05-01", "to": "2024-05-08"}
BALANCE = {"report": "member_balance", **WINDOW}
HISTORY = {"report": "members_count_history", **WINDOW}
INTERVALS = ["auto", "5m", "1h", "1d", "1w", "1mo"]
CASES = [
    ({"report": "member_balance"}, {"from": e("required"), "to": e("required")}),
    ({**BALANCE, "interval": "2h"}, {"interval": e("invalid_value", allowed=INTERVALS)}),
    ({**BALANCE, "interval": 5}, {"interval": e("invalid_type", expected="string")}),
    ({"report": "members_count_snapshot", **WINDOW, "interval": "5m"},
     {"interval": e("invalid_value", allowed=["auto", "1h", "1d", "1w", "1mo"])}),
    ({**BALANCE, "from": 5}, {"from": e("invalid_type", expected="timestamp")}),
    ({**BALANCE, "from": "yesterday"}, {"from": e("invalid_value", expected="ISO 8601 timestamp between 1900 and 2200")}),
    ({**BALANCE, "to": "2024-04-30"}, {"to": e("invalid_value", reason="must be later than from")}),
    ({**BALANCE, "to": "2024-05-01"}, {"to": e("invalid_value", reason="must be later than from")}),
    ({**BALANCE, "limit": 10, "next_page_info": "x"}, {"limit": e("unknown"), "next_page_info": e("unknown")}),
    ({"report": "members", "interval": "1d", "from": "2024-05-01"}, {"interval": e("unknown"), "from": e("unknown")}),
    ({**BALANCE, "aggregate_by": "gender_count"}, {"aggregate_by": e("invalid_value", allowed=[
        "total", "optin_channel", "optin_subchannel", "optin_platform", "gender", "age", "consents"])}),
    ({**HISTORY, "aggregate_by": "gender"}, {"aggregate_by": e("invalid_value", allowed=[])}),
    ({**BALANCE, "filter": {"type": "equal", "field": "id", "value": 1}}, {"filter": {"field": e("unknown")}}),
    ({**BALANCE, "filter": {"type": "equal", "field": "consents", "value": 1}},
     {"filter": {"field": e("not_filterable")}}),
    ({**BALANCE, "filter": {"type": "equal", "field": "type", "value": "joined"}},
     {"filter": {"value": e("invalid_value", allowed=["in", "out"])}}),
    ({**HISTORY, "filter": {"type": "equal", "field": "grouping_type", "value": "age"}},
     {"filter": {"value": e("invalid_value", allowed=[
         "total", "optin_channel", "optin_subchannel", "optin_platform", "gender"])}}),
    ({**HISTORY, "filter": {"type": "greater_than", "field": "grouping_value", "value": "a"}},
     {"filter": {"type": e("not_allowed", field="grouping_value", allowed=["equal", "not_equal", "in", "not_in"])}}),
]  # fmt: skip


@pytest.mark.parametrize(("body", "details"), CASES)
def test_validation_errors(client_for: Any, body: dict[str, Any], details: dict[str, Any]) -> None:
    status, payload, _ = client_for("301_311").query(body)
    assert (status, payload) == (422, {"error": "Invalid parameters", "details": details})


def test_field_metadata_counts_events_in_the_time_window(client_for: Any, insert_events: Any) -> None:
    center = dt.datetime(2024, 10, 27, 1, tzinfo=UTC)
    insert_events([301, 311], center, seed=3)
    events = oracle.read_events([301, 311])
    api = client_for("301_311")
    body = {"report": "member_balance", "field": "gender", "from": "2024-10-20", "to": "2024-10-28T12:00:00Z",
            "filter": {"type": "equal", "field": "type", "value": "in"}}  # fmt: skip
    status, payload, _ = api.post("/v1/reporting/field_metadata", body)
    assert status == 200, payload
    zones = {301: "Europe/Oslo", 311: "America/Denver"}
    counts: dict[Any, int] = {}
    for event in events:
        lo = oracle.bound("2024-10-20", zones[event["community_id"]])
        hi = oracle.bound("2024-10-28T12:00:00Z", zones[event["community_id"]])
        if event["type"] == "in" and lo <= event["occurred_at"] < hi:
            counts[event["gender"]] = counts.get(event["gender"], 0) + 1
    assert {v["value"]: v["members_count"] for v in payload["values"]} == counts
    assert sum(counts.values()) > 50
    status, payload, _ = api.post("/v1/reporting/field_metadata", {**body, "limit": 10, "interval": "1d"})
    assert (status, payload["details"]) == (422, {"interval": e("unknown")})
    status, payload, _ = api.post(
        "/v1/reporting/field_metadata", {"report": "members_count_history", "field": "grouping_type"}
    )
    assert status == 200
    assert {v["value"] for v in payload["values"]} == {"total", "optin_channel", "optin_subchannel", "optin_platform",
                                                       "gender"}  # fmt: skip


def test_members_count_snapshot_is_the_last_value_in_each_bucket(client_for: Any, zoned_clubs: Any) -> None:
    rows = []
    start = dt.datetime(2024, 10, 25, 22, 0, tzinfo=UTC)
    for community in (301, 302):
        for period in range(0, 3 * 24 * 4, 3):  # every 45 minutes for three days, across the autumn change
            taken = start + dt.timedelta(minutes=15 * period)
            for value, base in ((None, 100), ("woman", 40)):
                grouping = "total" if value is None else "gender"
                rows.append(MemberCountSnapshot(
                    community_id=community, grouping_type=grouping, grouping_value=value,
                    members_count=base + community + period, taken_at=taken, changed_at=taken,
                ))  # fmt: skip
    MemberCountSnapshot.objects.bulk_create(rows)
    api = client_for("301_302")
    for interval, node in (("1h", None), ("1d", {"type": "equal", "field": "grouping_type", "value": "gender"})):
        first, final = "2024-10-26", "2024-10-28T06:00:00"
        body = {"report": "members_count_snapshot", "interval": interval, "from": first, "to": final, "filter": node}
        status, payload, _ = api.query(body)
        assert status == 200, payload
        grids = oracle.Buckets("Europe/Oslo", first, final, interval, local_form=False)
        grouping = "total" if node is None else "gender"
        last: dict[Any, dict[int, tuple[dt.datetime, int]]] = {}
        for row in rows:
            bucket = grids.of(row.taken_at)
            if row.grouping_type == grouping and bucket is not None:
                seen = last.setdefault(bucket.order, {})
                if row.community_id not in seen or seen[row.community_id][0] < row.taken_at:
                    seen[row.community_id] = (row.taken_at, row.members_count)
        orders = sorted(last)
        assert payload["time_buckets"] == [grids.by_order[o].label for o in orders]
        assert payload["series"] == [{
            "label": {"grouping_type": grouping, "grouping_value": None if node is None else "woman"},
            "values": [sum(v for _, v in last[o].values()) for o in orders],
        }]  # fmt: skip
        assert len(orders) > 20 if interval == "1h" else len(orders) == 3
