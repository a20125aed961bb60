# ruff: noqa: F811  (the browser tests' fixtures are imported, then named as test parameters)
"""Accessibility in a real browser: axe-core on every page (0 serious or critical violations), keyboard-only
filtering and drill-down, text alternatives for charts, and laptop and phone screenshots.

axe-core is the unmodified npm file vendored in ``tests/vendor/axe-core`` (checked against its published
checksum here). It is injected into each page as a script element, which the pages' Content-Security-Policy
would block, so only the context that runs axe bypasses CSP; the other browser tests keep it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from reporting.models import Segment
from tests.dashboards.dataset import counts, select
from tests.dashboards.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    Console,
    browser,
    console,
    drawn,
    log_in,
    places,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
# The integrity hash axe-core publishes for axe.min.js 4.14.1 (sri-history.json in the npm package).
AXE_SRI = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""
LAPTOP = {"width": 1440, "height": 900}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def admin(make_user):
    """Admin of 235 and 236: sees every page, the Exports page and the Export buttons included."""
    return make_user("ada", {235: "admin", 236: "admin"})


def axe_page(browser: Browser, console: Console, **options: Any) -> Page:
    context = browser.new_context(viewport=options.pop("viewport", LAPTOP), bypass_csp=True, **options)
    return console.watch(context.new_page())


def serious_violations(page: Page) -> list[dict[str, Any]]:
    # Closed "Show data" tables and the filter bar are checked too: open every <details> first.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_vendored_axe_is_the_published_file() -> None:
    digest = base64.b64encode(hashlib.sha256(AXE.read_bytes()).digest()).decode()
    assert digest == AXE_SRI


def test_axe_finds_no_serious_violation_on_any_page(live_server, browser, console, dataset, admin, places):
    base = live_server.url
    women = Segment.objects.create(community_id=235, name="Women", filter={"type": "equal", "field": "gender",
                                                                           "value": "woman"})  # fmt: skip
    ios = Segment.objects.create(community_id=235, name="iOS", filter={"type": "equal", "field": "optin_platform",
                                                                       "value": "ios"})  # fmt: skip
    page = axe_page(browser, console)
    checked: dict[str, list[dict[str, Any]]] = {}
    page.goto(base + "/accounts/login/")
    checked["login"] = serious_violations(page)
    log_in(page, base, "/clubs/235/", username="ada")
    drawn(page)  # leaving before the map's outline arrives would abort its request
    pages = {
        "overview": "/clubs/235/",
        "overview, filtered": "/clubs/235/?gender=woman&marketing_via_email=true",
        "compare": "/clubs/?ids=235,236",
        "club list": "/",
        "exports": "/exports/",
        "filter error (400)": "/clubs/235/?age=200",
        "no access (403)": "/clubs/240/",
        "segments": "/clubs/235/segments/",
        "overview, segment": f"/clubs/235/?segment={women.id}&optin_platform=ios",
        "segment compare": f"/clubs/235/segments/compare/?a={women.id}&b={ios.id}",
        "segment delete": f"/clubs/235/segments/{ios.id}/delete",
        "segment edit": f"/clubs/235/segments/{women.id}/edit",
        "unknown segment (400)": f"/clubs/235/?segment={ios.id + 1000}",
    }
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None
        if page.locator(".plot").count():
            drawn(page)
        else:
            page.wait_for_load_state("networkidle")
        checked[name] = serious_violations(page)
    # The edit form refused (the name is taken): the 400 page with its error next to the field.
    page.goto(base + f"/clubs/235/segments/{women.id}/edit")
    page.fill("#segment-name", "iOS")
    with page.expect_navigation():
        page.locator(".segment-form button[type=submit]").click()
    assert page.locator("#segment-name").get_attribute("aria-invalid") == "true"
    checked["segment edit, refused (400)"] = serious_violations(page)
    console.problems = [p for p in console.problems if "status of 400" not in p and "status of 403" not in p]
    phone = axe_page(browser, console, **PHONE)
    log_in(phone, base, "/clubs/235/", username="ada")
    drawn(phone)
    checked["overview, phone"] = serious_violations(phone)
    phone.goto(base + "/clubs/235/segments/")
    checked["segments, phone"] = serious_violations(phone)
    phone.goto(base + f"/clubs/235/segments/{women.id}/edit")
    checked["segment edit, phone"] = serious_violations(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(checked, indent=1))
    failing = {name: [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found] for name, found in checked.items()}
    assert {name: found for name, found in failing.items() if found} == {}
    assert len(checked) == len(pages) + 5


def test_axe_on_the_api_docs(live_server, browser, dataset, admin, places):
    """Redoc is held to zero serious violations. Swagger UI is checked and its findings kept as an artifact,
    not held to zero: its own markup nests buttons in its operation summaries and its method badges miss
    contrast (docs/dashboards.md). (Their console is not watched here: tests/api covers the docs pages.)"""
    page = browser.new_context(viewport=LAPTOP, bypass_csp=True).new_page()
    log_in(page, live_server.url, "/clubs/235/", username="ada")
    drawn(page)
    page.goto(live_server.url + "/api/redoc/")
    page.locator(".api-content").first.wait_for(timeout=60_000)
    redoc = serious_violations(page)
    page.goto(live_server.url + "/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-swagger-ui.json").write_text(json.dumps(serious_violations(page), indent=1))
    assert [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in redoc] == []


def test_filters_and_drill_down_by_keyboard_alone(live_server, browser, console, dataset, marketer, places):
    """Tab reaches the filter bar and every chart's data table; Enter on a table row drills down like a click."""
    page = console.watch(browser.new_context(viewport=LAPTOP).new_page())
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)

    def tab_to(selector: str, limit: int = 400) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("details.filters > summary")
    page.keyboard.press("Enter")
    tab_to("#f-gender")
    page.keyboard.press("ArrowDown")  # the first value after "any"
    chosen = page.locator("#f-gender").input_value()
    assert chosen
    tab_to(".filter-actions button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"gender={chosen}" in page.url
    drawn(page)
    women = select(dataset, [235], lambda r: r["gender"] == chosen)
    assert int(page.locator(".tile-count").first.get_attribute("data-count") or -1) == len(women)
    # The channel chart's numbers as a table, reached and drilled by keyboard.
    tab_to("#card-channel details.data > summary")
    page.keyboard.press("Enter")
    tab_to("#card-channel table a.drill")
    first_channel = page.locator("#card-channel table a.drill").first.inner_text()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"gender={chosen}" in page.url
    assert "optin_channel=" in page.url
    drawn(page)
    expected = counts(women, "optin_channel")
    label = {None: "(unknown)"}
    channel = next(k for k in expected if label.get(k, k) == first_channel)
    narrowed = [r for r in women if r["optin_channel"] == channel]
    assert int(page.locator(".tile-count").first.get_attribute("data-count") or -1) == len(narrowed)


def test_charts_have_text_alternatives(live_server, browser, console, dataset, marketer, places):
    page = console.watch(browser.new_context(viewport=LAPTOP).new_page())
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    for card in page.locator("[data-chart]").all():
        key = card.get_attribute("data-chart")
        if card.locator(".plot").count() == 0:
            continue
        plot = card.locator(".plot")
        # A figure, not an img: Plotly's mode bar inside it holds buttons (an img may contain nothing focusable).
        assert plot.get_attribute("role") == "figure", key
        assert (plot.get_attribute("aria-label") or "").strip(), key
        assert card.locator(f'table[data-table="{key}"] tbody tr').count() > 0, key


def test_screenshots_at_laptop_and_phone_size(live_server, browser, console, dataset, admin, places):
    for name, options in (("a11y-overview-laptop", {"viewport": LAPTOP}), ("a11y-overview-phone", PHONE)):
        page = console.watch(browser.new_context(**options).new_page())
        log_in(page, live_server.url, "/clubs/235/", username="ada")
        drawn(page)
        shot(page, name)
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
    assert len(select(dataset, [235])) > 0
