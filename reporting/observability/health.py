"""Liveness and readiness, answered by :class:`~reporting.observability.middleware.ObservabilityMiddleware`
before anything else runs (no Host check, no session, no SSL redirect), as load balancers and Kubernetes probe.

``/healthz`` (liveness): the process answers; it checks nothing else, so a database outage never restarts every
web process. ``/readyz`` (readiness): database, migrations applied, cache, broker, export storage, each reported
with its time; 503 when any fails, so the load balancer stops sending traffic until it is back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.http import JsonResponse


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    milliseconds: float


def check_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "reachable"


def check_migrations() -> str:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied (run manage.py migrate)")
    return "all applied"


def check_cache() -> str:
    from django.core.cache import cache

    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written could not be read back")
    cache.delete(key)
    return "read and write"


def check_broker() -> str:
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        connection.default_channel  # noqa: B018 - opening a channel is the check (AMQP login, Redis select)
        return "connected"


def check_export_storage() -> str:
    from django.core.files.base import ContentFile

    from reporting.exports.storage import export_storage

    storage = export_storage()
    name = storage.save(f"readyz/{uuid.uuid4().hex}.probe", ContentFile(b"ok"))
    storage.delete(name)
    return "write and delete"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
    "export_storage": check_export_storage,
}


def run_checks() -> dict[str, CheckResult]:
    results: dict[str, CheckResult] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        if name == "migrations" and not results["database"].ok:
            results[name] = CheckResult(ok=False, detail="not checked: the database is unavailable", milliseconds=0)
            continue
        try:
            detail, ok = check(), True
        except Exception as error:  # every failure is a failed check, reported, never a 500
            detail, ok = f"{type(error).__name__}: {_first_line(error)}", False
        results[name] = CheckResult(ok=ok, detail=detail, milliseconds=round((time.monotonic() - started) * 1000, 1))
    return results


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""


def liveness() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readiness() -> JsonResponse:
    results = run_checks()
    ready = all(result.ok for result in results.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {
            name: {"ok": r.ok, "detail": r.detail, "milliseconds": r.milliseconds} for name, r in results.items()
        },
    }
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
