"""Issue 11's fixes in a real browser: every chart type drills down, phones get the data (no mode bar over it, no
accidental zoom), nothing links to another origin, values round-trip exactly, pickers show every applied value.

Expected counts come from the plain-Python oracle in ``tests/dashboards/dataset.py`` over the same rows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from tests.dashboards.dataset import counts, select
from tests.dashboards.test_browser import click_center, drawn, log_in, new_page, shot, tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
BAR_CHARTS = ("reachability", "age", "channel", "subchannel", "consents", "interests", "cities")
# Members whose values must survive the trip chart -> URL -> filter exactly (besides the known data set).
PADDED = [
    {"id": 5001, "community_id": 235, "optin_subchannel": "", "optin_channel": " pos"},
    {"id": 5002, "community_id": 235, "optin_subchannel": "", "optin_channel": " pos"},
    {"id": 5003, "community_id": 235, "optin_subchannel": " store-007 ", "optin_channel": "pos "},
    {"id": 5004, "community_id": 235, "optin_subchannel": "store-007", "optin_channel": " pos"},
]

FIRST_BAR_JS = """(key) => {
  const card = document.querySelector(`#card-${key}`);
  const plot = card.querySelector('.js-plotly-plot');
  const bars = [...plot.querySelectorAll('.bars .point path')].filter(p => {
    const r = p.getBoundingClientRect(); return r.width > 2 && r.height > 2; });
  // the first bar of the first trace in reading order (top-most, then left-most)
  bars.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top
                      || a.getBoundingClientRect().left - b.getBoundingClientRect().left);
  const bar = bars[0];
  bar.scrollIntoView({block: 'center'});
  const r = bar.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {x, y, modebar: !!(hit && hit.closest('.modebar')), inPlot: !!(hit && plot.contains(hit)),
          isBar: hit === bar, hit: hit ? hit.getAttribute('class') || hit.tagName : null,
          modebars: [...card.querySelectorAll('.modebar')].filter(m => m.getBoundingClientRect().height > 0).length,
          ranges: Object.keys(plot._fullLayout).filter(k => /^[xy]axis\\d*$/.test(k))
                   .map(k => plot._fullLayout[k].range.join(','))};
}"""
POINT_JS = """([key, trace, label]) => {
  const plot = document.querySelector(`#card-${key} .js-plotly-plot`);
  const index = plot.data[trace].y.indexOf(label);
  const point = plot.querySelectorAll('.barlayer .trace')[trace].querySelectorAll('.point')[index];
  point.scrollIntoView({block: 'center'});
  const r = point.getBoundingClientRect();
  return {x: r.left + r.width / 2, y: r.top + r.height / 2, customdata: plot.data[trace].customdata[index]};
}"""
LINKS_JS = """() => [...document.querySelectorAll('[href], [action], [formaction], [src], [xlink\\\\:href]')]
  .map(e => e.getAttribute('href') ?? e.getAttribute('action') ?? e.getAttribute('formaction')
            ?? e.getAttribute('src') ?? e.getAttribute('xlink:href'))
  .filter(u => u && !u.startsWith('#') && !u.startsWith('data:'))
  .map(u => new URL(u, document.baseURI).origin)"""


def only(query: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(query).query if "?" in query else query, keep_blank_values=True)


def url_value(text: str) -> Any:
    """The oracle's reading of a URL token (written here, independently of dashboards.urlfilters)."""
    if text == "(none)":
        return None
    if text == "(empty)":
        return ""
    return text[1:] if text.startswith("\\") else text


def test_every_chart_type_drills_down_slices_included(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console)
    base = live_server.url + "/clubs/235/"
    log_in(page, live_server.url, "/clubs/235/")
    rows = select(dataset, [235])
    for key, selector in (
        ("gender", "#card-gender .slice .slicetext"),
        ("platform", "#card-platform .slice .slicetext"),
        ("map", "#card-map .scattergeo .point"),
        ("age", "#card-age .bars .point path[d*=M]"),
        ("reachability", "#card-reachability .bars .point path[d*=M]"),
    ):
        drawn(page)
        with page.expect_navigation():
            click_center(page, selector)
        filters = only(page.url)
        assert filters, f"{key}: a click must add a filter"
        where = {name: url_value(value) for name, value in filters}
        expected = [r for r in rows if all(r.get(name) == value for name, value in where.items())]
        if key == "reachability":
            expected = [r for r in rows if r[filters[0][0]]]
        assert 0 < tiles(page)[0] == len(expected), key
        drawn(page)  # leave only once the map's outlines have loaded (an aborted request is a failure)
        page.goto(base)
    drawn(page)
    # A KPI tile is a link to the same filter.
    with page.expect_navigation():
        page.locator(".tile[href]").first.click()
    assert only(page.url) == [("marketing_via_sms", "true")]
    assert tiles(page)[0] == len([r for r in rows if r["marketing_via_sms"]])
    drawn(page)
    # Compare: a slice of the second club's donut drills and keeps both clubs.
    page.goto(live_server.url + "/clubs/?ids=235,236")
    drawn(page)
    with page.expect_navigation():
        click_center(page, "#card-gender .trace:nth-of-type(2) .slice .slicetext")
    assert "ids=235%2C236" in page.url or "ids=235,236" in page.url
    (gender,) = [url_value(v) for n, v in only(page.url) if n == "gender"]
    assert tiles(page)[0] == len(select(dataset, [235, 236], lambda r: r["gender"] == gender))
    drawn(page)


