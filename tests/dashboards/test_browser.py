"""The dashboards in a real browser: Playwright drives Debian's chromium against a live server.

The known data set is ``tests/dashboards/dataset.py``; every expected number comes from its plain-Python oracle
(and place coordinates from plain SQL), never from the product. Every page visited must log no console message
of level warning or error and raise no page error (CSP violations are console errors). Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect, sync_playwright

from reporting.models import Place
from reporting.places import place_rows
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.dataset import (
    OSLO,
    consent_counts,
    counts,
    interest_counts,
    select,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIGURES_JS = """() => Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')].map(el => [
  el.closest('[data-chart]').dataset.chart,
  el.data.map(t => ({type: t.type, name: t.name ?? null, labels: t.labels ?? null, values: t.values ?? null,
                     x: t.x ?? null, y: t.y ?? null, lat: t.lat ?? null, lon: t.lon ?? null,
                     customdata: t.customdata ?? null}))]))"""
TABLE_JS = """(key) => [...document.querySelectorAll(`table[data-table="${key}"] tbody tr`)].map(
  tr => [...tr.children].map(cell => cell.textContent.trim()))"""


def load_places() -> None:
    if not Place.objects.exists():
        Place.objects.bulk_create((Place(**row) for row in place_rows()), batch_size=5000, ignore_conflicts=True)


@pytest.fixture(scope="module")
def browser(django_db_blocker) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    # Transactional tests end with a flush that empties every table, the migration-loaded places included:
    # put them back for the tests that run after this module.
    with django_db_blocker.unblock():
        load_places()


@pytest.fixture
def places(transactional_db) -> None:
    load_places()


class Console:
    """Console errors and warnings, page errors, failed requests, and any request that leaves the server's origin
    (the pages must work offline: plotly.min.js names CDNs as defaults, and none may be used)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/") + "/"
        self.problems: list[str] = []

    def _request(self, url: str) -> None:
        if not url.startswith((self.origin, "data:", "blob:")):
            self.problems.append(f"request outside {self.origin}: {url}")

    def watch(self, page: Page) -> Page:
        page.on(
            "console",
            lambda m: self.problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"requestfailed: {r.url}"))
        page.on("request", lambda r: self._request(r.url))
        return page


@pytest.fixture
def console(live_server: Any) -> Iterator[Console]:
    watcher = Console(live_server.url)
    yield watcher
    assert watcher.problems == []


def new_page(browser: Browser, console: Console, **options: Any) -> Page:
    context = browser.new_context(viewport=options.pop("viewport", {"width": 1366, "height": 900}), **options)
    return console.watch(context.new_page())


def log_in(page: Page, base: str, path: str, username: str = "marketer") -> None:
    page.goto(base + path)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")


def drawn(page: Page) -> dict[str, list[dict[str, Any]]]:
    """Wait until every figure on the page is drawn; return the data Plotly drew, by chart key."""
    # Locator assertions, not wait_for_function: Playwright evals a predicate in the page, which its CSP forbids.
    expect(page.locator(".plot").first).to_be_attached(timeout=30_000)
    expect(page.locator(".plot:not([data-drawn=true])")).to_have_count(0, timeout=30_000)
    return page.evaluate(FIGURES_JS)


def tiles(page: Page) -> list[int]:
    return [int(n) for n in page.locator(".tile-count").evaluate_all("els => els.map(e => e.dataset.count)")]


def click_center(page: Page, selector: str) -> None:
    """A real mouse click in the middle of a drawn element (Plotly's drag layer receives it, as for a user)."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def oracle_view(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the overview should draw for ``rows``, counted in plain Python."""
    label = {None: "(unknown)"}
    members = len(rows)
    reach = [sum(1 for r in rows if r[f"marketing_via_{c}"]) for c in ("sms", "email", "push", "anything")]
    return {
        "tiles": [members, *reach],
        "reachability": reach,
        "gender": {label.get(k, k): v for k, v in counts(rows, "gender").items()},
        "platform": dict(counts(rows, "optin_platform")),
        "channel": {label.get(k, k): v for k, v in counts(rows, "optin_channel").items()},
        "subchannel": {label.get(k, k): v for k, v in counts(rows, "optin_subchannel").items()},
        "interests": dict(interest_counts(rows)),
        "consents": consent_counts(rows),
        "cities": counts(rows, "city_place_id"),
        "pyramid": {
            label.get(g, g): {
                label.get(a, a): n for a, n in counts([r for r in rows if r["gender"] == g], "age").items()
            }
            for g in {r["gender"] for r in rows}
        },
    }


def drilled(query: str) -> list[tuple[str, Any]]:
    """A drill-down's parameters with the URL's null token read as None."""
    return [(n, None if v == "(none)" else v) for n, v in parse_qsl(query, keep_blank_values=True)]


