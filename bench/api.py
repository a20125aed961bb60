"""Reporting API latency against hand-written SQL, and deep keyset pages against the first page.

The API is called in-process through Django's test client (the whole stack: authentication, context, permits,
rate-limit charge, validation, SQL, shaping, JSON), so the ratio measures the product's overhead over the
bare query, not the network. The SQL baseline runs on its own psycopg connection to the same database.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import psycopg
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.reporter import Reporter, median_seconds
from bench.setup import BenchEnv
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
    dsn = connection.get_connection_params()
    baseline = psycopg.connect(**{k: v for k, v in dsn.items() if k not in ("cursor_factory", "context")})
    params = {"ids": ids}

    def api_call(body: dict[str, Any]) -> Any:
        response = client.post("/v1/reporting/query", data=json.dumps(body), content_type="application/json",
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content[:300]
        return response

    def sql_call(statement: str) -> None:
        baseline.execute(statement, params).fetchall()

    with override_settings(REPORTING={"RATE_LIMIT_CAPACITY": 10**9, "RATE_LIMIT_REFILL_PER_SECOND": 10**6}):
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
            first = median_seconds(lambda: api_call(first_body), repeat=15)
            page_5000 = median_seconds(lambda: api_call(deep_body), repeat=15)
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