def test_phone_first_bar_is_tappable_no_mode_bar_no_zoom(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console, **PHONE)
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    shot(page, "phone-bars")
    for key in BAR_CHARTS:
        found = page.evaluate(FIRST_BAR_JS, key)
        assert found["modebars"] == 0, f"{key}: a mode bar is shown on a phone"
        assert not found["modebar"], f"{key}: the toolbar covers the first bar ({found['hit']})"
        assert found["inPlot"], f"{key}: {found['hit']} is over the first bar"
    # A vertical swipe that starts on a bar scrolls the page and does not zoom the chart.
    found = page.evaluate(FIRST_BAR_JS, "channel")
    scrolled = page.evaluate("window.scrollY")
    session = page.context.new_cdp_session(page)
    x, y = found["x"], found["y"]
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 25 * step}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(300)
    after = page.evaluate(FIRST_BAR_JS.replace("bar.scrollIntoView({block: 'center'});", ""), "channel")
    assert after["ranges"] == found["ranges"], "a swipe zoomed the chart"
    assert page.evaluate("window.scrollY") > scrolled, "a swipe over a chart must scroll the page"
    # Each chart's first bar answers a tap with its drill-down.
    for key in BAR_CHARTS:
        page.goto(live_server.url + "/clubs/235/")
        drawn(page)
        found = page.evaluate(FIRST_BAR_JS, key)
        with page.expect_navigation():
            page.touchscreen.tap(found["x"], found["y"])
        assert only(page.url), f"{key}: tapping the first bar did not drill down"
        drawn(page)


def test_laptop_keeps_zoom_and_download_and_nothing_leaves_the_origin(
    live_server, browser, console, dataset, marketer, places
):
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    page.locator("#card-channel .js-plotly-plot").hover()
    titles = page.locator("#card-channel .modebar-btn").evaluate_all("els => els.map(e => e.dataset.title)")
    assert any("Zoom" in t for t in titles)
    assert any("Download" in t for t in titles)
    every = page.locator(".modebar-btn").evaluate_all("els => els.map(e => (e.dataset.title || '').toLowerCase())")
    assert every
    assert not [t for t in every if "share" in t or "cloud" in t or "studio" in t or "edit" in t]
    for key in ("channel", "gender", "map"):
        page.locator(f"#card-{key} .js-plotly-plot").hover()
    origins = set(page.evaluate(LINKS_JS))
    assert origins == {live_server.url.rstrip("/")}
    with page.expect_download() as download:
        page.locator("#card-channel .js-plotly-plot").hover()
        page.locator('#card-channel .modebar-btn[data-title^="Download"]').click()
    assert download.value.suggested_filename == "channel.png"
    response = page.goto(live_server.url + "/clubs/235/")
    assert response is not None
    drawn(page)
    policy = response.headers["content-security-policy"]
    for directive in ("form-action 'self'", "base-uri 'self'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in policy


def test_empty_and_padded_values_round_trip(live_server, browser, console, dataset, marketer, places, insert_members):
    insert_members(PADDED)
    rows = select(dataset + [{**r, "community_id": 235} for r in PADDED], [235])
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)  # leaving before the map's outline arrives would abort its request
    for key, field, label, value in (
        ("subchannel", "optin_subchannel", "(empty)", ""),
        ("subchannel", "optin_subchannel", "␠store-007␠", " store-007 "),
        ("channel", "optin_channel", "␠pos", " pos"),
        ("channel", "optin_channel", "pos␠", "pos "),
    ):
        page.goto(live_server.url + "/clubs/235/")
        figures = drawn(page)
        assert label in figures[key][0]["y"], f"{label} is not shown distinguishably"
        found = page.evaluate(POINT_JS, [key, 0, label])
        with page.expect_navigation():
            page.mouse.click(found["x"], found["y"])
        assert [(n, url_value(v)) for n, v in only(page.url)] == [(field, value)]
        expected = counts(rows, field)[value]
        assert expected > 0
        assert tiles(page)[0] == expected, label
        assert page.locator(".chip").count() == 1
        drawn(page)
    # The same values typed into a shared URL.
    page.goto(live_server.url + "/clubs/235/?optin_channel=+pos")
    assert tiles(page)[0] == counts(rows, "optin_channel")[" pos"]
    drawn(page)


