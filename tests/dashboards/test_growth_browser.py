"""The growth section in a real browser (Playwright + Debian's chromium) against the events' Python oracle.

Every expected number comes from ``tests/dashboards/growth_dataset.py`` (zoneinfo over the same events), never
from the product. Pages must log no console warning or error and make no request outside the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reporting.models import MemberEvent
from tests.dashboards import growth_dataset as g
from tests.dashboards import test_browser
from tests.dashboards.test_browser import ARTIFACTS, click_center, drawn, log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The browser test module's fixtures, shared (one Chromium per module, the same console watch).
browser, console, places = test_browser.browser, test_browser.console, test_browser.places

GROWTH_JS = """() => Object.fromEntries([...document.querySelectorAll('#growth .js-plotly-plot')].map(el => [
  el.closest('[data-chart]').dataset.chart,
  el.data.map(t => ({type: t.type, name: t.name ?? null, x: t.x ?? null, y: t.y ?? null, z: t.z ?? null}))]))"""
Where = Callable[[dict[str, Any]], bool]


def everything(event: dict[str, Any]) -> bool:
    return True


@pytest.fixture
def events(dataset: Any) -> list[dict[str, Any]]:
    today = g.local(dt.datetime.now(dt.UTC), 235).date()
    rows = g.growth_events(today)
    MemberEvent.objects.bulk_create(MemberEvent(**row) for row in rows)
    return rows


def growth_view(page: Page) -> dict[str, Any]:
    drawn(page)
    section = page.locator("#growth")
    return {
        "figures": page.evaluate(GROWTH_JS),
        "interval": section.get_attribute("data-interval"),
        "first": dt.date.fromisoformat(section.get_attribute("data-first") or ""),
        "last": dt.date.fromisoformat(section.get_attribute("data-last") or ""),
        "tiles": [
            int(n) for n in page.locator(".growth-count").evaluate_all("els => els.map(e => e.dataset.growthCount)")
        ],
    }


def assert_growth(
    page: Page, events: list[dict[str, Any]], ids: list[int], where: Where = everything
) -> dict[str, tuple[int, int]]:
    """The balance, members and cohort charts of the page equal the oracle's; returns the balance drawn."""
    view = growth_view(page)
    figures, interval, first, last = view["figures"], view["interval"], view["first"], view["last"]
    chosen = g.select(events, ids, where)
    expected = g.balance(chosen, *g.whole_buckets(first, last, interval), interval)
    joined, left, net = figures["growth-balance"]
    drawn_balance = {x[:10]: (j, -n) for x, j, n in zip(joined["x"], joined["y"], left["y"], strict=True)}
    assert drawn_balance == expected
    assert net["y"] == [j + n for j, n in zip(joined["y"], left["y"], strict=True)]
    joins, leaves = sum(j for j, _ in expected.values()), sum(n for _, n in expected.values())
    assert view["tiles"] == [joins, leaves, joins - leaves]
    if "growth-members" in figures:
        (line,) = figures["growth-members"]
        assert set(expected) <= {x[:10] for x in line["x"]}
        for x, y in zip(line["x"], line["y"], strict=True):
            if y is not None:
                assert y == g.running_count(chosen, x[:10], interval), x
    (heat,) = figures["growth-cohorts"]
    cohorts = g.cohorts(g.select(events, ids), *g.whole_months(first, last), as_of=dt.datetime.now(dt.UTC), where=where)
    assert [label.split(" ")[0] for label in heat["y"]] == [month for month, _, _ in cohorts]
    assert [int(label.split("(")[1].rstrip(")").replace(",", "")) for label in heat["y"]] == [
        members for _, members, _ in cohorts
    ]
    for row, (_, members, retained) in zip(heat["z"], cohorts, strict=True):
        assert [None if z is None else round(z * members) for z in row] == retained + [None] * (
            len(row) - len(retained)
        )
    return drawn_balance


