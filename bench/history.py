"""The timeseries reports against hand-written SQL over the same two years of join/leave events.

Daily over two years is 730 buckets, more than one request may hold (150), so "daily over two years" is what a
client must do: five consecutive 146-day requests; the baseline runs the same five windows. Weekly over two years
is one request. The API goes through the whole stack in-process (auth, context with time zones, rate limit,
validation, the bucket-count statement, the series statement, JSON); the SQL on its own psycopg connection.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.test.utils import override_settings

from bench.reporter import Reporter, median_seconds
from bench.setup import BenchEnv, baseline_connection
from reporting import permits
from reporting.models import Community
from reporting.rollups.events_choice import base_path_only
from reporting.services import api_client_create

_BOUNDS = (
    "community_id = ANY(%(ids)s) AND occurred_at >= (%(lo)s::timestamp AT TIME ZONE %(zone)s)"
    " AND occurred_at < (%(hi)s::timestamp AT TIME ZONE %(zone)s)"
)
BALANCE_SQL = (
    "SELECT date_trunc(%(unit)s, occurred_at AT TIME ZONE %(zone)s) AS bucket, type, count(*)"
    f" FROM reporting_memberevent WHERE {_BOUNDS} GROUP BY 1, 2 ORDER BY 1, 2"
)
HISTORY_SQL = (
    "WITH d AS (SELECT CASE WHEN occurred_at >= (%(lo)s::timestamp AT TIME ZONE %(zone)s)"
    " THEN date_trunc(%(unit)s, occurred_at AT TIME ZONE %(zone)s) END AS bucket,"
    " sum(CASE WHEN type = 'in' THEN 1 ELSE -1 END) AS delta FROM reporting_memberevent"
    " WHERE community_id = ANY(%(ids)s) AND occurred_at < (%(hi)s::timestamp AT TIME ZONE %(zone)s) GROUP BY 1)"
    " SELECT bucket, sum(delta) OVER (ORDER BY bucket NULLS FIRST) FROM d ORDER BY 1 NULLS FIRST"
)
CHUNK_DAYS = 146


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    community = Community.objects.filter(slug="oslo-city").first() or Community.objects.order_by("id").first()
    assert community is not None
    ids, zone = [community.id], community.timezone
    granted = [permits.QUERY, permits.report_permit("MemberBalance"), permits.report_permit("MembersCountHistory")]
    _, token = api_client_create(name="bench history", permits=granted, community_ids=ids)
    client = Client()
    headers = {"Authorization": f"Bearer {token}", "X-Customer": str(community.id)}
    baseline = baseline_connection()
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    first = today - dt.timedelta(days=5 * CHUNK_DAYS)
    chunks = [(first + dt.timedelta(days=CHUNK_DAYS * k), first + dt.timedelta(days=CHUNK_DAYS * (k + 1)))
              for k in range(5)]  # fmt: skip

    def api_call(body: dict[str, Any]) -> None:
        response = client.post("/v1/reporting/query", data=json.dumps(body), content_type="application/json",
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content[:300]

    def sql_call(statement: str, params: dict[str, Any]) -> None:
        baseline.execute(statement, params).fetchall()

    def timed(action: Callable[..., None], calls: list[Any]) -> float:
        return sum(median_seconds(functools.partial(action, *call), repeat=5) for call in calls)

    with override_settings(REPORTING={"RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}):
        for report, statement in (("member_balance", BALANCE_SQL), ("members_count_history", HISTORY_SQL)):
            for label, interval, unit, windows in (
                ("daily over two years (5 requests of 146 days)", "1d", "day", chunks),
                ("weekly over two years (1 request)", "1w", "week", [(first, today)]),
            ):
                bodies = [({"report": report, "interval": interval, "from": lo.isoformat(), "to": hi.isoformat()},)
                          for lo, hi in windows]  # fmt: skip
                statements = [(statement, {"ids": ids, "zone": zone, "unit": unit, "lo": lo, "hi": hi})
                              for lo, hi in windows]  # fmt: skip
                sql_time = timed(sql_call, statements)
                # Both sources the planner can answer from, each against the same SQL over the events.
                for source in ("rollup", "base"):
                    if source == "rollup":
                        api_time = timed(api_call, bodies)
                    else:
                        with base_path_only():
                            api_time = timed(api_call, bodies)
                    ratio = api_time / sql_time
                    reporter.add(
                        "history",
                        f"{report} {label}, from the {source}: API {api_time * 1000:.1f} ms"
                        f" / SQL on events {sql_time * 1000:.1f} ms",
                        f"{ratio:.2f}",
                        "<= 1.5",
                        ratio <= 1.5,
                    )
        events = baseline.execute(
            "SELECT count(*) FROM reporting_memberevent WHERE community_id = ANY(%(ids)s)", {"ids": ids}
        ).fetchone()
        reporter.add("history", f"events of the club measured ({community.slug})", f"{events[0] if events else 0}")
        rollup_rows = baseline.execute(
            "SELECT count(*) FROM reporting_eventdailyrollup WHERE community_id = ANY(%(ids)s)", {"ids": ids}
        ).fetchone()
        reporter.add("history", "daily event rollup rows of the club", f"{rollup_rows[0] if rollup_rows else 0}")
    baseline.close()