def test_bad_filters_keep_their_chips_and_inverted_dates_say_so(
    live_server, browser, console, dataset, marketer, places
):
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/")
    drawn(page)
    response = page.goto(live_server.url + "/clubs/235/?age=200&gender=woman")
    assert response is not None
    assert response.status == 400
    chips = page.locator(".chip").all_inner_texts()
    assert len(chips) == 2
    assert any("200" in chip for chip in chips)
    response = page.goto(live_server.url + "/clubs/235/?joined_from=2024-03-01&joined_to=2024-02-01")
    assert response is not None
    assert response.status == 400
    message = page.locator("#filter-error").inner_text()
    assert "2024-03-01" in message
    assert "after" in message
    assert page.locator(".chip").count() == 2
    console.problems = [p for p in console.problems if "status of 400" not in p]


def test_multi_value_filters_show_in_the_pickers(live_server, browser, console, dataset, marketer, places):
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    log_in(page, live_server.url, "/clubs/235/?age=20-24&age=25-29&gender=woman&gender=man")
    drawn(page)
    selected = "el => [...el.selectedOptions].map(o => o.value)"
    assert page.locator("#f-age").evaluate(selected) == ["20-24", "25-29"]
    assert page.locator("#f-gender").evaluate(selected) == ["woman", "man"]
    rows = select(dataset, [235], lambda r: r["age"] in ("20-24", "25-29") and r["gender"] in ("woman", "man"))
    assert tiles(page)[0] == len(rows)
    # Pick two channels and a subchannel in the bar; every enum and string field takes several values.
    for name in ("gender", "age", "optin_platform", "optin_channel", "optin_subchannel", "propertiesinterests",
                 "city_place_id"):  # fmt: skip
        assert page.locator(f"#f-{name}").get_attribute("multiple") is not None, name
    page.select_option("#f-optin_channel", ["app", "pos"])
    with page.expect_navigation():
        page.click(".filter-actions button[type=submit]")
    assert page.locator("#f-optin_channel").evaluate(selected) == ["app", "pos"]
    assert page.locator("#f-age").evaluate(selected) == ["20-24", "25-29"]
    both = [r for r in rows if r["optin_channel"] in ("app", "pos")]
    assert tiles(page)[0] == len(both)
    # Age as a range: "from 20-24 to 30-34" selects the three buckets, and the URL lists them.
    page.select_option("#f-age-from", "20-24")
    page.select_option("#f-age-to", "30-34")
    assert page.locator("#f-age").evaluate(selected) == ["20-24", "25-29", "30-34"]
    with page.expect_navigation():
        page.click(".filter-actions button[type=submit]")
    assert [v for n, v in only(page.url) if n == "age"] == ["20-24", "25-29", "30-34"]
    ranged = select(
        dataset,
        [235],
        lambda r: (
            r["age"] in ("20-24", "25-29", "30-34")
            and r["gender"] in ("woman", "man")
            and r["optin_channel"] in ("app", "pos")
        ),
    )
    assert tiles(page)[0] == len(ranged)
    drawn(page)
    # Column headers of numbers are right-aligned like the numbers under them.
    align = page.locator("#card-gender th[scope=col]").evaluate_all(
        "els => els.map(e => getComputedStyle(e).textAlign)"
    )
    assert align == ["left", "right"]
    # At 1440 px the date and place pickers show their whole value.
    for picker in ("#f-joined_from", "#f-city_place_id"):
        width = page.locator(picker).evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width[0] <= width[1], picker
    shot(page, "filter-multi")
    expect(page.locator("#f-age")).to_be_visible()


def test_api_docs_load_nothing_from_another_origin_and_the_favicon_is_served(live_server, browser, console, db):
    page = new_page(browser, console, viewport={"width": 1440, "height": 900})
    response = page.request.get(live_server.url + "/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page.goto(live_server.url + "/api/redoc/")
    expect(page.locator(".menu-content")).to_be_visible(timeout=30_000)
    logo = page.locator(".menu-content img")
    expect(logo).to_have_count(1, timeout=10_000)
    expect(logo).to_have_attribute("src", "/favicon.ico")
    page.wait_for_load_state("networkidle")
    # The console fixture fails the test on any request outside the server's origin or any CSP error.
