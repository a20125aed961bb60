"""The growth section through Django's test client: bad periods, the not-applied marking, shared URLs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from reporting.models import MemberEvent
from tests.dashboards import growth_dataset as g

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(communities) -> list[dict[str, Any]]:
    rows = g.growth_events(g.local(dt.datetime.now(dt.UTC), 235).date())
    MemberEvent.objects.bulk_create(MemberEvent(**row) for row in rows)
    return rows


def growth_tiles(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-growth-count="(-?\d+)"', html)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=7y", "The period “7y” is not one of"),
        ("interval=5m", "The interval “5m” is not one of"),
        ("period=custom&from=2024-02-30&to=2024-03-01", "needs “from” and “to” dates"),
        ("period=custom&from=2024-03-02&to=2024-03-01", "“from” date is after its “to” date"),
    ],
)
def test_a_bad_period_is_a_400_naming_it(client, marketer, events, query, message):
    client.force_login(marketer)
    response = client.get(f"/clubs/235/?{query}")
    assert response.status_code == 400
    assert message in response.getvalue().decode()


def test_unanswerable_filters_are_marked_and_change_no_growth_number(client, marketer, events):
    client.force_login(marketer)
    plain = client.get("/clubs/235/?period=90d").getvalue().decode()
    assert "Not applied to these charts" not in plain
    marked = client.get("/clubs/235/?period=90d&properties.interests=running&marketing_via_sms=true")
    html = marked.getvalue().decode()
    assert marked.status_code == 200
    assert 'data-not-applied="properties.interests,marketing_via_sms"' in html
    assert "Interest" in html
    assert "Reachable by SMS" in html
    assert growth_tiles(html) == growth_tiles(plain)
    joins = sum(1 for e in g.select(events, [235]) if e["type"] == "in")
    assert 0 < growth_tiles(plain)[0] <= joins


def test_the_period_is_kept_by_filter_links_and_the_filter_by_the_period_form(client, marketer, events):
    client.force_login(marketer)
    html = client.get("/clubs/235/?period=30d&interval=1w&gender=woman").getvalue().decode()
    # chip removal and "Clear all" keep the period; the period form keeps the filter as a hidden field
    assert 'href="?period=30d&amp;interval=1w"' in html
    assert '<input type="hidden" name="gender" value="woman">' in html
    assert re.search(r'<select id="g-period" name="period"[^>]*>.*?<option value="30d" selected>', html, re.S)


def test_an_explicit_interval_past_150_buckets_is_coarsened_and_says_so(client, marketer, events):
    client.force_login(marketer)
    html = client.get("/clubs/235/?period=2y&interval=1d").getvalue().decode()
    assert 'data-interval="1w"' in html
    assert "Shown per week: per day this period would need more than 150 points." in html
    daily = client.get("/clubs/235/?period=90d&interval=1d").getvalue().decode()
    assert 'data-interval="1d"' in daily
    assert "would need more than 150 points" not in daily


def test_clubs_in_different_time_zones_add_up_each_in_its_own_local_time(
    client, marketer, events, communities, monkeypatch
):
    communities[236].timezone = "America/Denver"
    communities[236].save()
    monkeypatch.setitem(g.TIMEZONES, 236, "America/Denver")
    client.force_login(marketer)
    html = (
        client.get("/clubs/?ids=235,236&period=custom&from=2024-01-01&to=2025-12-31&interval=1mo").getvalue().decode()
    )
    both = g.select(events, [235, 236])
    expected = g.balance(both, dt.date(2024, 1, 1), dt.date(2025, 12, 31), "1mo")
    joins, leaves = sum(j for j, _ in expected.values()), sum(n for _, n in expected.values())
    assert sum(1 for e in g.select(events, [236]) if e["type"] == "in") > 0
    assert growth_tiles(html) == [joins, leaves, joins - leaves]
