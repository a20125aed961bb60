"""Segments in the dashboards through Django's test client: save, list, open, compare, delete, and tenant
isolation. Every count is checked against plain SQL over the same rows, never against the product."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from dashboards.urlfilters import parse_view_filter
from reporting.models import AuditEvent, Export, Segment
from reporting.reports.members import MEMBERS

pytestmark = pytest.mark.django_db

VIEW = [("gender", "woman"), ("gender", "other"), ("marketing_via_email", "true")]
WHERE = "gender IN ('woman', 'other') AND marketing_via_email"


def sql_count(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_member WHERE {where}")
        return int(cursor.fetchone()[0])


def tiles(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="tile-count" data-count="(\d+)"', html)]


def save(client: Client, club: int, name: str, params: list[tuple[str, str]]) -> Any:
    return client.post(f"/clubs/{club}/segments/new", {"name": name, "query": urlencode(params)})


@pytest.fixture
def logged_in(client, dataset, marketer) -> Client:
    client.force_login(marketer)
    return client


@pytest.fixture
def stockholm_segment(communities) -> Segment:
    return Segment.objects.create(
        community=communities[240], name="Stockholm app", filter={"type": "equal", "field": "optin_channel",
                                                                  "value": "app"}
    )  # fmt: skip


def test_saving_the_view_stores_the_apis_filter_tree_and_lists_it_with_plain_sql_counts(logged_in, marketer):
    response = save(logged_in, 235, "  Women by e-mail ", VIEW)
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert response["Location"] == f"/clubs/235/segments/#segment-{segment.id}"
    assert segment.name == "Women by e-mail"
    assert segment.community_id == 235
    assert segment.created_by == marketer
    # the exact tree the URL stands for, as the API takes it: no second representation
    assert segment.filter == parse_view_filter({name: [v for n, v in VIEW if n == name] for name, _ in VIEW},
                                               MEMBERS).raw  # fmt: skip
    page = logged_in.get("/clubs/235/segments/").getvalue().decode()
    members = sql_count(f"community_id = 235 AND {WHERE}")
    reachable = sql_count(f"community_id = 235 AND {WHERE} AND marketing_via_anything")
    assert f'data-count="{members}"' in page
    assert f'data-reachable="{reachable}"' in page
    assert f"{reachable / members * 100:.1f}%" in page
    assert "Women by e-mail" in page
    assert AuditEvent.objects.filter(action="segment.created", target=f"segment:{segment.id}").exists()


def test_duplicate_and_empty_names_are_form_errors(logged_in):
    assert save(logged_in, 235, "Women", VIEW).status_code == 302
    response = save(logged_in, 235, "Women", [("gender", "man")])
    assert response.status_code == 400
    page = response.getvalue().decode()
    assert "already has a segment named “Women”" in page
    assert 'aria-invalid="true"' in page
    assert 'value="Women"' in page  # the form keeps what was typed
    assert save(logged_in, 235, "   ", VIEW).status_code == 400
    assert save(logged_in, 235, "Everyone", []).status_code == 400  # nothing to save: no filter
    assert Segment.objects.count() == 1
    # the same name in another club is fine
    assert save(logged_in, 236, "Women", VIEW).status_code == 302


def test_saving_needs_the_csrf_token(dataset, marketer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert save(client, 235, "Women", VIEW).status_code == 403
    assert not Segment.objects.exists()


def test_opening_a_segment_shows_its_members_and_further_filters_narrow_it(logged_in):
    save(logged_in, 235, "Women", VIEW)
    segment = Segment.objects.get()
    response = logged_in.get(f"/clubs/235/?segment={segment.id}")
    assert response.status_code == 200
    page = response.getvalue().decode()
    where = f"community_id = 235 AND {WHERE}"
    assert tiles(page)[:2] == [sql_count(where), sql_count(f"{where} AND marketing_via_sms")]
    assert "Segment: Women" in page
    # the chip's remove link drops the segment and nothing else
    narrowed = logged_in.get(f"/clubs/235/?segment={segment.id}&optin_platform=ios").getvalue().decode()
    assert tiles(narrowed)[0] == sql_count(f"{where} AND optin_platform = 'ios'")
    assert 'href="?optin_platform=ios" aria-label="Remove filter Segment: Women"' in narrowed
    # the CSV of a chart applies the segment too
    csv = logged_in.get(f"/clubs/235/data/gender.csv?segment={segment.id}").getvalue().decode()
    women = sql_count(where + " AND gender = 'woman'")
    assert f"woman,{women}" in csv


def test_saving_a_view_with_a_segment_saves_both_trees(logged_in):
    save(logged_in, 235, "Women", VIEW)
    first = Segment.objects.get()
    response = save(logged_in, 235, "Women on iOS", [("segment", str(first.id)), ("optin_platform", "ios")])
    assert response.status_code == 302
    second = Segment.objects.get(name="Women on iOS")
    assert second.filter == {"type": "and", "operations": [first.filter, {"type": "equal", "field": "optin_platform",
                                                                           "value": "ios"}]}  # fmt: skip


def test_another_clubs_segment_is_refused_everywhere(logged_in, stockholm_segment):
    sid = stockholm_segment.id
    unknown = sid + 1000
    # reads: the overview's 400 names no difference between a foreign and an unknown id
    foreign_page = logged_in.get(f"/clubs/235/?segment={sid}")
    unknown_page = logged_in.get(f"/clubs/235/?segment={unknown}")
    assert foreign_page.status_code == unknown_page.status_code == 400
    assert "Stockholm" not in foreign_page.getvalue().decode()
    assert logged_in.get(f"/clubs/235/data/gender.csv?segment={sid}").status_code == 400
    assert logged_in.get(f"/clubs/235/segments/compare/?a={sid}&b={sid}").status_code == 404
    # the club it belongs to is not the marketer's: 403 as for any page of that club
    assert logged_in.get(f"/clubs/240/?segment={sid}").status_code == 403
    assert logged_in.get("/clubs/240/segments/").status_code == 403
    # writes
    assert logged_in.get(f"/clubs/235/segments/{sid}/delete").status_code == 404
    assert logged_in.post(f"/clubs/235/segments/{sid}/delete").status_code == 404
    assert logged_in.post(f"/clubs/240/segments/{sid}/delete").status_code == 403
    assert save(logged_in, 240, "Mine now", VIEW).status_code == 403
    assert save(logged_in, 235, "Copy", [("segment", str(sid))]).status_code == 400
    assert Segment.objects.filter(id=sid).exists()
    assert list(Segment.objects.values_list("id", flat=True)) == [sid]


def test_a_segment_of_one_club_is_not_applied_on_another_clubs_page(logged_in):
    save(logged_in, 236, "Bergen women", VIEW)
    segment = Segment.objects.get()
    assert logged_in.get(f"/clubs/235/?segment={segment.id}").status_code == 400
    # comparing both clubs may use it: its filter applies to the clubs in view
    page = logged_in.get(f"/clubs/?ids=235,236&segment={segment.id}").getvalue().decode()
    assert tiles(page)[0] == sql_count(f"community_id IN (235, 236) AND {WHERE}")


def test_delete_asks_first_then_deletes(logged_in):
    save(logged_in, 235, "Women", VIEW)
    segment = Segment.objects.get()
    confirm = logged_in.get(f"/clubs/235/segments/{segment.id}/delete")
    assert confirm.status_code == 200
    assert "Delete segment “Women”?" in confirm.getvalue().decode()
    assert Segment.objects.exists()
    response = logged_in.post(f"/clubs/235/segments/{segment.id}/delete")
    assert response.status_code == 302
    assert not Segment.objects.exists()
    assert AuditEvent.objects.filter(action="segment.deleted", target=f"segment:{segment.id}").exists()


def test_compare_shows_shares_and_the_difference_in_points(logged_in):
    save(logged_in, 235, "Women", VIEW)
    save(logged_in, 235, "iOS", [("optin_platform", "ios")])
    women, ios = Segment.objects.get(name="Women"), Segment.objects.get(name="iOS")
    response = logged_in.get(f"/clubs/235/segments/compare/?a={women.id}&b={ios.id}")
    assert response.status_code == 200
    page = response.getvalue().decode()
    a_where, b_where = f"community_id = 235 AND {WHERE}", "community_id = 235 AND optin_platform = 'ios'"
    a_total, b_total = sql_count(a_where), sql_count(b_where)
    a_woman, b_woman = sql_count(f"{a_where} AND gender = 'woman'"), sql_count(f"{b_where} AND gender = 'woman'")
    share_a, share_b = a_woman / a_total, b_woman / b_total
    row = re.search(r'<table data-table="gender">.*?</table>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(0).split(">woman</th>", 1)[1])[:5]
    assert cells == [f"{a_woman:,}", f"{share_a * 100:.1f}%", f"{b_woman:,}", f"{share_b * 100:.1f}%",
                     f"{(share_a - share_b) * 100:+.1f} pp"]  # fmt: skip
    assert f'data-count="{a_total}"' in page
    assert f'data-count="{b_total}"' in page
    assert logged_in.get(f"/clubs/235/segments/compare/?a={women.id}").status_code == 400


def test_export_this_view_passes_the_segment_as_the_apis_key(client, dataset, make_user):
    admin = make_user("ada", {235: "admin"})
    client.force_login(admin)
    save(client, 235, "Women", VIEW)
    segment = Segment.objects.get()
    page = client.get(f"/clubs/235/?segment={segment.id}").getvalue().decode()
    assert f'name="query" value="segment={segment.id}"' in page
    response = client.post("/exports/view", {"ids": "235", "what": "records", "query": f"segment={segment.id}"})
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.query == {"report": "members", "filter": None, "segment": segment.id}
