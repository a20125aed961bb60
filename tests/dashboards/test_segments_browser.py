"""Segments in a real browser (Playwright + Debian's chromium): save a filtered view by keyboard, find it listed
with the member count plain SQL gives, open it and get the same view back, compare two, and the phone layout."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from reporting.models import Segment
from tests.dashboards.test_browser import (  # noqa: F401  (fixtures)
    browser,
    console,
    drawn,
    log_in,
    new_page,
    places,
    shot,
    tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# ruff: noqa: F811  (the browser fixtures are imported, then named as test parameters)

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
VIEW = "/clubs/235/?gender=woman&gender=other&marketing_via_email=true"
WHERE = "community_id = 235 AND gender IN ('woman', 'other') AND marketing_via_email"


def sql_count(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_member WHERE {where}")
        return int(cursor.fetchone()[0])


def save_by_keyboard(page: Any, name: str) -> None:
    field = page.locator("#segment-name")
    field.focus()
    page.keyboard.type(name)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_save_list_open_and_compare_segments(live_server, browser, console, dataset, marketer, places):
    base = live_server.url
    page = new_page(browser, console)
    log_in(page, base, VIEW)
    original = drawn(page)
    original_tiles = tiles(page)
    save_by_keyboard(page, "Women by e-mail")
    assert page.url.endswith("/clubs/235/segments/#segment-" + str(Segment.objects.get().id))
    expect(page.locator(".messages")).to_contain_text("Segment “Women by e-mail” saved.")
    row = page.locator("tr[data-segment]")
    expect(row).to_have_count(1)
    members = sql_count(WHERE)
    reachable = sql_count(WHERE + " AND marketing_via_anything")
    assert members > 0
    assert row.locator("[data-count]").get_attribute("data-count") == str(members)
    assert row.locator("[data-reachable]").get_attribute("data-reachable") == str(reachable)
    assert row.locator("[data-label='Reachable share']").inner_text() == f"{reachable / members * 100:.1f}%"

    # Opening it is the same view: the member tile equals plain SQL, and every chart draws what it drew before.
    with page.expect_navigation():
        row.locator("a.segment-open").click()
    segment = Segment.objects.get()
    assert page.url.endswith(f"/clubs/235/?segment={segment.id}")
    reopened = drawn(page)
    assert tiles(page)[0] == members
    assert tiles(page) == original_tiles
    assert {k: v for k, v in reopened.items() if not k.startswith("growth")} == {
        k: v for k, v in original.items() if not k.startswith("growth")
    }
    expect(page.locator(".chip").first).to_contain_text("Segment: Women by e-mail")

    # A second segment from a drilled view, then the compare view with both.
    page.goto(base + "/clubs/235/?optin_platform=ios")
    drawn(page)
    save_by_keyboard(page, "iOS")
    page.select_option("#compare-a", label="Women by e-mail")
    page.select_option("#compare-b", label="iOS")
    with page.expect_navigation():
        page.locator(".segment-compare-form button[type=submit]").click()
    figures = drawn(page)
    assert set(figures) == {"reachability", "gender", "age", "platform", "channel", "subchannel", "interests",
                            "cities"}  # fmt: skip
    names = {trace["name"] for traces in figures.values() for trace in traces}
    assert names == {"Women by e-mail", "iOS"}
    counts = page.locator(".segment-tile .tile-count").evaluate_all("els => els.map(e => Number(e.dataset.count))")
    assert counts == [members, sql_count("community_id = 235 AND optin_platform = 'ios'")]
    shot(page, "segments-compare-laptop")

    phone = new_page(browser, console, **PHONE)
    log_in(phone, base, "/clubs/235/segments/")
    expect(phone.locator("tr[data-segment]")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "segments-phone")
    phone.goto(page.url)
    drawn(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_delete_by_keyboard_after_confirmation(live_server, browser, console, dataset, marketer, places):
    segment = Segment.objects.create(community_id=235, name="Old", filter={"type": "equal", "field": "gender",
                                                                            "value": "man"})  # fmt: skip
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/segments/")
    page.locator(f"a[aria-label='Delete segment {segment.name}']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Delete segment “Old”?")
    assert Segment.objects.filter(id=segment.id).exists()
    page.locator("button.danger").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("[data-empty=segments]")).to_be_visible()
    assert not Segment.objects.exists()
