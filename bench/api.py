"""Reporting API latency against hand-written SQL, and deep keyset pages against the first page.

The API is called in-process through Django's test client (the whole stack: authentication, context, permits,
rate-limit charge, validation, SQL, shaping, JSON), so the ratio measures the product's overhead over the
bare query, not the network. The SQL baseline runs on its own psycopg connection to the same database.
The per-request lines are also measured through the product's WSGI application (what gunicorn calls, with
Django's request signals and health check, without the test client's own bookkeeping).

The per-request overhead lines come first: API and SQL calls alternate (the machine's load at any moment weighs
on both), and the fixed overhead is API median - SQL median (docs/performance.md, "Per-request overhead").
"""

from __future__ import annotations

import functools
import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.reporter import Reporter, median_seconds
from bench.setup import BenchEnv, baseline_connection
from reporting.models import Community
from reporting.query import cursor as cursors
from reporting.services import api_client_create

MEMBERS = "reporting_member"
SCOPE = "community_id = ANY(%(ids)s)"


def _distribution(column: str) -> tuple[str, str]:
    per_community = (
        f"SELECT community_id, {column}, count(*) AS n FROM {MEMBERS} WHERE {SCOPE}"
        f" GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2 ASC NULLS LAST LIMIT 101"
    )
    total = (
        f"SELECT {column}, count(*) AS n FROM {MEMBERS} WHERE {SCOPE}"
        " GROUP BY 1 ORDER BY 2 DESC, 1 ASC NULLS LAST LIMIT 101"
    )
    return per_community, total


_CONSENTS = (
    "SELECT {cols}, c.key, c.value::boolean, count(*) AS n FROM reporting_member AS m, jsonb_each(m.consents) AS c"
    " WHERE m.community_id = ANY(%(ids)s) AND jsonb_typeof(c.value) = 'boolean'"
    " GROUP BY {groups} ORDER BY {order} LIMIT 101"
)
_INTERESTS = (
    "SELECT {cols}, i.value, count(*) AS n FROM reporting_member AS m, unnest(m.interest_set) AS i(value)"
    " WHERE m.community_id = ANY(%(ids)s) GROUP BY {groups} ORDER BY {order} LIMIT 101"
)


