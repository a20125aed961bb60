"""Editing a segment: rename it (its filter tree kept), give it the view's filters ("Update segment with current
filters"), refused as a new segment would be, audited as ``segment.updated``. Counts come from plain SQL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from reporting.models import AuditEvent, Segment

pytestmark = pytest.mark.django_db

WOMEN = {"type": "in", "field": "gender", "value": ["woman", "other"]}


def sql_count(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_member WHERE community_id = 235 AND {where}")
        return int(cursor.fetchone()[0])


def listed_count(html: str, segment: Segment) -> int:
    row = re.search(rf'<tr id="segment-{segment.id}".*?data-count="(\d+)"', html, re.S)
    assert row, html
    return int(row.group(1))


@pytest.fixture
def logged_in(client, dataset, marketer) -> Client:
    client.force_login(marketer)
    return client


@pytest.fixture
def women(communities) -> Segment:
    return Segment.objects.create(community=communities[235], name="Women", filter=WOMEN)


def edit(client: Client, segment: Segment, **form: Any) -> Any:
    return client.post(f"/clubs/{segment.community_id}/segments/{segment.id}/edit", form)


def test_renaming_keeps_the_filter_tree_and_is_audited(logged_in, women, marketer):
    form = logged_in.get(f"/clubs/235/segments/{women.id}/edit")
    assert form.status_code == 200
    assert 'value="Women"' in form.content.decode()
    response = edit(logged_in, women, name="  Women and others  ")
    assert response.status_code == 302
    assert response["Location"] == f"/clubs/235/segments/#segment-{women.id}"
    women.refresh_from_db()
    assert (women.name, women.filter) == ("Women and others", WOMEN)
    event = AuditEvent.objects.get(action="segment.updated")
    assert (event.actor, event.target) == (f"user:{marketer.pk}", f"segment:{women.id}")
    assert event.details == {"community_id": 235, "report": "members"}
    page = logged_in.get("/clubs/235/segments/").content.decode()
    assert listed_count(page, women) == sql_count("gender IN ('woman', 'other')")


def test_update_with_current_filters_gives_the_segment_the_views_tree(logged_in, women):
    view = [("segment", str(women.id)), ("age", "25-29"), ("age", "30-34")]
    overview = logged_in.get("/clubs/235/?" + urlencode(view)).getvalue().decode()
    button = re.search(r'<form method="post" action="([^"]+)" class="save-segment update-segment">(.*?)</form>',
                       overview, re.S)  # fmt: skip
    assert button
    assert button.group(1) == f"/clubs/235/segments/{women.id}/edit"
    query = re.search(r'name="query" value="([^"]+)"', button.group(2))
    assert query
    response = edit(logged_in, women, name="Women", query=query.group(1).replace("&amp;", "&"))
    assert response.status_code == 302
    women.refresh_from_db()
    assert women.name == "Women"
    ages = {"type": "in", "field": "age", "value": ["25-29", "30-34"]}
    assert women.filter == {"type": "and", "operations": [WOMEN, ages]}
    expected = sql_count("gender IN ('woman', 'other') AND age IN ('25-29', '30-34')")
    assert 0 < expected < sql_count("gender IN ('woman', 'other')")
    assert listed_count(logged_in.get("/clubs/235/segments/").content.decode(), women) == expected
    reopened = logged_in.get(f"/clubs/235/?segment={women.id}").getvalue().decode()
    assert int(re.findall(r'class="tile-count" data-count="(\d+)"', reopened)[0]) == expected


def test_the_overview_offers_the_update_only_with_filters_beyond_the_segment(logged_in, women):
    page = logged_in.get(f"/clubs/235/?segment={women.id}").getvalue().decode()
    assert "update-segment" not in page
    assert f'href="/clubs/235/segments/{women.id}/edit"' in logged_in.get("/clubs/235/segments/").content.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "   "}, "Give the segment a name."),
        ({"name": "x" * 101}, "A segment name has at most 100 characters."),
        ({"name": "Men"}, "This club already has a segment named “Men”: choose another name."),
        ({"name": "Women", "query": "marketing_via_sms=maybe"}, None),
        ({"name": "Women", "query": "age=1-2"}, None),
    ],
)
def test_refused_edits_change_nothing(logged_in, women, communities, form, message):
    Segment.objects.create(community=communities[235], name="Men", filter={"type": "equal", "field": "gender",
                                                                           "value": "man"})  # fmt: skip
    response = edit(logged_in, women, **form)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    if message:
        assert message in body
    women.refresh_from_db()
    assert (women.name, women.filter) == ("Women", WOMEN)
    assert not AuditEvent.objects.filter(action="segment.updated").exists()


def test_an_unfiltered_view_cannot_replace_the_filter(logged_in, women):
    response = edit(logged_in, women, name="Women", query="period=last-90-days")
    assert response.status_code == 400
    assert "Only a filtered view can be saved as a segment" in response.content.decode()
    women.refresh_from_db()
    assert women.filter == WOMEN


def test_another_clubs_segment_is_not_found(logged_in, communities):
    theirs = Segment.objects.create(community=communities[240], name="Theirs", filter=WOMEN)
    assert logged_in.get(f"/clubs/240/segments/{theirs.id}/edit").status_code in (403, 404)
    assert logged_in.post(f"/clubs/235/segments/{theirs.id}/edit", {"name": "Mine"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_the_audit_log_accepts_segment_updated_and_still_refuses_unknown_actions(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reporting_auditevent (occurred_at, action, actor, target, details) "
            "VALUES (now(), 'segment.updated', 'user:1', 'segment:1', '{}')"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO reporting_auditevent (occurred_at, action, actor, target, details) "
                "VALUES (now(), 'segment.renamed', 'user:1', 'segment:1', '{}')"
            )
