"""members_grouped_count through the API: rows, aggregation, filters, pages, permits and freshness."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from reporting import permits
from reporting.models import Member, MemberCountSnapshot
from reporting.snapshots import period_start, snapshots_take
from tests.snapshots.conftest import oracle_counts

REPORT = "members_grouped_count"
PERMIT = permits.report_permit("MembersGroupedCount")


def _in_context(members, ids=(235, 236)):
    return [m for m in members if m["community_id"] in ids]


def _records_as_counts(records):
    return {(r["community_id"], r["grouping_type"], r["grouping_value"]): r["members_count"] for r in records}


def test_rows_equal_the_oracle_and_each_comes_once_over_pages(api, seeded_members):
    records = api.walk({"report": REPORT, "limit": 7})
    assert _records_as_counts(records) == dict(oracle_counts(_in_context(seeded_members)))
    assert len(records) == len(_records_as_counts(records))
    assert set(records[0]) == {"community_id", "grouping_type", "grouping_value", "members_count", "updated_at"}
    # The declared order: community, type, value by code point with null last.
    keys = [(r["community_id"], r["grouping_type"], r["grouping_value"]) for r in records]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1].encode(), k[2] is None, (k[2] or "").encode()))
    status, single, _ = api.query({"report": REPORT, "limit": 1000})
    assert status == 200
    assert single["records"] == records
    assert single["pagination"]["next_page_info"] is None


def test_updated_at_is_the_snapshot_changed_at_in_utc_z(api, seeded_members):
    now = timezone.now()
    snapshots_take(now=now)
    _, body, _ = api.query({"report": REPORT, "limit": 1})
    expected = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert body["records"][0]["updated_at"] == expected


def test_aggregation_sums_over_the_communities_in_context(api, seeded_members):
    records = api.walk({"report": REPORT, "aggregate_by": "by_grouping_type_and_value", "limit": 5})
    expected: Counter[tuple[str, str | None]] = Counter()
    for (_, grouping_type, value), count in oracle_counts(_in_context(seeded_members)).items():
        expected[(grouping_type, value)] += count
    assert {(r["grouping_type"], r["grouping_value"]): r["members_count"] for r in records} == dict(expected)
    assert all(set(r) == {"grouping_type", "grouping_value", "members_count"} for r in records)
    assert all(isinstance(r["members_count"], int) for r in records)
    counts = [r["members_count"] for r in records]
    assert counts == sorted(counts, reverse=True)


def _leaf(op, field, value):
    return {"type": op, "field": field, "value": value}


@pytest.mark.parametrize(
    ("condition", "keep"),
    [
        (_leaf("equal", "grouping_type", "gender"), lambda t, v: t == "gender"),
        (_leaf("equal", "grouping_value", None), lambda t, v: v is None),
        (_leaf("in", "grouping_value", ["true", "NO"]), lambda t, v: v in ("true", "NO")),
        (
            {
                "type": "and",
                "operations": [
                    _leaf("in", "grouping_type", ["age", "total"]),
                    _leaf("not_equal", "grouping_value", None),
                ],
            },
            lambda t, v: t in ("age", "total") and v is not None,
        ),
    ],
)
def test_filters(api, seeded_members, condition, keep):
    records = api.walk({"report": REPORT, "filter": condition, "limit": 1000})
    expected = {k: c for k, c in oracle_counts(_in_context(seeded_members)).items() if keep(k[1], k[2])}
    assert expected
    assert _records_as_counts(records) == expected


def test_only_grouping_fields_are_filterable(api, seeded_members):
    status, body, _ = api.query({"report": REPORT, "filter": _leaf("greater_than", "members_count", 1)})
    assert status == 422
    status, body, _ = api.query({"report": REPORT, "filter": _leaf("equal", "grouping_type", "shoe_size")})
    assert status == 422, body


def test_context_limits_the_rows(api_for, seeded_members):
    records = api_for(customer="236").walk({"report": REPORT, "limit": 1000})
    assert _records_as_counts(records) == dict(oracle_counts(_in_context(seeded_members, (236,))))


def test_permit_is_required(api_for, seeded_members):
    status, body, _ = api_for(permit_list=[permits.QUERY, permits.report_permit("Members")]).query({"report": REPORT})
    assert (status, body) == (403, {"error": f"Missing permit {PERMIT}"})
    status, _, _ = api_for(permit_list=[permits.QUERY, PERMIT]).query({"report": REPORT})
    assert status == 200


def test_metadata_declares_the_report(api):
    status, body, _ = api.post("/v1/reporting/metadata", {"report": REPORT})
    assert status == 200
    assert (body["result_type"], body["permit"], body["cost"]) == ("records", PERMIT, 2)
    assert [f["name"] for f in body["fields"] if f["filterable"]] == ["grouping_type", "grouping_value"]
    assert [a["name"] for a in body["aggregations"]] == ["by_grouping_type_and_value"]


def test_field_metadata_reads_the_fresh_snapshot(api, seeded_members):
    status, body, _ = api.post("/v1/reporting/field_metadata", {"report": REPORT, "field": "grouping_type"})
    assert status == 200
    # 11 types per community; field_metadata counts rows (groups), as for any records report.
    assert {v["value"]: v["members_count"] for v in body["values"]}["total"] == 2
    assert MemberCountSnapshot.objects.filter(taken_at=period_start(timezone.now())).exists()


def test_beat_down_the_request_takes_the_missing_period(api, seeded_members):
    """A snapshot two periods old (beat stopped) is never served: the request snapshots its communities."""
    stale = timezone.now() - dt.timedelta(minutes=31)
    snapshots_take(now=stale)
    Member.objects.filter(id__in=[m["id"] for m in seeded_members[:40]]).delete()
    records = api.walk({"report": REPORT, "limit": 1000})
    remaining = _in_context(seeded_members[40:])
    expected = oracle_counts(remaining)
    for key in oracle_counts(_in_context(seeded_members)):
        expected.setdefault(key, 0)  # values that emptied since the stale snapshot show as 0
    assert _records_as_counts(records) == dict(expected)
    current = period_start(timezone.now())
    assert set(MemberCountSnapshot.objects.filter(taken_at=current).values_list("community_id", flat=True)) == {
        235,
        236,
    }  # only the context's communities: 240 waits for beat


def test_a_fresh_snapshot_is_served_as_taken(api, seeded_members):
    """Within a period the first snapshot is the answer (a change shows from the next period on)."""
    snapshots_take()
    Member.objects.filter(id__in=[m["id"] for m in seeded_members[:40]]).delete()
    records = api.walk({"report": REPORT, "limit": 1000})
    assert _records_as_counts(records) == dict(oracle_counts(_in_context(seeded_members)))