def hand_written_sql() -> dict[str, str]:
    """The SQL a person would write for each aggregation, independent of the product's SQL builder."""
    sql = {
        "count": (
            "SELECT c.id, COALESCE(x.n, 0) FROM unnest(%(ids)s::bigint[]) AS c(id) LEFT JOIN"
            f" (SELECT community_id, count(*) AS n FROM {MEMBERS} WHERE {SCOPE} GROUP BY 1) AS x"
            " ON x.community_id = c.id ORDER BY 1"
        ),
        "total_count": f"SELECT count(*) FROM {MEMBERS} WHERE {SCOPE}",
    }
    for name, column in [
        ("gender", "gender"),
        ("age", "age"),
        ("optin_channel", "optin_channel"),
        ("optin_subchannel", "optin_subchannel"),
        ("optin_platform", "optin_platform"),
        ("marketing_via_anything", "marketing_via_anything"),
        ("place", "place_id"),
        ("city_place", "city_place_id"),
    ]:
        sql[f"{name}_count"], sql[f"total_{name}_count"] = _distribution(column)
    sql["consents_count"] = _CONSENTS.format(
        cols="m.community_id", groups="1, 2, 3", order="1, 4 DESC, 2, 3 NULLS LAST"
    )
    sql["total_consents_count"] = _CONSENTS.format(cols="1 AS one", groups="1, 2, 3", order="4 DESC, 2, 3")
    sql["interests_count"] = _INTERESTS.format(cols="m.community_id", groups="1, 2", order="1, 3 DESC, 2")
    sql["total_interests_count"] = _INTERESTS.format(cols="1 AS one", groups="1, 2", order="3 DESC, 2")
    sql["members page 1"] = f"SELECT * FROM {MEMBERS} WHERE {SCOPE} ORDER BY community_id, id LIMIT 101"
    return sql


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    ids = sorted(Community.objects.filter(slug__in=["oslo-city", "stockholm-city"]).values_list("id", flat=True))
    if not ids:
        ids = sorted(Community.objects.values_list("id", flat=True))[:2]
    _, token = api_client_create(name="bench", permits=["Reporting:Api:Query", "Reporting:Api:Report:Members"],
                                 community_ids=ids)  # fmt: skip
    client = Client()
    headers = {"Authorization": f"Bearer {token}", "X-Customer": "_".join(map(str, ids))}
    baseline = baseline_connection()
    params = {"ids": ids}

    def api_call(body: dict[str, Any]) -> Any:
        response = client.post("/v1/reporting/query", data=json.dumps(body), content_type="application/json",
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content[:300]
        return response

    def sql_call(statement: str) -> None:
        baseline.execute(statement, params).fetchall()

    with override_settings(REPORTING={"RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}):
        overhead(reporter, api_call, sql_call)
        overhead(reporter, wsgi_caller(headers), sql_call, via="WSGI application")
        if env.overhead_only:
            baseline.close()
            return
        ratios = []
        for name, statement in hand_written_sql().items():
            aggregation = name != "members page 1"
            body: dict[str, Any] = {"report": "members", "limit": 100}
            if name != "members page 1":
                body["aggregate_by"] = name
            api_time = median_seconds(functools.partial(api_call, body), repeat=5)
            sql_time = median_seconds(functools.partial(sql_call, statement), repeat=5)
            ratio = api_time / sql_time
            if aggregation:
                ratios.append(ratio)
            reporter.add(
                "api",
                f"{name}: API {api_time * 1000:.1f} ms / SQL {sql_time * 1000:.1f} ms",
                f"{ratio:.2f}",
                "<= 1.5" if aggregation else "",  # a 2 ms query: the ratio is the fixed per-request cost
                ratio <= 1.5 if aggregation else None,
            )
        reporter.add("api", "worst aggregation ratio", f"{max(ratios):.2f}", "<= 1.5", max(ratios) <= 1.5)

        # Page 5,000 of 100 rows starts after row 499,900: its cursor is built for those keys directly (the
        # walk there would only repeat page requests).
        deep = baseline.execute(
            f"SELECT community_id, id FROM {MEMBERS} WHERE {SCOPE} ORDER BY community_id, id OFFSET 499899 LIMIT 1",
            params,
        ).fetchone()
        first_body = {"report": "members", "limit": 100}
        fingerprint = cursors.fingerprint(report="members", filter_raw=None, aggregate_by=None, community_ids=ids)
        if deep is not None:
            deep_body = {**first_body, "next_page_info": cursors.encode(query_fingerprint=fingerprint, keys=list(deep))}
            # Alternated, as the overhead lines are (15 calls of one, then 15 of the other, moved with the load).
            page_5000, first = interleaved_medians(lambda: api_call(deep_body), lambda: api_call(first_body), 101)
            ratio = page_5000 / first
            reporter.add(
                "api",
                f"page 5,000 / page 1 (100 rows): {page_5000 * 1000:.1f} ms / {first * 1000:.1f} ms",
                f"{ratio:.2f}",
                "<= 1.2",
                ratio <= 1.2,
            )
        else:
            reporter.add("api", "page 5,000 / page 1", "n/a (fewer than 500,000 members)")
    baseline.close()


def interleaved_medians(api: Callable[[], Any], sql: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median seconds of ``api`` and ``sql`` called alternately, after one unmeasured call of each."""
    api(), sql()
    api_times: list[float] = []
    sql_times: list[float] = []
    for _ in range(repeat):
        for action, times in ((api, api_times), (sql, sql_times)):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return statistics.median(api_times), statistics.median(sql_times)


@contextmanager
def last_statement_seconds() -> Iterator[list[float]]:
    """The duration of each SQL statement the product runs in the block (the answering query is the last)."""
    durations: list[float] = []

    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append(time.perf_counter() - start)

    with connection.execute_wrapper(timed):
        yield durations


def wsgi_caller(headers: dict[str, str]) -> Callable[[dict[str, Any]], Any]:
    """A POST of the query endpoint through ``config.wsgi.application``, as a WSGI server makes it."""
    from config.wsgi import application

    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}

    def call(body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/reporting/query", "QUERY_STRING": "",
            "SERVER_NAME": "localhost", "SERVER_PORT": "8000", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            **extra,
        }  # fmt: skip
        status: list[str] = []

        def start_response(line: str, _headers: list[tuple[str, str]], _exc: Any = None) -> Callable[[bytes], object]:
            status.append(line)
            return lambda _data: None

        response = application(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()  # Django's response sends request_finished, as a WSGI server closes it
        assert status[0].startswith("200"), (status, content[:300])
        return content

    return call


def overhead(
    reporter: Reporter,
    api_call: Callable[[dict[str, Any]], Any],
    sql_call: Callable[[str], None],
    via: str = "",
) -> None:
    """API ÷ SQL for ``count`` and a records page, their fixed cost per request, and a cheap aggregation's (through
    the test client; ``via`` names another way in, which measures the first two)."""
    sql = hand_written_sql()
    cases = [
        ("count", {"report": "members", "aggregate_by": "count", "limit": 100}, sql["count"], 15),
        ("records page (100 rows)", {"report": "members", "limit": 100}, sql["members page 1"], 201),
    ]
    suffix = f", {via}" if via else ""
    for name, body, statement, repeat in cases:
        api_time, sql_time = interleaved_medians(
            functools.partial(api_call, body), functools.partial(sql_call, statement), repeat
        )
        ratio = api_time / sql_time
        reporter.add(
            "api",
            f"{name}: API ÷ SQL{suffix} ({api_time * 1000:.1f} ms / {sql_time * 1000:.1f} ms)",
            f"{ratio:.2f}",
            "<= 1.2",
            ratio <= 1.2,
        )
        reporter.add(
            "api", f"{name}: fixed overhead per request{suffix} (API - SQL)", f"{(api_time - sql_time) * 1000:.1f} ms"
        )
    if not via:
        _cheap_aggregation(reporter, api_call)


def _cheap_aggregation(reporter: Reporter, api_call: Callable[[dict[str, Any]], Any]) -> None:
    """The first aggregation a rollup answers: its API median, and the part of it outside its own SQL statement."""
    for name in hand_written_sql():
        if name == "members page 1":
            continue
        body = {"report": "members", "aggregate_by": name, "limit": 100}
        source = api_call(body)["x-reporting-source"]
        if source.startswith("rollup:"):
            break
    else:
        reporter.add("api", "cheap aggregation (rollup-answered)", "n/a (no rollup answers an aggregation)")
        return
    api_times: list[float] = []
    outside: list[float] = []
    for _ in range(31):
        with last_statement_seconds() as durations:
            start = time.perf_counter()
            api_call(body)
            elapsed = time.perf_counter() - start
        api_times.append(elapsed)
        outside.append(elapsed - durations[-1])
    api_time, outside_time = statistics.median(api_times), statistics.median(outside)
    reporter.add("api", f"cheap aggregation {name} ({source}): API median", f"{api_time * 1000:.1f} ms", "<= 10 ms",
                 api_time <= 0.010)  # fmt: skip
    reporter.add("api", f"cheap aggregation {name}: time outside its SQL", f"{outside_time * 1000:.1f} ms", "<= 3 ms",
                 outside_time <= 0.003)  # fmt: skip
