"""No element of any dashboard page links or navigates to another origin: every href, src, action and
formaction (the forms of the filter bar, segments and exports included), and every Plotly mode bar, shown by
hovering each chart. The console fixture also fails a test on any request outside the server's origin."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from reporting.models import Segment
from tests.dashboards.test_browser import (  # noqa: F401  (fixtures)
    browser,
    console,
    drawn,
    log_in,
    new_page,
    places,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# ruff: noqa: F811  (the browser fixtures are imported, then named as test parameters)

TARGETS_JS = """() => [...document.querySelectorAll('*')].flatMap(e =>
  ['href', 'src', 'action', 'formaction', 'xlink:href', 'srcset', 'poster', 'data', 'ping']
    .filter(name => e.hasAttribute(name)).map(name => [e.tagName.toLowerCase(), name, e.getAttribute(name)]))"""
MODE_BAR_JS = """() => [...document.querySelectorAll('.modebar-btn, .modebar a, .js-plot-link-container a')]
  .map(e => [(e.dataset.title || e.textContent || '').toLowerCase(), e.getAttribute('href') || ''])"""
CLOUD_WORDS = ("cloud", "studio", "share", "edit", "plotly.com", "plot.ly")


@pytest.fixture
def admin(make_user):
    return make_user("ada", {235: "admin", 236: "admin"})


def foreign(page: Page, origin: str) -> list[tuple[str, str, str]]:
    """Every URL-valued attribute that resolves to another origin (fragments and data: URLs stay here)."""
    found = []
    for tag, name, value in page.evaluate(TARGETS_JS):
        urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
        for url in urls:
            if not url or url.startswith(("#", "data:")):
                continue
            if page.evaluate("u => new URL(u, document.baseURI).origin", url) != origin:
                found.append((tag, name, value))
    return found


def test_no_element_on_any_dashboard_page_leaves_the_origin(live_server, browser, console, dataset, admin, places):
    base = live_server.url.rstrip("/")
    women = Segment.objects.create(community_id=235, name="Women", filter={"type": "equal", "field": "gender",
                                                                           "value": "woman"})  # fmt: skip
    ios = Segment.objects.create(community_id=235, name="iOS", filter={"type": "equal", "field": "optin_platform",
                                                                       "value": "ios"})  # fmt: skip
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    log_in(page, base, "/", username="ada")
    pages = {
        "club list": "/",
        "overview": "/clubs/235/",
        "overview, segment and filters": f"/clubs/235/?segment={women.id}&optin_platform=ios",
        "compare clubs": "/clubs/?ids=235,236",
        "segments": "/clubs/235/segments/",
        "segment edit": f"/clubs/235/segments/{women.id}/edit",
        "segment compare": f"/clubs/235/segments/compare/?a={women.id}&b={ios.id}",
        "segment delete": f"/clubs/235/segments/{ios.id}/delete",
        "exports": "/exports/",
        "filter error (400)": "/clubs/235/?age=200",
    }
    checked: dict[str, Any] = {}
    for name, path in pages.items():
        page.goto(base + path)
        plots = page.locator(".plot")
        if plots.count():
            drawn(page)
            for index in range(plots.count()):  # a mode bar exists once its chart has been hovered
                plots.nth(index).scroll_into_view_if_needed()
                plots.nth(index).hover()
        else:
            page.wait_for_load_state("networkidle")
        mode_bar = page.evaluate(MODE_BAR_JS)
        checked[name] = {
            "foreign": foreign(page, base),
            "cloud buttons": [title for title, href in mode_bar if any(w in title + href for w in CLOUD_WORDS)],
            "mode bar links": [href for title, href in mode_bar if href and not href.startswith("#")],
            "mode bars": len(mode_bar) > 0 if plots.count() else None,
        }
    # The edit form refused (a name taken): the page it answers with, a 400.
    page.goto(base + f"/clubs/235/segments/{women.id}/edit")
    page.fill("#segment-name", "iOS")
    with page.expect_navigation():
        page.locator(".segment-form button[type=submit]").click()
    checked["segment edit, refused"] = {"foreign": foreign(page, base), "cloud buttons": [], "mode bar links": [],
                                        "mode bars": None}  # fmt: skip
    console.problems = [p for p in console.problems if "status of 400" not in p]
    assert {name: c for name, c in checked.items() if c["foreign"] or c["cloud buttons"] or c["mode bar links"]} == {}
    # Every page with charts had its mode bars shown, so the check above saw them.
    assert {name: c["mode bars"] for name, c in checked.items() if c["mode bars"] is not None} == {
        "overview": True,
        "overview, segment and filters": True,
        "compare clubs": True,
        "segment compare": True,
    }
    assert (
        page.locator("#segment-error").inner_text()
        == "This club already has a segment named “iOS”: choose another name."
    )
