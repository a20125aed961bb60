"""Two segments compared as CSV: every distribution's counts, shares and difference as raw values, checked
against plain SQL over the same members (never against the product)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection

from reporting.models import Segment

pytestmark = pytest.mark.django_db

A_TREE = {"type": "in", "field": "gender", "value": ["woman", "other"]}
A_WHERE = "gender IN ('woman', 'other')"
B_TREE = {"type": "equal", "field": "optin_platform", "value": "ios"}
B_WHERE = "optin_platform = 'ios'"
COLUMNS = {
    "gender": "gender",
    "age": "age",
    "platform": "optin_platform",
    "channel": "optin_channel",
    "subchannel": "optin_subchannel",
    "cities": "city_place_id",
}
FORMULA_START = ("=", "+", "-", "@")


def grouped(where: str) -> dict[tuple[str, str], int]:
    """(distribution, value as the CSV writes it) -> members, by plain SQL."""
    counts: dict[tuple[str, str], int] = {}
    base = f"FROM reporting_member WHERE community_id = 235 AND {where}"
    with connection.cursor() as cursor:
        for key, column in COLUMNS.items():
            cursor.execute(f"SELECT {column}::text, count(*) {base} GROUP BY 1")
            counts.update({(key, cell(value)): n for value, n in cursor.fetchall()})
        for channel in ("sms", "email", "push", "anything"):
            cursor.execute(f"SELECT count(*) {base} AND marketing_via_{channel}")
            counts[("reachability", channel)] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT i, count(DISTINCT id) FROM reporting_member, jsonb_array_elements_text(properties -> 'interests') i"
            f" WHERE community_id = 235 AND {where} GROUP BY 1"
        )
        counts.update({("interests", cell(value)): n for value, n in cursor.fetchall()})
    return counts


def cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def total(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_member WHERE community_id = 235 AND {where}")
        return int(cursor.fetchone()[0])


def test_the_csv_holds_every_distribution_raw_and_equals_sql(client, dataset, marketer, communities):
    client.force_login(marketer)
    a = Segment.objects.create(community=communities[235], name="Women", filter=A_TREE)
    b = Segment.objects.create(community=communities[235], name="iOS", filter=B_TREE)
    page = client.get(f"/clubs/235/segments/compare/?a={a.id}&b={b.id}").content.decode()
    url = f"/clubs/235/segments/compare.csv?a={a.id}&amp;b={b.id}"
    assert f'<a class="csv" href="{url}" download>' in page
    response = client.get(f"/clubs/235/segments/compare.csv?a={a.id}&b={b.id}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="oslo-city-segments-{a.id}-vs-{b.id}.csv"'
    reader = csv.reader(io.StringIO(response.content.decode()))
    header, *rows = list(reader)
    assert header == ["distribution", "value", "a_members", "a_share", "b_members", "b_share", "difference"]
    a_counts, b_counts = grouped(A_WHERE), grouped(B_WHERE)
    a_total, b_total = total(A_WHERE), total(B_WHERE)
    assert a_total > 0
    assert b_total > 0
    got = {(row[0], row[1]): row[2:] for row in rows}
    assert len(got) == len(rows)  # one row per distribution and value
    assert set(got) == set(a_counts) | set(b_counts)  # under 20 values each: nothing cut off
    for key, (a_n, a_share, b_n, b_share, difference) in got.items():
        want_a, want_b = a_counts.get(key, 0), b_counts.get(key, 0)
        assert (int(a_n), int(b_n)) == (want_a, want_b), key
        assert float(a_share) == pytest.approx(want_a / a_total), key
        assert float(b_share) == pytest.approx(want_b / b_total), key
        assert float(difference) == pytest.approx(want_a / a_total - want_b / b_total), key
    # Raw values, not the page's labels: the stored age bucket, the interest, a place id; no "%", no "pp".
    assert ("age", "-14") in got or ("age", "'-14") in got
    assert ("interests", "'=cmd()") in got
    assert ("cities", "3143244") in got
    assert not any("%" in value or "pp" in value for row in rows for value in row[2:])
    assert [row[0] for row in rows] == sorted(
        (row[0] for row in rows),
        key=["reachability", "gender", "age", "platform", "channel", "subchannel", "interests", "cities"].index,
    )


def test_an_empty_segment_has_no_shares_and_no_difference(client, dataset, marketer, communities):
    client.force_login(marketer)
    none = Segment.objects.create(community=communities[235], name="Nobody",
                                  filter={"type": "equal", "field": "optin_channel", "value": "no-such-channel"})  # fmt: skip
    b = Segment.objects.create(community=communities[235], name="iOS", filter=B_TREE)
    rows = list(csv.reader(io.StringIO(client.get(f"/clubs/235/segments/compare.csv?a={none.id}&b={b.id}")
                                       .content.decode())))[1:]  # fmt: skip
    gender = [row for row in rows if row[0] == "gender"]
    assert gender
    assert all(row[2] == "0" and row[3] == "" and row[6] == "" for row in gender)


def test_bad_or_foreign_ids_are_refused(client, dataset, marketer, communities):
    client.force_login(marketer)
    a = Segment.objects.create(community=communities[235], name="Women", filter=A_TREE)
    theirs = Segment.objects.create(community=communities[240], name="Theirs", filter=A_TREE)
    assert client.get(f"/clubs/235/segments/compare.csv?a={a.id}").status_code == 400
    assert client.get(f"/clubs/235/segments/compare.csv?a={a.id}&b=x").status_code == 400
    assert client.get(f"/clubs/235/segments/compare.csv?a={a.id}&b={theirs.id}").status_code == 404
    assert client.get(f"/clubs/240/segments/compare.csv?a={theirs.id}&b={theirs.id}").status_code in (403, 404)
