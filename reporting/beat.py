"""One beat per deployment, enforced: a beat process schedules only while it holds a PostgreSQL advisory lock.

A second beat (a rolling deploy, a replica count of 2 by mistake) stands by, trying again every
CELERY_BEAT_LOCK_RETRY_SECONDS, and takes over when the holder's connection closes (the process died or stopped).
The lock lives on its own session connection opened straight from DATABASES (never a transaction-mode pooler,
which would drop a session lock between transactions). Beat's tasks are idempotent as well, so a short overlap
(a network partition that leaves a holder alive but cut off) repeats work and never corrupts it.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import beat_init

logger = logging.getLogger("reporting.beat")
LOCK_KEY = 0x436C7562_42656174  # "ClubBeat": one key for every ClubInsight beat on this database
_held: list[Any] = []  # the connection holding the lock, kept for the life of the process


def _connect() -> Any:
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    options = database.get("OPTIONS") or {}
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or options.get("host") or None,
        "port": database.get("PORT") or None,
        "connect_timeout": options.get("connect_timeout", 5),
        "application_name": "clubinsight-beat",
    }
    return psycopg.connect(autocommit=True, **{key: value for key, value in params.items() if value})


@beat_init.connect
def hold_scheduler_lock(sender: Any = None, **kwargs: Any) -> None:
    retry = float(os.environ.get("CELERY_BEAT_LOCK_RETRY_SECONDS", "5"))
    standing_by = False
    while True:
        try:
            connection = _connect()
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()
            if row is not None and row[0]:
                _held.append(connection)
                logger.warning("this beat holds the scheduler lock and schedules")
                return
            connection.close()
            if not standing_by:
                logger.warning("another beat has the scheduler lock; standing by")
                standing_by = True
        except Exception:  # the database is away: keep waiting, never schedule without the lock
            logger.warning("beat could not reach the database for the scheduler lock; retrying", exc_info=True)
        time.sleep(retry)
