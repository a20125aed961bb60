"""The overview sent in two parts: the head (scripts) before any member is counted, then the page."""

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
    rest = b"".join(parts).decode()
    assert rest.startswith("</head>")
    assert rest.rstrip().endswith("</html>")
    assert tiles(rest) == kpi_oracle(select(dataset, [235]))
    assert len(re.findall(r'<script id="fig-[a-z-]+" type="application/json">', rest)) >= 10


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
    assert "This dashboard could not be built. Reload the page to try again." in rest
    assert rest.startswith("</head>")
    assert rest.rstrip().endswith("</html>")
    assert 'class="kpis"' not in rest
