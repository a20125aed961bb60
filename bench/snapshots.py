"""Count snapshots at benchmark scale: the beat task's statement vs a bare GROUP BY of the same members.

Each measured run deletes the current period's rows first, so it really snapshots every community (merging with
the previous period's rows, as every run after the first does). The bare side is the counting alone, the same
GROUPING SETS ``SELECT`` without the merge and the insert; a plain ``count(*) GROUP BY community_id`` is shown
too, as the floor of any scan of the members.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.utils import timezone

from bench.reporter import Reporter, median_seconds
from bench.setup import BenchEnv
from reporting.snapshots import GROUPING_COLUMNS, PERIOD, period_start, snapshots_take

TARGET_RATIO = 1.5
REPEAT = 5

_GROUPING_SETS = ", ".join(["(m.community_id)", *(f"(m.community_id, {c})" for c in GROUPING_COLUMNS.values())])
BARE_GROUPING_SETS = (
    f"SELECT m.community_id, {', '.join(GROUPING_COLUMNS.values())}, count(*) FROM reporting_member AS m"
    f" GROUP BY GROUPING SETS ({_GROUPING_SETS})"
)
BARE_COUNT = "SELECT m.community_id, count(*) FROM reporting_member AS m GROUP BY 1"


def _bare(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def _forget_current_period() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reporting_membercountsnapshot WHERE taken_at = %s", [period_start(timezone.now())])


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    snapshots_take(now=timezone.now() - PERIOD)  # a previous period to merge with, as in production
    takes, bares = [], []
    rows = 0
    for _ in range(REPEAT):  # interleaved, so load from elsewhere weighs on both sides alike
        _forget_current_period()
        start = time.perf_counter()
        run_ = snapshots_take()
        takes.append(time.perf_counter() - start)
        rows = run_.rows
        start = time.perf_counter()
        _bare(BARE_GROUPING_SETS)
        bares.append(time.perf_counter() - start)
    take, bare = statistics.median(takes), statistics.median(bares)
    count_only = median_seconds(lambda: _bare(BARE_COUNT), repeat=REPEAT)
    reporter.add("snapshots", f"snapshot task, every community ({rows} rows)", f"{take * 1000:.0f} ms")
    reporter.add("snapshots", "bare GROUPING SETS count of the same members", f"{bare * 1000:.0f} ms")
    reporter.add("snapshots", "bare count(*) GROUP BY community_id", f"{count_only * 1000:.0f} ms")
    ratio = take / bare
    reporter.add(
        "snapshots", "snapshot task / bare GROUPING SETS", f"{ratio:.2f}", f"≤ {TARGET_RATIO}", ratio <= TARGET_RATIO
    )
    reporter.add("snapshots", "snapshot task / bare count(*) GROUP BY", f"{take / count_only:.2f}")
    _serve(reporter)


def _serve(reporter: Reporter) -> None:
    """members_grouped_count as a request would run it (freshness probe, then the page), vs its SQL alone."""
    from reporting.query.request import parse_records_query
    from reporting.reports import get_report
    from reporting.selectors import query_plan, records_page

    report = get_report("members_grouped_count")
    assert report is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM reporting_community")
        community_ids = list(cursor.fetchone()[0])
    query = parse_records_query({"report": report.name, "limit": 1000}, report)
    statement = query_plan(community_ids=community_ids, query=query).page(after=None, limit=1001)

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            cursor.fetchall()

    served = median_seconds(lambda: records_page(community_ids=community_ids, query=query), repeat=REPEAT)
    bare_seconds = median_seconds(bare, repeat=REPEAT)
    reporter.add("snapshots", "members_grouped_count page of 1000 (selector)", f"{served * 1000:.1f} ms")
    reporter.add("snapshots", "members_grouped_count / its SQL bare", f"{served / bare_seconds:.2f}")
