"""Django's psycopg connection pool (DATABASE_POOL=1) under concurrent API load through gunicorn: every answer is
right, and the server sees at most workers x DATABASE_POOL_MAX_SIZE connections from the product."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from tests.database.conftest import DATABASE, Pair
from tests.servers import WebServer

pytestmark = pytest.mark.timeout(300)

WORKERS, THREADS, POOL_MAX = 2, 4, 2
CLIENTS, ROUNDS = 8, 6


def _product_backends(pair: Pair) -> set[int]:
    with psycopg.connect(pair.primary.url(DATABASE), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'",
            [DATABASE],
        ).fetchall()
    return {int(pid) for (pid,) in rows}


def test_pooled_connections_answer_correctly_and_stay_bounded(pair: Pair) -> None:
    env = {**pair.env, "DATABASE_REPLICA_URL": "", "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": str(POOL_MAX)}
    web = WebServer(kind="gunicorn", env=env, log_path=pair.root / "pool-web.log", workers=WORKERS,
                    threads=THREADS).start()  # fmt: skip
    expected = pair.count_on(pair.primary)
    failures: list[str] = []
    peak: list[int] = []

    def client(number: int) -> None:
        for round_ in range(ROUNDS):
            body = {"report": "members_count"} if round_ % 2 else {"report": "members", "aggregate_by": "gender_count"}
            status, _, answer = web.request("POST", "/v1/reporting/query", body=json.dumps(body),
                                            headers=pair.headers())  # fmt: skip
            if status != 200:
                failures.append(f"{status} {answer[:200]!r}")
                continue
            records = json.loads(answer)["records"]
            total = sum(int(record["members_count"]) for record in records)
            if total != expected:
                failures.append(f"client {number}: {total} members, expected {expected}")
            if number == 0:
                peak.append(len(_product_backends(pair)))

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        after = _product_backends(pair)
    finally:
        web.stop()
    assert failures == []
    # 8 concurrent clients on 2 x 4 threads would hold 8 persistent connections; the pool caps them at 2 x 2.
    assert 0 < max([*peak, len(after)]) <= WORKERS * POOL_MAX
