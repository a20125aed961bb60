"""What a visitor's browser gets: page weight and time to the first drawn chart, in headless Chromium.

A real server (``manage.py runserver``, as ``make run`` starts it, static files collected and served by
whitenoise exactly as in production) answers the overview of the largest benchmark club. Debian's Chromium,
driven by Playwright, opens it at a laptop (1440x900) and a phone (390x844, touch, 3x pixels) viewport:

* page weight: every response of the navigation, split into JavaScript and everything, decoded bytes and the
  bytes on the wire (the encoded body Chromium received: brotli or gzip as negotiated);
* time to first and to last chart: from navigation start to the moment the first (the last) chart is drawn
  (the page marks a ``.plot`` with ``data-drawn`` once Plotly's ``newPlot`` has drawn it),
  observed by a script Playwright adds before the page's own; the median of a few cold visits (empty cache),
  plus one repeat visit (cache warm: fingerprinted files are not requested again). The server's own time is
  printed beside it, since at a million members it is most of the wait: the first byte (the page's head, sent
  before anything is computed: dashboards/streaming.py) and the last byte (the page computed and sent).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from bench.reporter import Reporter

TARGET_FIRST_CHART_MS = 1000
TARGET_JS_BYTES = 1_500_000
TARGET_WIRE_BYTES = 500_000
COLD_VISITS = 3
BENCH_USER = "bench-pages"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "laptop 1440x900": {"viewport": {"width": 1440, "height": 900}},
    "phone 390x844": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 3,
    },
}
# Runs before any script of the page: notes when the first chart gets data-drawn, and when the last one did (the
# page arrives in parts, so "every .plot drawn" can hold before the growth section's plots exist: the last
# chart is the latest data-drawn, read once the whole page is in and every plot is drawn).
OBSERVE_CHARTS = """
(() => {
  window.__charts = {first: null, last: null};
  new MutationObserver(() => {
    const drawn = document.querySelectorAll('.plot[data-drawn="true"]').length;
    if (drawn && window.__charts.first === null) window.__charts.first = performance.now();
    if (drawn) window.__charts.last = performance.now();
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
})();
"""
TIMINGS_JS = """() => ({first: window.__charts.first, last: window.__charts.last,
  ttfb: performance.getEntriesByType('navigation')[0].responseStart,
  done: performance.getEntriesByType('navigation')[0].responseEnd})"""


def _largest_club() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT community_id FROM reporting_member GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("no members seeded")
    return int(row[0])


def _session_cookie() -> str:
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    # DJANGO_DEBUG unset is debug off with this process's own secret key, so the session made here is valid
    # there (DJANGO_DEBUG=0 would declare production, which refuses the development key).
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}, "PYTHONUNBUFFERED": "1"}
    root = Path(settings.BASE_DIR)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the benchmark web server exited") from None
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("the benchmark web server did not start")


def _visit(page: Any, url: str) -> tuple[dict[str, Any], list[Any]]:
    responses: list[Any] = []

    def collect(response: Any) -> None:
        responses.append(response)

    page.on("response", collect)
    page.goto(url, wait_until="load", timeout=300_000)
    page.locator('.plot[data-drawn="true"]').first.wait_for(timeout=300_000)
    deadline = time.monotonic() + 300
    while page.locator('.plot:not([data-drawn="true"])').count() and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle", timeout=300_000)
    timings = page.evaluate(TIMINGS_JS)
    page.remove_listener("response", collect)
    return timings, responses


def _weight(responses: list[Any]) -> dict[str, int]:
    weight = {"js": 0, "js_wire": 0, "total": 0, "total_wire": 0, "requests": 0}
    for response in responses:
        body = len(response.body()) if response.status < 300 else 0
        wire = response.request.sizes()["responseBodySize"]
        is_js = response.request.resource_type == "script"
        weight["requests"] += 1
        weight["total"] += body
        weight["total_wire"] += wire
        if is_js:
            weight["js"] += body
            weight["js_wire"] += wire
    return weight


def _measure(browser: Any, base: str, path: str, cookie: str, options: dict[str, Any]) -> dict[str, Any]:
    cold: list[dict[str, Any]] = []
    weight: dict[str, int] = {}
    warm: dict[str, Any] = {}
    for attempt in range(COLD_VISITS):
        context = browser.new_context(**options)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
        context.add_init_script(OBSERVE_CHARTS)
        page = context.new_page()
        timings, responses = _visit(page, base + path)
        cold.append(timings)
        if attempt == 0:
            weight = _weight(responses)
            warm, _ = _visit(page, base + path)  # the same tab again: cached static files
        context.close()
    return {
        "first": statistics.median(t["first"] for t in cold),
        "last": statistics.median(t["last"] for t in cold),
        "ttfb": statistics.median(t["ttfb"] for t in cold),
        "done": statistics.median(t["done"] for t in cold),
        "after_done": statistics.median(t["first"] - t["done"] for t in cold),
        "warm_first": warm["first"],
        **weight,
    }


def run(env: Any, reporter: Reporter) -> None:
    from playwright.sync_api import sync_playwright

    from dashboards.staticbuild import ensure_collected

    env.ensure_seeded()
    ensure_collected()
    club = _largest_club()
    cookie = _session_cookie()
    port = _free_port()
    server = _start_server(port)
    base = f"http://127.0.0.1:{port}"
    path = f"/clubs/{club}/"
    load = os.getloadavg()[0]
    reporter.add("pages", "machine load average (1 min) at start", f"{load:.1f} on {os.cpu_count()} CPUs")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for label, options in VIEWPORTS.items():
                m = _measure(browser, base, path, cookie, options)
                section = "pages"
                reporter.add(section, f"{label}: requests", f"{m['requests']}")
                reporter.add(
                    section,
                    f"{label}: JavaScript decoded",
                    f"{m['js'] / 1000:,.0f} KB",
                    "<= 1,500 KB",
                    m["js"] <= TARGET_JS_BYTES,
                )
                reporter.add(section, f"{label}: JavaScript on the wire", f"{m['js_wire'] / 1000:,.0f} KB")
                reporter.add(section, f"{label}: everything decoded", f"{m['total'] / 1000:,.0f} KB")
                reporter.add(
                    section,
                    f"{label}: everything on the wire",
                    f"{m['total_wire'] / 1000:,.0f} KB",
                    "<= 500 KB",
                    m["total_wire"] <= TARGET_WIRE_BYTES,
                )
                reporter.add(section, f"{label}: server first byte (the head)", f"{m['ttfb']:,.0f} ms")
                reporter.add(section, f"{label}: server last byte (the page computed)", f"{m['done']:,.0f} ms")
                reporter.add(
                    section,
                    f"{label}: first chart drawn (cold cache)",
                    f"{m['first']:,.0f} ms",
                    "<= 1,000 ms",
                    m["first"] <= TARGET_FIRST_CHART_MS,
                )
                reporter.add(section, f"{label}: first chart after the last byte", f"{m['after_done']:,.0f} ms")
                reporter.add(section, f"{label}: last chart drawn (cold cache)", f"{m['last']:,.0f} ms")
                reporter.add(section, f"{label}: first chart drawn (repeat visit)", f"{m['warm_first']:,.0f} ms")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
