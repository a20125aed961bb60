"""Work started on a second database connection while the request's own goes on with other work.

The overview's growth section (join/leave series, cohorts) and its member distributions read different tables
and neither needs the other, so the page waits for the slower of the two instead of their sum
(docs/performance.md, "What the browser gets").
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections

T = TypeVar("T")


def alongside(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` now on its own thread and connection; the returned callable waits for its result (or
    raises its error). Inside a transaction (``ATOMIC_REQUESTS``, a test's) the work runs in the caller's thread
    when the result is asked for: another connection would not see the transaction's rows."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return work
    context = contextvars.copy_context()  # e.g. reporting.db's primary-only reads

    def run() -> T:
        # As Django does around a request: a connection past CONN_MAX_AGE or unusable is replaced before the
        # work, and after it one is kept for the next work (persistent) or given back (pooled, CONN_MAX_AGE 0).
        close_old_connections()
        try:
            return context.run(work)
        finally:
            close_old_connections()

    future = _executor().submit(run)

    def result() -> T:
        _give_back_pooled_connection()
        return future.result()

    return result


_executors: dict[int, tuple[ThreadPoolExecutor, int]] = {}
_executors_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """This process's alongside threads, kept (with their connections) from one page to the next: a new thread
    per page opened a new PostgreSQL connection per page. As many as a worker serves requests at once, so an
    overview never queues behind another's work; a forked child starts its own."""
    pid = os.getpid()
    with _executors_lock:
        if pid not in _executors:
            threads = _threads()
            _executors[pid] = (ThreadPoolExecutor(max_workers=threads, thread_name_prefix="alongside"), threads)
        return _executors[pid][0]


def _threads() -> int:
    """A gunicorn worker's threads (config/gunicorn.conf.py reads the same variable, default 4)."""
    return max(1, int(os.environ.get("GUNICORN_THREADS", "4")))


def stop() -> None:
    """Close this process's alongside threads' connections and end the threads (a test's teardown: a database is
    not dropped while a connection to it is open). The next ``alongside`` starts new ones."""
    with _executors_lock:
        started = _executors.pop(os.getpid(), None)
    if started is None:
        return
    executor, threads = started
    # One task per thread (each waits for the others), so that every thread closes its own connections.
    barrier = threading.Barrier(threads)

    def close_own() -> None:
        connections.close_all()
        barrier.wait(timeout=30)

    for _ in range(threads):
        executor.submit(close_own)
    executor.shutdown(wait=True)


def _give_back_pooled_connection() -> None:
    """With a connection pool, the caller's connection goes back to it before the caller waits: a request that
    held its connection while its work waited for one would wait on the others doing the same, as many requests
    at once as the pool has connections, until the pool's timeout failed them all. A later read takes one again."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.settings_dict["OPTIONS"].get("pool") and not connection.in_atomic_block:
        connection.close()
