"""The growth section computed on a second connection while the overview's distributions are counted."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection

from dashboards import alongside as alongside_module
from dashboards.alongside import alongside
from reporting.models import MemberEvent
from tests.dashboards import growth_dataset as g
from tests.dashboards.test_growth_views import growth_tiles


def backend() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return threading.current_thread().name, pid


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_work_runs_on_its_own_thread_and_connection():
    result = alongside(backend)
    theirs = result()
    mine = backend()
    assert theirs[0].startswith("alongside")
    assert theirs[0] != mine[0]
    assert theirs[1] != mine[1]


@pytest.mark.django_db
def test_inside_a_transaction_the_work_stays_on_the_callers_connection():
    mine = backend()
    assert alongside(backend)() == mine


@pytest.mark.django_db(transaction=True)
def test_the_page_built_alongside_matches_the_oracle(client, marketer, communities):
    rows: list[dict[str, Any]] = g.growth_events(g.local(dt.datetime.now(dt.UTC), 235).date())
    MemberEvent.objects.bulk_create(MemberEvent(**row) for row in rows)
    client.force_login(marketer)
    html = client.get("/clubs/235/?period=custom&from=2024-01-01&to=2025-12-31&interval=1mo").getvalue().decode()
    expected = g.balance(g.select(rows, [235]), dt.date(2024, 1, 1), dt.date(2025, 12, 31), "1mo")
    joins, leaves = sum(j for j, _ in expected.values()), sum(n for _, n in expected.values())
    assert joins > 0
    assert growth_tiles(html) == [joins, leaves, joins - leaves]


@pytest.mark.django_db(transaction=True)
def test_the_alongside_connection_is_kept_for_the_next_page_until_stopped():
    first, second = alongside(backend)(), alongside(backend)()
    assert first[1] == second[1]  # no new PostgreSQL connection per page
    alongside_module.stop()
    deadline = time.monotonic() + 10  # the server ends a backend shortly after its client closed the socket
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [first[1]])
            (still_there,) = cursor.fetchone()
            if not still_there or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert still_there == 0
    assert alongside(backend)()[1] != first[1]
