"""Django's psycopg connection pool (DATABASE_POOL=1) under concurrent API load through gunicorn: every answer is
right, and the server sees at most workers x DATABASE_POOL_MAX_SIZE connections from the product."""

from __future__ import annotations

import json
import secrets
import threading

import psycopg
import pytest
from django.conf import settings

from tests.database.conftest import DATABASE, Pair, manage
from tests.servers import WebServer, log_in

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


def test_concurrent_overviews_never_wait_on_the_pool_for_their_growth_section(pair: Pair) -> None:
    """An overview reads its growth section on a second connection while its own reads the distributions: with
    as many overviews at once as a worker has threads, and fewer pooled connections than twice that, no request
    may hold its connection while it waits for the pool (each would wait for another's, until the pool's
    timeout failed the growth section)."""
    username, password = "pool-marketer", secrets.token_urlsafe(16)
    manage(pair.env, "shell", "-c", "from django.contrib.auth import get_user_model; "
           f"get_user_model().objects.create_superuser({username!r}, None, {password!r})")  # fmt: skip
    env = {**pair.env, "DATABASE_REPLICA_URL": "", "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": str(POOL_MAX),
           "DATABASE_POOL_TIMEOUT": "4",
           # The pages link collected static files: the ones this test session collected (tests/conftest.py).
           "DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT)}  # fmt: skip
    web = WebServer(kind="gunicorn", env=env, log_path=pair.root / "pool-overview-web.log", workers=1,
                    threads=THREADS).start()  # fmt: skip
    pages: list[tuple[int, bytes]] = []
    try:
        cookie = log_in(web, username, password)

        def overview() -> None:
            status, _, page = web.request("GET", f"/clubs/{pair.club_id}/", headers={"Cookie": cookie}, timeout=60)
            pages.append((status, page))

        for _ in range(ROUNDS // 2):
            readers = [threading.Thread(target=overview) for _ in range(THREADS)]
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join(timeout=90)
    finally:
        web.stop()
    assert len(pages) == THREADS * (ROUNDS // 2)
    for status, page in pages:
        assert status == 200
        assert b'id="growth"' in page
        assert b"later-failed" not in page