def test_growth_numbers_period_picker_drill_down_and_unanswerable_filter(
    live_server, browser, console, events, marketer, places
):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/?period=90d")
    ninety = assert_growth(page, events, [235])
    assert growth_view(page)["interval"] == "1d"
    assert len(ninety) > 3
    expect(page.locator("#growth-not-applied")).to_have_count(0)

    # The period picker: 12 months is more than 150 days, so auto becomes weeks (the engine's weeks).
    page.select_option("#g-period", "12m")
    with page.expect_navigation():
        page.locator(".js-period-form button[type=submit]").click()
    assert "period=" not in page.url  # the default period keeps the URL short
    twelve = assert_growth(page, events, [235])
    assert growth_view(page)["interval"] == "1w"
    assert twelve != ninety
    assert all(dt.date.fromisoformat(week).weekday() == 0 for week in twelve)

    # A custom period, in the shared URL.
    page.select_option("#g-period", "custom")
    expect(page.locator("#g-from")).to_be_visible()
    page.fill("#g-from", "2025-01-01")
    page.fill("#g-to", "2025-06-30")
    page.select_option("#g-interval", "1mo")
    with page.expect_navigation():
        page.locator(".js-period-form button[type=submit]").click()
    assert "period=custom&from=2025-01-01&to=2025-06-30&interval=1mo" in page.url
    assert_growth(page, events, [235])

    # A drill-down click on the channel chart narrows the growth charts too (events record the channel).
    page.goto(live_server.url + "/clubs/235/?period=90d")
    figures = drawn(page)
    assert figures["channel"][0]["y"][0] == "app"
    with page.expect_navigation():
        click_center(page, "#card-channel .bars .point")
    assert "optin_channel=app" in page.url
    assert "period=90d" in page.url
    app: Where = lambda e: e["optin_channel"] == "app"  # noqa: E731
    narrowed = assert_growth(page, events, [235], app)
    assert narrowed != ninety
    assert "Channel: app" in page.locator("#title-growth-members").inner_text()

    # Interests are not in the events: the filter narrows the members charts, and is marked on the growth charts.
    page.goto(page.url + "&properties.interests=running")
    assert assert_growth(page, events, [235], app) == narrowed
    marked = page.locator("#growth-not-applied")
    expect(marked).to_be_visible()
    expect(marked).to_contain_text("Not applied to these charts")
    expect(marked).to_contain_text("Interest")
    expect(page.locator("[data-not-applied-chart=growth-balance]")).to_contain_text("Interest")
    expect(page.locator("[data-not-applied-chart=growth-cohorts]")).to_contain_text("Interest")
    page.locator("#growth").screenshot(path=str(ARTIFACTS / "growth-not-applied.png"))


def test_a_filter_history_cannot_answer_is_marked_on_the_members_chart(
    live_server, browser, console, events, marketer, places
):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/?period=90d&gender=woman&age=25-29")
    both: Where = lambda e: e["gender"] == "woman" and e["age"] == "25-29"  # noqa: E731
    view = growth_view(page)
    joined, left, _ = view["figures"]["growth-balance"]
    expected = g.balance(g.select(events, [235], both), *g.whole_buckets(view["first"], view["last"], "1d"), "1d")
    assert {x[:10]: (j, -n) for x, j, n in zip(joined["x"], joined["y"], left["y"], strict=True)} == expected
    (line,) = view["figures"]["growth-members"]
    total = g.select(events, [235])
    for x, y in zip(line["x"], line["y"], strict=True):
        if y is not None:
            assert y == g.running_count(total, x[:10], "1d")
    note = page.locator("[data-not-applied-chart=growth-members]")
    expect(note).to_contain_text("Gender")
    expect(note).to_contain_text("Age")
    expect(page.locator("[data-not-applied-chart=growth-balance]")).to_have_count(0)


def test_compare_view_draws_growth_lines_per_club(live_server, browser, console, events, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/?ids=235,236&period=2y&interval=1mo")
    view = growth_view(page)
    assert view["interval"] == "1mo"
    lines = {trace["name"]: trace for trace in view["figures"]["growth-clubs"]}
    assert set(lines) == {"Oslo City", "Bergen Sentrum"}
    for name, community_id in (("Oslo City", 235), ("Bergen Sentrum", 236)):
        club_events = g.select(events, [community_id])
        drawn_values = [(x, y) for x, y in zip(lines[name]["x"], lines[name]["y"], strict=True) if y is not None]
        assert drawn_values
        for x, y in drawn_values:
            assert y == g.running_count(club_events, x[:10], "1mo"), (name, x)
    assert_growth(page, events, [235, 236])


def test_no_events_in_the_period_says_so(live_server, browser, console, events, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/?period=custom&from=2001-01-01&to=2001-12-31")
    expect(page.locator("[data-empty=growth-balance]")).to_contain_text("No joins or leaves were recorded")
    expect(page.locator("[data-empty=growth-cohorts]")).to_contain_text("No member joined in this period")
    expect(page.locator("[data-empty=growth-members]")).to_contain_text("No member history")
    assert [
        int(n) for n in page.locator(".growth-count").evaluate_all("els => els.map(e => e.dataset.growthCount)")
    ] == [
        0,
        0,
        0,
    ]
