"""Member rollups: seed aggregations answered from a rollup against a hand-written GROUP BY on the member table,
filtered aggregations against hand-written SQL, and two importers writing into one club at once.

Printed as ratios (the machine is shared); nothing is asserted.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from typing import Any

import psycopg
from django.db import connections
from django.test import Client
from django.test.utils import override_settings

from bench.api import hand_written_sql
from bench.reporter import Reporter, median_seconds
from bench.setup import BenchEnv, baseline_connection
from reporting.ingestion.service import ingest_members
from reporting.models import Community, Member
from reporting.query.plan import aggregation_plan
from reporting.query.sql import Fragment
from reporting.reports.members import MEMBERS
from reporting.services import api_client_create

FILTERED = {
    # covered by the audience rollup
    "gender_count where optin_platform = ios": (
        {"type": "equal", "field": "optin_platform", "value": "ios"},
        "SELECT community_id, gender, count(*) FROM reporting_member WHERE community_id = ANY(%(ids)s)"
        " AND optin_platform = 'ios' GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2 LIMIT 101",
    ),
    # created_at is in no rollup: the member table
    "gender_count where created_at >= 2025-01-01": (
        {"type": "greater_or_equal_to", "field": "created_at", "value": "2025-01-01T00:00:00Z"},
        "SELECT community_id, gender, count(*) FROM reporting_member WHERE community_id = ANY(%(ids)s)"
        " AND created_at >= '2025-01-01' GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2 LIMIT 101",
    ),
}


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    ids = sorted(Community.objects.values_list("id", flat=True))[:2]
    _, token = api_client_create(name="bench-rollups", permits=["Reporting:Api:Query", "Reporting:Api:Report:Members"],
                                 community_ids=ids)  # fmt: skip
    client = Client()
    headers = {"Authorization": f"Bearer {token}", "X-Customer": "_".join(map(str, ids))}
    baseline = baseline_connection()
    params = {"ids": ids}

    def api_call(body: dict[str, Any], sources: list[str]) -> None:
        response = client.post("/v1/reporting/query", data=json.dumps(body), content_type="application/json",
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content[:300]
        sources.append(response["x-reporting-source"])

    def sql_call(statement: str) -> None:
        baseline.execute(statement, params).fetchall()

    with override_settings(REPORTING={"RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}):
        ratios: list[float] = []
        medians: list[float] = []
        sql_ratios: list[float] = []
        for name, statement in hand_written_sql().items():
            if name == "members page 1":
                continue
            sources: list[str] = []
            api_time = median_seconds(functools.partial(api_call, {"report": "members", "aggregate_by": name,
                                                                   "limit": 100}, sources), repeat=7)  # fmt: skip
            sql_time = median_seconds(functools.partial(sql_call, statement), repeat=3)
            ratio = api_time / sql_time
            ratios.append(ratio)
            medians.append(api_time)
            aggregation = MEMBERS.get_aggregation(name)
            assert aggregation is not None
            page = aggregation_plan(MEMBERS, aggregation, ids, None).page(after=None, limit=101)
            rollup_sql = median_seconds(functools.partial(_run, baseline, page), repeat=7)
            sql_ratios.append(rollup_sql / sql_time)
            reporter.add(
                "rollups",
                f"{name}: the product's rollup SQL {rollup_sql * 1000:.2f} ms / base GROUP BY {sql_time * 1000:.1f} ms",
                f"{rollup_sql / sql_time:.4f}",
                "<= 0.1",
                rollup_sql / sql_time <= 0.1,
            )
            reporter.add(
                "rollups",
                f"{name} [{sources[-1]}]: API {api_time * 1000:.1f} ms / base GROUP BY {sql_time * 1000:.1f} ms",
                f"{ratio:.3f}",
                "<= 0.1",
                ratio <= 0.1,
            )
        reporter.add("rollups", "worst API (rollup) ÷ base SQL", f"{max(ratios):.3f}", "<= 0.1", max(ratios) <= 0.1)
        worst = max(sql_ratios)
        reporter.add("rollups", "worst rollup SQL ÷ base SQL", f"{worst:.4f}", "<= 0.1", worst <= 0.1)
        worst_ms = max(medians) * 1000
        reporter.add("rollups", "slowest rollup-answered API median (ms)", f"{worst_ms:.1f}", "<= 10", worst_ms <= 10)
        for name, (node, statement) in FILTERED.items():
            sources = []
            body = {"report": "members", "aggregate_by": "gender_count", "filter": node, "limit": 100}
            api_time = median_seconds(functools.partial(api_call, body, sources), repeat=5)
            sql_time = median_seconds(functools.partial(sql_call, statement), repeat=5)
            ratio = api_time / sql_time
            reporter.add(
                "rollups",
                f"{name} [{sources[-1]}]: API {api_time * 1000:.1f} ms / SQL {sql_time * 1000:.1f} ms",
                f"{ratio:.2f}",
                "<= 1.3",
                ratio <= 1.3,
            )
    baseline.close()
    _concurrent_importers(ids[0], reporter)


def _run(conn: psycopg.Connection[Any], statement: Fragment) -> None:
    conn.execute(statement.sql, statement.params).fetchall()


def _members(first_id: int, count: int, community: int) -> list[dict[str, Any]]:
    return [
        {"id": first_id + i, "community_id": community, "optin_channel": ("ios-app", "pos", "website")[i % 3],
         "properties": {"gender": ("man", "woman")[i % 2], "interests": ["golf"]},
         "consents": {"sms_marketing": i % 2 == 0}, "birth_date": f"{1950 + i % 60}-05-0{1 + i % 9}",
         "created_at": "2025-06-01T00:00:00Z", "updated_at": "2025-06-01T00:00:00Z"}
        for i in range(count)
    ]  # fmt: skip


def _concurrent_importers(community: int, reporter: Reporter, batch: int = 20_000) -> None:
    """One importer alone, then two at once into the same club (hot rollup rows), each its own connection."""
    base_id = 900_000_000

    def importer(first_id: int, timings: list[float]) -> None:
        started = time.perf_counter()
        ingest_members(_members(first_id, batch, community))
        timings.append(time.perf_counter() - started)
        connections.close_all()

    alone: list[float] = []
    importer(base_id, alone)
    pair: list[float] = []
    threads = [threading.Thread(target=importer, args=(base_id + (k + 1) * batch, pair)) for k in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    Member.objects.filter(id__gte=base_id, id__lt=base_id + 3 * batch).delete()
    reporter.add("rollups", f"one importer, {batch:,} members into one club (s)", f"{alone[0]:.2f}")
    reporter.add(
        "rollups",
        f"two importers at once into that club: wall {wall:.2f} s, each {pair[0]:.2f} / {pair[1]:.2f} s",
        f"{wall / alone[0]:.2f}",
        "wall ÷ one alone < 2 (2 = fully serialised)",
        wall / alone[0] < 2,
    )
