"""Two writers of one club's day never wait for each other: each open transaction adds to its own slot rows, and
the rollup, summed over slots, is exact once both commit."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from reporting.models import Community
from tests.conftest import subprocess_database_url
from tests.rollups.oracle import expected_rows, rollup_rows

INSERT = (
    "INSERT INTO reporting_memberevent (community_id, member_id, type, occurred_at, optin_channel, optin_platform,"
    " consents) SELECT 235, %(base)s + g, 'in', %(at)s, 'kiosk', 'ios', '{}' FROM generate_series(1, 50) AS g"
)


@pytest.mark.django_db(transaction=True)
def test_two_open_importers_of_one_day_do_not_wait(communities: dict[int, Community]) -> None:
    at = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    url = subprocess_database_url()
    with psycopg.connect(url) as first, psycopg.connect(url) as second:
        first.execute(INSERT, {"base": 0, "at": at})
        # Without slots this statement would wait for the first transaction's rows of the day.
        second.execute("SET lock_timeout = '2s'")
        second.execute(INSERT, {"base": 1000, "at": at})
        slots = {
            conn.execute("SELECT current_setting('reporting.event_rollup_slot')").fetchone()[0]  # type: ignore[index]
            for conn in (first, second)
        }
        assert len(slots) == 2
        first.commit()
        second.commit()
    rows = rollup_rows([235])
    assert rows == expected_rows({235: "Europe/Oslo"})
    assert sum(rows.values()) == 100
