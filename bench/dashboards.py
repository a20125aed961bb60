"""Overview dashboard at benchmark scale: server time of the page vs the same SQL run bare, and page weight.

Every overview includes the growth section (default period 12 months; the 2-year rows are issue 9's "overview
page with the growth section ÷ its SQL run bare" over the whole seeded history).

The page is requested in-process through Django's test client (every middleware, the view, the templates).
Its SQL is captured during one request and then replayed statement by statement on a plain cursor: the ratio
page time / bare SQL time is the price of everything that is not PostgreSQL. Page weight is the HTML plus
every stylesheet and script it references, raw and gzip-compressed (what whitenoise serves).
"""

from __future__ import annotations

import gzip
import re
import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.reporter import Reporter, median_seconds

TARGET_RATIO = 1.3
REPEAT = 21
BENCH_USER = "bench-dashboards"
_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _largest_club() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT community_id FROM reporting_member GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("no members seeded")
    return int(row[0])


def _client() -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    return client


def _bare_seconds(statements: list[str]) -> float:
    """Run the captured statements as they are, one after the other, fetching every row."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - start


def _fetch(client: Client, path: str) -> tuple[int, bytes]:
    """The whole page: a streamed overview computes its body while it is read, so the time includes reading it."""
    response = client.get(path)
    return response.status_code, response.getvalue()


def _measure(client: Client, path: str) -> tuple[float, float, int, bytes]:
    status, html = _fetch(client, path)  # warm: caches, connections, compiled templates
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    # Inside a transaction the growth section runs on this connection instead of alongside on a second one
    # (dashboards/alongside.py), so every statement of the page is captured; the timed runs below are as served.
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        _fetch(client, path)
    statements = [q["sql"] for q in captured.captured_queries]
    _bare_seconds(statements)  # warm
    # Interleaved, so that load from anything else on the machine weighs on both sides alike.
    pages, bares = [], []
    for _ in range(REPEAT):
        start = time.perf_counter()
        _fetch(client, path)
        pages.append(time.perf_counter() - start)
        bares.append(_bare_seconds(statements))
    return statistics.median(pages), statistics.median(bares), len(statements), html


def _weight(client: Client, html: bytes) -> dict[str, Any]:
    assets = sorted(set(_ASSET.findall(html.decode())))
    raw, compressed = len(html), len(gzip.compress(html))
    for asset in assets:
        response = client.get(asset)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        raw += len(body)
        compressed += len(gzip.compress(body))
    return {"assets": assets, "raw": raw, "gzip": compressed, "html": len(html)}


def run(env: Any, reporter: Reporter) -> None:
    env.ensure_seeded()
    club = _largest_club()
    client = _client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_member WHERE community_id = %s", [club])
        (members,) = cursor.fetchone()
    reporter.add("dashboards", f"club {club}: members", f"{members:,}")
    for label, path in (
        ("overview", f"/clubs/{club}/"),
        ("overview, drilled (gender=woman & e-mail)", f"/clubs/{club}/?gender=woman&marketing_via_email=true"),
        # The growth section over two years: member_balance, members_count_history and the cohorts.
        ("overview, growth over 2 years", f"/clubs/{club}/?period=2y"),
        ("overview, growth over 2 years drilled (gender=woman)", f"/clubs/{club}/?period=2y&gender=woman"),
    ):
        page, bare, count, html = _measure(client, path)
        ratio = page / bare if bare else float("inf")
        reporter.add("dashboards", f"{label}: server time", f"{page * 1000:,.0f} ms")
        reporter.add("dashboards", f"{label}: {count} SQL statements run bare", f"{bare * 1000:,.0f} ms")
        reporter.add(
            "dashboards", f"{label}: server / bare SQL", f"{ratio:.2f}", f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO
        )
        if label == "overview":
            weight = _weight(client, html)
            reporter.add("dashboards", "overview page weight: HTML", f"{weight['html'] / 1024:,.0f} KiB")
            reporter.add(
                "dashboards",
                f"overview page weight: HTML + {len(weight['assets'])} assets",
                f"{weight['raw'] / 1024:,.0f} KiB",
            )
            reporter.add("dashboards", "overview page weight gzip", f"{weight['gzip'] / 1024:,.0f} KiB")
    csv_seconds = median_seconds(lambda: client.get(f"/clubs/{club}/data/gender.csv"), repeat=5)
    reporter.add("dashboards", "one chart's CSV (gender)", f"{csv_seconds * 1000:,.0f} ms")
