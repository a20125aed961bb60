# ruff: noqa: F811  (the browser tests' fixtures are imported, then named as test parameters)
"""The Plotly bundle and the static files as served: the checked-in build, only the pages' trace types,
fingerprinted, brotli-compressed and cached for good (what production serves, through whitenoise)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import brotli
import pytest
from django.test import Client

from tests.dashboards.test_browser import browser, console, drawn, log_in, new_page, places  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "vendor" / "plotly-custom.min.js"
CHECKSUM = ROOT / "scripts" / "plotly-bundle" / "plotly-custom.min.js.sha256"
ENTRY = ROOT / "scripts" / "plotly-bundle" / "entry.js"
SCRIPT = re.compile(r'<script src="(/static/vendor/plotly-custom\.min\.[0-9a-f]{12}\.js)"')


def test_bundle_matches_its_recorded_checksum_and_names_its_source() -> None:
    digest, name = CHECKSUM.read_text().split()
    assert name == "plotly-custom.min.js"
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() == digest
    header = BUNDLE.read_text()[:400]
    assert "plotly.js v4.1.1" in header
    assert "Built by scripts/build_plotly_bundle.sh" in header


@pytest.mark.django_db
def test_overview_links_the_fingerprinted_bundle_served_compressed_and_immutable(dataset, marketer, settings) -> None:
    client = Client()
    client.force_login(marketer)
    html = client.get("/clubs/235/", headers={"accept-encoding": "identity"}).getvalue().decode()
    assert "plotly.min.js" not in html
    (url,) = SCRIPT.findall(html)
    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    cache = response["Cache-Control"]
    assert "immutable" in cache
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= 365 * 24 * 3600  # type: ignore[union-attr]
    wire = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert brotli.decompress(wire) == BUNDLE.read_bytes()
    assert len(wire) <= 500_000
    assert BUNDLE.stat().st_size <= 1_500_000
    # Every other static file the page links is fingerprinted too.
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        if asset.endswith("/"):
            continue  # the topojson folder (docs/dashboards.md)
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), asset


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bundle_holds_exactly_the_entry_trace_types(live_server, browser, console, dataset, marketer, places):
    wanted = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", ENTRY.read_text())) - {"core"}
    assert {"bar", "pie", "scattergeo", "scatter", "heatmap"} <= wanted
    page = new_page(browser, console)
    log_in(page, live_server.url, "/clubs/235/")
    figures = drawn(page)
    types = set(page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)"))
    assert types == wanted
    assert {trace["type"] for traces in figures.values() for trace in traces} <= types