def assert_view(figures: dict[str, list[dict[str, Any]]], expected: dict[str, Any], page: Page) -> None:
    assert tiles(page) == expected["tiles"]
    (reach,) = figures["reachability"]
    assert reach["y"] == expected["reachability"]
    for key in ("gender", "platform"):
        (pie,) = figures[key]
        assert dict(zip(pie["labels"], pie["values"], strict=True)) == expected[key], key
    for key in ("channel", "subchannel", "interests"):
        (bars,) = figures[key]
        assert dict(zip(bars["y"], bars["x"], strict=True)) == expected[key], key
        assert bars["x"] == sorted(bars["x"], reverse=True)
    given, refused, unknown = figures["consents"]
    # Labels are humanised ("Email marketing", "80+"); the raw value each bar stands for is in its drill-down.
    keys = [drilled(c)[0][0].removeprefix("consents.") for c in given["customdata"]]
    drawn_consents = {k: (g, r, u) for k, g, r, u in zip(keys, given["x"], refused["x"], unknown["x"], strict=True)}
    assert drawn_consents == expected["consents"]
    pyramid = {
        t["name"]: {
            (drilled(c)[0][1] or "(unknown)"): abs(n) for c, n in zip(t["customdata"], t["x"], strict=True) if n
        }
        for t in figures["age"]
    }
    assert pyramid == expected["pyramid"]
    (cities,) = figures["cities"]
    ids = [c.split("=")[1].replace("%28none%29", "(none)") for c in cities["customdata"]]
    assert dict(zip(ids, cities["x"], strict=True)) == {
        ("(none)" if k is None else k): v for k, v in expected["cities"].items()
    }
    (geo,) = figures["map"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, latitude, longitude FROM reporting_place WHERE latitude IS NOT NULL")
        coordinates = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    located = {k for k in expected["cities"] if k in coordinates}
    assert sorted(zip(geo["lat"], geo["lon"], strict=True)) == sorted(coordinates[k] for k in located)


def test_login_overview_numbers_tables_and_screenshots(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/")
    assert page.url.endswith("/clubs/235/")
    figures = drawn(page)
    assert set(figures) == {
        "reachability", "gender", "age", "platform", "channel", "subchannel", "consents", "interests", "cities", "map",
    }  # fmt: skip
    expected = oracle_view(select(dataset, [235]))
    assert_view(figures, expected, page)
    assert page.locator("[data-empty=growth-balance]").inner_text().startswith("No joins or leaves were recorded")
    # "Show data" opens an accessible table holding the same numbers.
    table = page.locator('table[data-table="gender"]')
    assert not table.is_visible()
    page.locator("#card-gender summary").click()
    assert table.is_visible()
    assert {row[0]: int(row[1]) for row in page.evaluate(TABLE_JS, "gender")} == expected["gender"]
    assert page.locator("#card-gender th[scope=col]").all_inner_texts() == ["Gender", "Members"]
    # The CSV link downloads the chart's rows.
    with page.expect_download() as download_info:
        page.locator("#card-platform a.csv").click()
    text = Path(download_info.value.path()).read_text()
    assert text.splitlines()[0] == "Platform,Members"
    assert {line.split(",")[0]: int(line.split(",")[1]) for line in text.splitlines()[1:]} == expected["platform"]
    shot(page, "overview-laptop")
    page.close()
    phone = new_page(browser, console, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, live_server.url, "/clubs/235/")
    drawn(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert tiles(phone) == expected["tiles"]
    shot(phone, "overview-phone")


def test_drill_down_click_narrows_every_chart(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/")
    figures = drawn(page)
    (channel,) = figures["channel"]
    assert channel["y"][0] == "app"
    with page.expect_navigation():
        click_center(page, "#card-channel .bars .point")
    assert page.url.endswith("/clubs/235/?optin_channel=app")
    figures = drawn(page)
    app_rows = select(dataset, [235], lambda r: r["optin_channel"] == "app")
    assert 0 < len(app_rows) < len(select(dataset, [235]))
    assert_view(figures, oracle_view(app_rows), page)
    assert page.locator(".chip").all_inner_texts()[0].startswith("Channel: app")
    # A second click, on a consent segment, adds its own filter.
    with page.expect_navigation():
        click_center(page, "#card-consents .bars .point")
    assert "optin_channel=app" in page.url
    assert "consents." in page.url
    key = drilled(figures["consents"][0]["customdata"][0])[0][0].removeprefix("consents.")
    both = [r for r in app_rows if r["consents"].get(key) is True]
    assert_view(drawn(page), oracle_view(both), page)
    shot(page, "drill-down")
    # Removing the first chip keeps the other filter.
    page.locator(".chip a").first.click()
    page.wait_for_load_state("load")
    assert "optin_channel" not in page.url
    assert "consents." in page.url
    assert tiles(page)[0] == len(select(dataset, [235], lambda r: r["consents"].get(key) is True))


def test_filter_bar_and_shared_url_reproduce_the_view(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    page.locator("details.filters summary").click()
    page.select_option("#f-gender", "woman")
    page.select_option("#f-marketing_via_email", "true")
    page.select_option("#f-city_place_id", OSLO)
    page.fill("#f-joined_from", "2024-02-01")
    with page.expect_navigation():
        page.click(".filter-actions button[type=submit]")
    url = page.url
    # Untouched pickers leave no empty parameters in the URL.
    assert url.endswith(
        f"/clubs/235/?gender=woman&marketing_via_email=true&city_place_id={OSLO}&joined_from=2024-02-01"
    )
    first = drawn(page)
    rows = select(
        dataset,
        [235],
        lambda r: (
            r["gender"] == "woman"
            and r["marketing_via_email"]
            and r["city_place_id"] == OSLO
            and r["created_at"].date().isoformat() >= "2024-02-01"
        ),
    )
    assert rows
    assert_view(first, oracle_view(rows), page)
    assert page.locator("#f-gender").input_value() == "woman"
    shot(page, "filter-bar")
    # The same URL opened by another session (a colleague the link was shared with) draws the same view.
    other = new_page(browser, console)
    other.goto(url)
    other.fill("#id_username", "marketer")
    other.fill("#id_password", PASSWORD)
    other.click("form button[type=submit]")
    other.wait_for_load_state("load")
    assert other.url == url
    assert drawn(other) == first
    assert tiles(other) == tiles(page)


def test_multi_club_comparison(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/")
    page.check("#club-235")
    page.check("#club-236")
    with page.expect_navigation():
        page.click("form.clublist button[type=submit]")
    assert "ids=235&ids=236" in page.url
    figures = drawn(page)
    both, oslo, bergen = select(dataset, [235, 236]), select(dataset, [235]), select(dataset, [236])
    assert tiles(page) == oracle_view(both)["tiles"]
    assert [t["name"] for t in figures["reachability"]] == ["Oslo City", "Bergen Sentrum"]
    assert figures["reachability"][0]["y"] == oracle_view(oslo)["reachability"]
    assert figures["reachability"][1]["y"] == oracle_view(bergen)["reachability"]
    oslo_pie, bergen_pie = figures["gender"]
    assert dict(zip(bergen_pie["labels"], bergen_pie["values"], strict=True)) == oracle_view(bergen)["gender"]
    assert dict(zip(oslo_pie["labels"], oslo_pie["values"], strict=True)) == oracle_view(oslo)["gender"]
    kpi_rows = page.evaluate(TABLE_JS, "kpis")
    assert kpi_rows[-1][:2] == ["Total", str(len(both))]
    shot(page, "compare")


def test_other_clubs_are_403_and_anonymous_must_log_in(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    response = page.goto(live_server.url + "/clubs/240/")
    assert response is not None
    assert response.status == 200
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "marketer")
    page.fill("#id_password", "wrong-password")
    page.click("form button[type=submit]")
    assert page.locator("p.error[role=alert]").is_visible()
    page.fill("#id_username", "marketer")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    # Logged in, the forbidden club stays forbidden (403), and so does a comparison including it.
    # (Chromium logs a failed document load as a console error; these two are expected, so they are not kept.)
    console.problems.clear()
    response = page.goto(live_server.url + "/clubs/240/")
    assert response is not None
    assert response.status == 403
    assert "No access" in page.locator("h1").inner_text()
    response = page.goto(live_server.url + "/clubs/?ids=235,240")
    assert response is not None
    assert response.status == 403
    console.problems = [p for p in console.problems if "status of 403" not in p]
    response = page.goto(live_server.url + "/clubs/235/?age=200")
    assert response is not None
    assert response.status == 400
    assert "“age=200” has a value that is not allowed" in page.locator("#filter-error").inner_text()
    console.problems = [p for p in console.problems if "status of 400" not in p]
    shot(page, "invalid-filter")
    page.click("button:has-text('Log out')")
    page.wait_for_load_state("load")
    assert "/accounts/login/" in page.url


def test_readme_screenshot_of_the_overview(live_server, browser, console, dataset, marketer, places):
    """A wide screenshot of the test club's overview; with DASHBOARD_SCREENSHOT=<path> it is also written there.

    docs/screenshots/overview.png itself was taken from the demo club (seed_demo, 20,000 members) on a running
    server, as docs/dashboards.md describes."""
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    target = os.environ.get("DASHBOARD_SCREENSHOT")
    shot(page, "overview-readme")
    if target:
        page.screenshot(path=target, full_page=True)
    assert (ARTIFACTS / "overview-readme.png").stat().st_size > 10_000
