"""Work started on a second database connection while the request's own goes on with other work.

The overview's growth section (join/leave series, cohorts) and its member distributions read different tables
and neither needs the other, so the page waits for the slower of the two instead of their sum
(docs/performance.md, "What the browser gets").
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")


def alongside(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` now on its own thread and connection; the returned callable waits for its result (or
    raises its error). Inside a transaction (``ATOMIC_REQUESTS``, a test's) the work runs in the caller's thread
    when the result is asked for: another connection would not see the transaction's rows."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return work
    context = contextvars.copy_context()  # e.g. reporting.db's primary-only reads

    def run() -> T:
        try:
            return context.run(work)
        finally:
            connections.close_all()  # this thread's own connections; the request's are another thread's

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alongside")
    future = pool.submit(run)
    pool.shutdown(wait=False)  # the thread ends with the work; nobody waits for it but the caller

    def result() -> T:
        _give_back_pooled_connection()
        return future.result()

    return result


def _give_back_pooled_connection() -> None:
    """With a connection pool, the caller's connection goes back to it before the caller waits: a request that
    held its connection while its work waited for one would wait on the others doing the same, as many requests
    at once as the pool has connections, until the pool's timeout failed them all. A later read takes one again."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.settings_dict["OPTIONS"].get("pool") and not connection.in_atomic_block:
        connection.close()
