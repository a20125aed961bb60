"""Every aggregation of the members report (values and order) == the oracle's Counter/sort over the same rows;
the members_count report == plain SQL over communities, members and events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError

from reporting.models import Community, MemberEvent
from tests.query import oracle
from tests.query.dataset import CONTEXT

UTC = dt.UTC
FILTERS = [
    None,
    {"type": "equal", "field": "gender", "value": "woman"},  # some groups of one community drop to zero
    {
        "type": "or",
        "operations": [
            {"type": "equal", "field": "consents.sms_marketing", "value": True},
            {"type": "greater_or_equal_to", "field": "properties.bonus_points", "value": 10},
        ],
    },
]


@pytest.mark.parametrize("name", oracle.AGGREGATION_NAMES)
def test_aggregation_rows_equal_the_oracle(api, dataset, name):
    for node in FILTERS:
        status, body, _ = api.query({"report": "members", "aggregate_by": name, "filter": node, "limit": 1000})
        assert status == 200, body
        expected = oracle.aggregation_rows(name, dataset.matching(node), CONTEXT)
        assert body["records"] == expected, (name, node)
        assert body["pagination"]["next_page_info"] is None


@pytest.mark.parametrize("name", oracle.AGGREGATION_NAMES)
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_small_pages_concatenate_to_the_whole_result(api, dataset, name, limit):
    node = FILTERS[1]
    whole = oracle.aggregation_rows(name, dataset.matching(node), CONTEXT)
    pages = api.walk({"report": "members", "aggregate_by": name, "filter": node, "limit": limit})
    assert pages == whole


def test_distributions_leave_out_empty_groups_but_count_lists_every_community(api, dataset):
    """One community has no woman at all in a narrowed filter: count still shows it with 0, gender_count omits it."""
    woman_in_235 = next(r["id"] for r in dataset.rows if r["community_id"] == 235 and r["gender"] == "woman")
    node = {"type": "equal", "field": "id", "value": woman_in_235}
    _, body, _ = api.query({"report": "members", "aggregate_by": "count", "filter": node})
    assert body["records"] == [{"community_id": 235, "members_count": 1}, {"community_id": 236, "members_count": 0}]
    _, body, _ = api.query({"report": "members", "aggregate_by": "gender_count", "filter": node})
    assert body["records"] == [{"community_id": 235, "gender": "woman", "members_count": 1}]
    _, body, _ = api.query({"report": "members", "aggregate_by": "total_count", "filter": node})
    assert body["records"] == [{"members_count": 1}]


def test_count_of_a_community_without_members(api_for, dataset):
    Community.objects.create(id=241, slug="empty-club", name="Empty Club", country="NO", timezone="Europe/Oslo")
    client = api_for("235_236_241", community_ids=None)
    _, body, _ = client.query({"report": "members", "aggregate_by": "count"})
    expected = oracle.aggregation_rows("count", dataset.rows, (235, 236, 241))
    assert body["records"] == expected
    assert expected[-1] == {"community_id": 241, "members_count": 0}
    _, body, _ = client.query({"report": "members", "aggregate_by": "total_consents_count"})
    assert body["records"] == oracle.aggregation_rows("total_consents_count", dataset.rows, (235, 236, 241))


def test_aggregations_ignore_rows_outside_the_context(api_for, dataset):
    client = api_for("236")
    rows_236 = [r for r in dataset.rows if r["community_id"] == 236]
    for name in ("count", "total_count", "place_count", "total_interests_count", "consents_count"):
        _, body, _ = client.query({"report": "members", "aggregate_by": name, "limit": 1000})
        assert body["records"] == oracle.aggregation_rows(name, rows_236, (236,)), name


def test_some_groups_are_empty_in_one_community(dataset):
    for name, column, value, empty_in in [
        ("gender_count", "gender", "other", 236),
        ("place_count", "place_id", "6453366", 236),
        ("age_count", "age", "80-", 236),
        ("optin_subchannel_count", "optin_subchannel", "b", 235),
    ]:
        rows = oracle.aggregation_rows(name, dataset.rows, CONTEXT)
        communities = {r["community_id"] for r in rows if r[column] == value}
        assert communities == set(CONTEXT) - {empty_in}, name


def test_the_oracle_sees_what_the_aggregations_must_handle(dataset):
    """Non-boolean consents exist (and must not be counted), duplicated interests exist (counted once)."""
    assert any(not isinstance(r["consents"].get("dmp_profiling", True), bool) for r in dataset.rows)
    assert any(r["properties"].get("interests") == ["swimming", "swimming"] for r in dataset.rows)
    assert any(r["properties"].get("interests") == "cars" for r in dataset.rows)  # not an array: no interests
    counts = oracle.aggregation_rows("gender_count", dataset.rows, CONTEXT)
    assert any(r["gender"] is None for r in counts)
    assert any(r["gender"] == "Woman" for r in counts)


# --- members_count (ours) ---


def _members_count_oracle(community_ids: tuple[int, ...]) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT community_id, count(*) FROM reporting_member GROUP BY community_id")
        counts = dict(cursor.fetchall())
        cursor.execute("SELECT community_id, max(occurred_at) FROM reporting_memberevent GROUP BY community_id")
        latest = dict(cursor.fetchall())
    return [
        {
            "community_id": cid,
            "members_count": counts.get(cid, 0),
            "updated_at": oracle.format_timestamp(latest.get(cid)),
        }
        for cid in sorted(community_ids)
    ]


def _events() -> None:
    base = dt.datetime(2024, 4, 9, 13, 34, 29, 439000, tzinfo=UTC)
    MemberEvent.objects.bulk_create(
        [
            MemberEvent(community_id=235, member_id=1, type="in", occurred_at=base, optin_platform="other"),
            MemberEvent(
                community_id=235,
                member_id=2,
                type="out",
                occurred_at=base - dt.timedelta(days=3),
                optin_platform="other",
            ),
            MemberEvent(
                community_id=240,
                member_id=3,
                type="in",
                occurred_at=base + dt.timedelta(days=1),
                optin_platform="other",
            ),
        ]
    )


def test_members_count_rows(api, dataset):
    _events()
    records = api.walk({"report": "members_count", "limit": 1})
    assert records == _members_count_oracle(CONTEXT)
    assert records[0]["updated_at"] == "2024-04-09T13:34:29.439000Z"
    assert records[1]["updated_at"] is None  # no event in 236


def test_members_count_total_and_filters(api, dataset):
    _events()
    expected = _members_count_oracle(CONTEXT)
    _, body, _ = api.query({"report": "members_count", "aggregate_by": "total"})
    assert body["records"] == [{"members_count": sum(r["members_count"] for r in expected)}]
    node = {"type": "greater_than", "field": "members_count", "value": 100}
    _, body, _ = api.query({"report": "members_count", "filter": node})
    assert body["records"] == [r for r in expected if r["members_count"] > 100]
    node = {"type": "equal", "field": "updated_at", "value": None}
    _, body, _ = api.query({"report": "members_count", "filter": node})
    assert body["records"] == [r for r in expected if r["updated_at"] is None]
    node = {"type": "less_than", "field": "members_count", "value": 0}
    _, body, _ = api.query({"report": "members_count", "aggregate_by": "total", "filter": node})
    assert body["records"] == [{"members_count": 0}]
    status, body, _ = api.query(
        {"report": "members_count", "filter": {"type": "equal", "field": "community_id", "value": 235}}
    )
    assert status == 422
    assert body["details"] == {"filter": {"field": [{"error": "not_filterable", "options": {}}]}}


def test_group_order_is_code_point_order_whatever_the_column_collation(api, dataset):
    """Ties sort by code point ("Kiosk" < "kiosk" < "ÆØÅ"), also where the database's collation would not."""
    from django.db import connection

    collation = _linguistic_collation()
    if collation is not None:  # where the server has one (the embedded build has no ICU, no locales)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred FK checks
            for column in ("optin_channel", "gender"):
                cursor.execute(f'ALTER TABLE reporting_member ALTER COLUMN {column} TYPE text COLLATE "{collation}"')
    for name in ("total_optin_channel_count", "optin_channel_count", "total_gender_count"):
        expected = oracle.aggregation_rows(name, dataset.rows, CONTEXT)
        for limit in (1, 3, 1000):
            assert api.walk({"report": "members", "aggregate_by": name, "limit": limit}) == expected, (name, limit)


def _linguistic_collation() -> str | None:
    """A collation of this server that puts "kiosk" before "Kiosk", if it has one."""
    from django.db import connection, transaction

    for candidate in ("en-x-icu", "en_US.utf8", "en_US.UTF-8", "und-x-icu"):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT x FROM (VALUES ('Kiosk'), ('kiosk')) AS v(x)" + f' ORDER BY x COLLATE "{candidate}"'
                )
                if [row[0] for row in cursor.fetchall()] == ["kiosk", "Kiosk"]:
                    return candidate
        except DatabaseError:
            continue
    return None
