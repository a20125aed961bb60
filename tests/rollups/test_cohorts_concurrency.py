"""Two open transactions writing events of the same member: the second waits for the first (the member's lock
row) and then computes from its events, so the cohort rollup is exact once both commit; writers of different
members do not wait for each other."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest

from reporting.models import Community
from tests.conftest import subprocess_database_url
from tests.dashboards import growth_dataset as g

INSERT = (
    "INSERT INTO reporting_memberevent (community_id, member_id, type, occurred_at, optin_platform, consents)"
    " VALUES (235, %s, %s, %s, 'ios', '{}')"
)
ROLLUP = (
    "SELECT cohort, ended, sum(members)::int FROM reporting_cohortmonthly WHERE community_id = 235"
    " GROUP BY 1, 2 HAVING sum(members) <> 0 ORDER BY 1, 2 NULLS FIRST"
)


@pytest.mark.django_db(transaction=True)
def test_a_join_and_a_leave_of_one_member_in_two_open_transactions(communities: dict[int, Community]) -> None:
    joined = dt.datetime(2024, 5, 10, 10, tzinfo=dt.UTC)
    left = dt.datetime(2024, 7, 3, 10, tzinfo=dt.UTC)
    url = subprocess_database_url()
    waited: list[float] = []
    with psycopg.connect(url) as first, psycopg.connect(url) as second, psycopg.connect(url) as other:
        first.execute(INSERT, (7, "in", joined))
        # another member of the same club: no wait
        other.execute("SET lock_timeout = '2s'")
        other.execute(INSERT, (8, "in", joined))

        def leave() -> None:
            start = time.perf_counter()
            second.execute(INSERT, (7, "out", left))
            waited.append(time.perf_counter() - start)
            second.commit()

        thread = threading.Thread(target=leave)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # the leave waits for the join's transaction
        first.commit()
        thread.join(10)
        other.commit()
        rows = other.execute(ROLLUP).fetchall()
    assert len(waited) == 1
    assert waited[0] >= 0.4
    events = [
        {"community_id": 235, "member_id": 7, "type": "in", "occurred_at": joined},
        {"community_id": 235, "member_id": 7, "type": "out", "occurred_at": left},
        {"community_id": 235, "member_id": 8, "type": "in", "occurred_at": joined},
    ]
    # the oracle: two memberships of May (Oslo), one ended in July; the rollup holds the same
    as_of = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)
    assert g.cohorts(events, dt.date(2024, 5, 1), dt.date(2024, 5, 31), as_of=as_of) == [("2024-05", 2, [2, 2, 1, 1])]
    assert rows == [(dt.date(2024, 5, 1), None, 1), (dt.date(2024, 5, 1), dt.date(2024, 7, 1), 1)]
