"""Which database connection serves a reporting read: the streaming replica when one is configured and healthy,
else the primary. One place decides (:func:`read_alias`), one place runs reads (:func:`run_read`).

Rules (docs/operations-database.md):
- Only reporting SQL (the report queries of the API, dashboards and exports' counts) may go to the replica. Every
  ORM read and every write uses the primary (:class:`PrimaryRouter`), so an export's own status, an ingestion
  response, a just-saved object and the snapshot freshness check always read what was just written.
- Inside a transaction on the primary, reads stay on the primary (they may depend on the transaction's writes).
- A replica more than ``REPLICA_MAX_LAG_SECONDS`` behind, in recovery no more (promoted), or unreachable is
  skipped for ``REPLICA_CHECK_SECONDS``; a read that fails on the replica with a connection error is run once
  more on the primary. A replica problem is never an error for the caller.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from reporting.conf import reporting_setting
from reporting.outage import dependency_outage

logger = logging.getLogger("reporting.db")

REPLICA = "replica"
T = TypeVar("T")

_RECOVERY_CONFLICT_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_primary_only: ContextVar[bool] = ContextVar("reporting_primary_only", default=False)
# What the last look at the replica found, per process: (checked at, usable).
_health_lock = threading.Lock()
_health: dict[str, tuple[float, bool]] = {}

# Lag in seconds: 0 when everything received has been replayed (an idle primary is not lag), else the age of the
# last replayed commit. NULL replay timestamp (nothing replayed since start) counts as no lag only when caught up.
_HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9)
       END
"""


def forget_inherited_pools() -> None:
    """In a forked child (Celery's prefork workers, a multiprocessing pool): drop the parent's connection pools.

    A pool's threads do not survive the fork and its connections' sockets belong to the parent, so a child using
    it waits forever (or talks on the parent's socket). psycopg never closes a connection in a process that did
    not open it, so dropping the references is safe; the child opens its own pool on first use.
    """
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper._connection_pools.clear()  # type: ignore[attr-defined]  # Django keeps them per class


os.register_at_fork(after_in_child=forget_inherited_pools)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads in this block use the primary (read-your-writes for code that just wrote through another path)."""
    token = _primary_only.set(True)
    try:
        yield
    finally:
        _primary_only.reset(token)


def read_alias() -> str:
    """The alias a reporting read should use now."""
    if not replica_configured() or _primary_only.get():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA if _replica_usable() else DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    return connections[read_alias()]


def run_read(action: Callable[[BaseDatabaseWrapper], T]) -> T:
    """``action(connection)`` on the read connection; once more on the primary if the replica failed to answer."""
    alias = read_alias()
    if alias == DEFAULT_DB_ALIAS:
        return action(connections[DEFAULT_DB_ALIAS])
    try:
        return action(connections[alias])
    except Exception as exc:
        if _recovery_conflict(exc):
            # The standby cancelled the read to replay WAL that conflicts with it: the replica is fine, this
            # statement is not; the primary answers it.
            logger.warning("read cancelled by the replica's replay, reading from the primary")
            return action(connections[DEFAULT_DB_ALIAS])
        if dependency_outage(exc) is None:
            raise
        logger.warning("replica unreachable, reading from the primary", extra={"alias": alias})
        _remember(alias, usable=False)
        _close_quietly(alias)
        return action(connections[DEFAULT_DB_ALIAS])


def _recovery_conflict(exc: BaseException) -> bool:
    """On a hot standby a read-only statement fails with these only when replay conflicts with it."""
    import psycopg

    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return isinstance(cause, psycopg.Error) and cause.sqlstate in _RECOVERY_CONFLICT_SQLSTATES


def _replica_usable() -> bool:
    now = time.monotonic()
    with _health_lock:
        known = _health.get(REPLICA)
    if known is not None and now - known[0] < _setting("REPLICA_CHECK_SECONDS"):
        return known[1]
    usable = _check_replica()
    _remember(REPLICA, usable=usable)
    return usable


def _check_replica() -> bool:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_HEALTH_SQL)
            in_recovery, lag = cursor.fetchone()
    except Exception as exc:
        if dependency_outage(exc) is None:
            raise
        _close_quietly(REPLICA)
        return False
    if not in_recovery:
        logger.warning("the replica is not in recovery (promoted?); reading from the primary")
        return False
    return float(lag) <= _setting("REPLICA_MAX_LAG_SECONDS")


def _remember(alias: str, *, usable: bool) -> None:
    with _health_lock:
        _health[alias] = (time.monotonic(), usable)


def _close_quietly(alias: str) -> None:
    with suppress(Exception):  # the connection is already broken; closing is best effort
        connections[alias].close()


def _setting(name: str) -> float:
    return float(reporting_setting(name))


class PrimaryRouter:
    """Every ORM read and write goes to the primary; the replica is only reached through :func:`run_read`.

    The replica is a copy of the primary: relations across the two are allowed, migrations run on the primary only.
    """

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
