"""The overview sent in three parts: the head (scripts) before any member is counted, then the page with its
charts, then the growth section (the slowest to compute) below them."""

from __future__ import annotations

import re
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboards.dataset import select
from tests.dashboards.test_views import kpi_oracle, tiles

pytestmark = pytest.mark.django_db

BUNDLE_TAG = re.compile(r'<script src="/static/vendor/plotly-custom\.min\.[0-9a-f]{12}\.js" async id="plotly-bundle">')


def test_the_head_goes_out_before_any_member_is_counted_then_the_page(client, dataset, marketer):
    client.force_login(marketer)
    response = client.get("/clubs/235/")
    assert response.status_code == 200
    assert response.streaming
    parts = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        head = next(parts).decode()
    assert not [q["sql"] for q in queries.captured_queries if "reporting_member" in q["sql"]]
    assert head.startswith("<!doctype html>")
    assert BUNDLE_TAG.search(head)
    assert "</head>" not in head
    assert "<body" not in head
    charts = next(parts).decode()
    assert charts.startswith("</head>")
    assert tiles(charts) == kpi_oracle(select(dataset, [235]))
    assert len(re.findall(r'<script id="fig-[a-z]+" type="application/json">', charts)) == 10
    # The script that draws them ends this part, and the growth section is not in it: only its placeholder.
    assert re.search(r'<script src="/static/js/dashboard\.[0-9a-f]{12}\.js" data-init="now"></script>\s*'
                     r'<section class="card growth-pending"[^>]*>.*?</section>\s*$', charts, re.S)  # fmt: skip
    assert 'id="growth"' not in charts
    assert "</html>" not in charts
    growth = b"".join(parts).decode()
    assert growth.lstrip().startswith('<section class="growth card" id="growth"')
    assert len(re.findall(r'data-growth-tile="[a-z-]+"', growth)) == 3
    assert growth.rstrip().endswith("</html>")


def test_the_head_preloads_the_scripts_that_draw_the_charts(client, dataset, marketer):
    client.force_login(marketer)
    head = next(iter(client.get("/clubs/235/").streaming_content)).decode()
    for name in ("vendor/plotly-custom.min", "js/dashboard"):
        pattern = rf'<link rel="preload" href="/static/{name}\.[0-9a-f]{{12}}\.js" as="script">'
        assert re.search(pattern, head), name


def test_gzip_is_flushed_after_the_head_so_the_browser_can_start_on_the_scripts(client, dataset, marketer):
    client.force_login(marketer)
    plain = client.get("/clubs/235/", headers={"accept-encoding": "identity"})
    plain_head = next(iter(plain.streaming_content))
    response = client.get("/clubs/235/", headers={"accept-encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    inflate = zlib.decompressobj(wbits=31)
    parts = iter(response.streaming_content)
    received = b""
    while not received.endswith(plain_head):  # the gzip header, then the head, whole, before the body's turn
        received += inflate.decompress(next(parts))
    assert received == plain_head
    received += b"".join(inflate.decompress(part) for part in parts) + inflate.flush()
    assert inflate.eof
    assert tiles(received.decode()) == kpi_oracle(select(dataset, [235]))


@pytest.mark.django_db(transaction=True)  # autocommit, as a server runs: the failed statement aborts nothing else
def test_a_failure_after_the_head_ends_the_page_with_a_message(client, dataset, marketer):
    client.force_login(marketer)
    response = client.get("/clubs/235/")
    parts = iter(response.streaming_content)
    next(parts)
    with connection.cursor() as cursor:  # the database loses a table the growth section reads
        cursor.execute("ALTER TABLE reporting_cohortmonthly RENAME TO reporting_cohortmonthly_gone")
    try:
        rest = b"".join(parts).decode()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE reporting_cohortmonthly_gone RENAME TO reporting_cohortmonthly")
    # The charts were sent before growth failed: they stay, the message takes the growth section's place.
    assert rest.startswith("</head>")
    assert rest.rstrip().endswith("</html>")
    assert tiles(rest) == kpi_oracle(select(dataset, [235]))
    failed = re.search(r'<section class="card later-failed" role="alert"><p>(.*?)</p></section>', rest)
    assert failed
    assert failed.group(1) == "This dashboard could not be built. Reload the page to try again."
    assert 'id="growth"' not in rest


def test_a_failure_before_the_charts_ends_the_page_with_a_message(client, dataset, marketer, monkeypatch):
    client.force_login(marketer)
    response = client.get("/clubs/235/")
    parts = iter(response.streaming_content)
    next(parts)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the key figures could not be shaped")

    monkeypatch.setattr("dashboards.views.charts.kpi_view", broken)
    rest = b"".join(parts).decode()
    assert "This dashboard could not be built. Reload the page to try again." in rest
    assert rest.startswith("</head>")
    assert rest.rstrip().endswith("</html>")
    assert 'class="kpis"' not in rest
    assert 'id="growth"' not in rest
