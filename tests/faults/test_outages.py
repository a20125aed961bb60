"""PostgreSQL and Redis go away under load and come back (issue 10, "What was found" 1).

While a dependency is away every API answer is a JSON 503 with ``Retry-After`` and the code naming it, every
dashboard answer is the 503 page (or a normal 200 when the page does not need what is away), and nothing is
ever a 500; once it is back the same web processes (no restart) answer 200 within 5 s.
"""

from __future__ import annotations

import time

import psutil
import pytest

from tests.faults.conftest import Stack
from tests.faults.load import API, PAGE, POLL, Answer, Load

pytestmark = pytest.mark.timeout(300)
OUTAGE_SECONDS = 3.0
RECOVERY_SECONDS = 5.0
RETRY_AFTER = "3"  # REPORTING_OUTAGE_RETRY_AFTER_SECONDS of the stack
REDIS_TIMEOUT = 1.0  # REPORTING_REDIS_TIMEOUT_SECONDS of the stack
HUNG_SECONDS = 4.0


def workers(stack: Stack) -> set[int]:
    assert stack.web.process is not None
    return {child.pid for child in psutil.Process(stack.web.process.pid).children()}


def assert_never_a_server_error(answers: list[Answer]) -> None:
    broken = [
        (a.path, a.status, a.body[:200]) for a in answers if a.status == -1 or (a.status >= 500 and a.status != 503)
    ]
    assert broken == []


def assert_api_503(answer: Answer, code: str) -> None:
    assert answer.status == 503, (answer.path, answer.status, answer.body[:300])
    assert answer.content_type.startswith("application/json")
    assert answer.json()["code"] == code
    assert isinstance(answer.json()["error"], str)
    assert answer.retry_after == RETRY_AFTER


def assert_page_503(answer: Answer) -> None:
    assert answer.status == 503, (answer.path, answer.status, answer.body[:300])
    assert answer.content_type.startswith("text/html")
    assert b"<h1>Temporarily unavailable</h1>" in answer.body
    assert answer.retry_after == RETRY_AFTER


def between(answers: list[Answer], kind: str, start: float, end: float) -> list[Answer]:
    return [a for a in answers if a.kind == kind and a.started >= start and a.ended <= end]


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_postgres_stops_and_returns_under_load(stack: Stack, mode: str) -> None:
    """``immediate`` drops every connection as a crash would; ``fast`` ends them with an admin-shutdown error."""
    before = workers(stack)
    with Load(stack) as load:
        warm = time.monotonic()
        load.wait_for_success(API, since=warm, timeout=30)
        load.wait_for_success(PAGE, since=warm, timeout=30)

        stack.postgres.stop(mode=mode)
        stopped = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restarting = time.monotonic()
        stack.postgres.start()
        back = time.monotonic()

        api_ok = load.wait_for_success(API, since=back, timeout=RECOVERY_SECONDS + 5)
        page_ok = load.wait_for_success(PAGE, since=back, timeout=RECOVERY_SECONDS + 5)
        time.sleep(1.0)
    answers = load.snapshot()

    assert_never_a_server_error(answers)
    api_down, pages_down = between(answers, API, stopped, restarting), between(answers, PAGE, stopped, restarting)
    assert len(api_down) >= 5
    assert len(pages_down) >= 5
    # Metadata is read from the report declarations: with the caller's credentials cached (REPORTING_CREDENTIALS_
    # CACHE_SECONDS) it needs no database and may still answer 200; every query needs the database and is a 503.
    static = [a for a in api_down if a.path == "/v1/reporting/metadata" and a.status == 200]
    assert all(a.json()["report"] == "members" for a in static)
    needs_database = [a for a in api_down if a not in static]
    assert len(needs_database) >= 5
    for answer in needs_database:
        assert_api_503(answer, "database_unavailable")
    for answer in pages_down:
        assert_page_503(answer)
    polls_down = between(answers, POLL, stopped, restarting)
    assert polls_down
    for answer in polls_down:
        assert_api_503(answer, "database_unavailable")
    assert api_ok - back < RECOVERY_SECONDS
    assert page_ok - back < RECOVERY_SECONDS
    # A broken connection is discarded, not reused: once the server is back nothing fails any more.
    after = [a for a in answers if a.started >= back]
    assert {a.status for a in after} == {200}
    assert workers(stack) == before
    assert stack.web.output().count("Booting worker") == len(before)


def test_redis_dies_and_returns_under_load(stack: Stack) -> None:
    """Redis holds the rate-limit buckets: while it is away the API fails closed (503, nothing admitted
    uncharged); the dashboards do not use it and keep working."""
    before = workers(stack)
    with Load(stack) as load:
        warm = time.monotonic()
        load.wait_for_success(API, since=warm, timeout=30)

        stack.redis.kill()
        killed = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restarting = time.monotonic()
        stack.redis.start()
        back = time.monotonic()

        api_ok = load.wait_for_success(API, since=back, timeout=RECOVERY_SECONDS + 5)
        time.sleep(1.0)
    answers = load.snapshot()

    assert_never_a_server_error(answers)
    api_down, pages_down = between(answers, API, killed, restarting), between(answers, PAGE, killed, restarting)
    assert len(api_down) >= 5
    assert len(pages_down) >= 5
    for answer in api_down:
        assert_api_503(answer, "cache_unavailable")
    assert {a.status for a in pages_down} == {200}
    assert api_ok - back < RECOVERY_SECONDS
    # The first call after Redis returns already succeeds (it used to be a 500).
    after = [a for a in answers if a.kind == API and a.started >= back]
    assert after
    assert {a.status for a in after} == {200}
    assert workers(stack) == before


def test_a_hung_redis_is_a_bounded_503(stack: Stack) -> None:
    """A Redis that stops answering (rather than refusing) must not hold requests: each waits at most the
    configured timeout (REPORTING_REDIS_TIMEOUT_SECONDS) and is answered 503; then everything recovers."""
    with Load(stack) as load:
        warm = time.monotonic()
        load.wait_for_success(API, since=warm, timeout=30)

        stack.redis.pause()
        paused = time.monotonic()
        time.sleep(HUNG_SECONDS)
        resuming = time.monotonic()
        stack.redis.resume()
        back = time.monotonic()

        api_ok = load.wait_for_success(API, since=back, timeout=RECOVERY_SECONDS + 5)
        time.sleep(1.0)
    answers = load.snapshot()

    assert_never_a_server_error(answers)
    api_down = between(answers, API, paused, resuming)
    assert len(api_down) >= 2
    for answer in api_down:
        assert_api_503(answer, "cache_unavailable")
        assert answer.ended - answer.started < REDIS_TIMEOUT + 1.5
    assert api_ok - back < RECOVERY_SECONDS
