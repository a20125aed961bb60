"""Editing a segment in a real browser (Playwright + Debian's chromium), by keyboard: a rename keeps its filter
tree and its count; "Update segment with current filters" gives it the view's filters. Counts are plain SQL."""

from __future__ import annotations

import pytest
from django.db import connection
from playwright.sync_api import expect

from reporting.models import AuditEvent, Segment
from tests.dashboards.test_browser import (  # noqa: F401  (fixtures)
    browser,
    console,
    drawn,
    log_in,
    new_page,
    places,
    tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# ruff: noqa: F811  (the browser fixtures are imported, then named as test parameters)

WOMEN = {"type": "in", "field": "gender", "value": ["woman", "other"]}
WHERE = "community_id = 235 AND gender IN ('woman', 'other')"


def sql_count(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_member WHERE {where}")
        return int(cursor.fetchone()[0])


def test_rename_then_update_with_current_filters(live_server, browser, console, dataset, marketer, places):
    segment = Segment.objects.create(community_id=235, name="Women", filter=WOMEN)
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/segments/")
    page.locator("a[aria-label='Edit segment Women']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Edit segment “Women”")
    expect(page.locator(".segment-filter")).to_contain_text("Gender")
    page.locator("#segment-name").fill("Women and others")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Segment “Women and others” saved.")
    segment.refresh_from_db()
    assert (segment.name, segment.filter) == ("Women and others", WOMEN)
    row = page.locator(f"tr[data-segment='{segment.id}']")
    assert row.locator("[data-count]").get_attribute("data-count") == str(sql_count(WHERE))

    # Open it, narrow the view, and update the segment with it: it then shows what that view showed.
    with page.expect_navigation():
        row.locator("a.segment-open").click()
    drawn(page)  # leaving before the map's outline arrives would abort its request
    page.goto(page.url + "&marketing_via_email=true")
    drawn(page)
    narrowed = tiles(page)
    narrowed_sql = sql_count(WHERE + " AND marketing_via_email")
    assert narrowed[0] == narrowed_sql
    button = page.locator(".update-segment button")
    expect(button).to_have_text("Update segment “Women and others” with current filters")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Segment “Women and others” saved.")
    segment.refresh_from_db()
    email = {"type": "equal", "field": "marketing_via_email", "value": True}
    assert segment.filter == {"type": "and", "operations": [WOMEN, email]}
    row = page.locator(f"tr[data-segment='{segment.id}']")
    assert row.locator("[data-count]").get_attribute("data-count") == str(narrowed_sql)
    with page.expect_navigation():
        row.locator("a.segment-open").click()
    drawn(page)
    assert tiles(page) == narrowed
    assert AuditEvent.objects.filter(action="segment.updated", target=f"segment:{segment.id}").count() == 2
