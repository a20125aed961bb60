"""/healthz and /readyz against a product of its own (private PostgreSQL, a Redis for the cache and another as the
Celery broker, gunicorn): each dependency taken away in turn makes readiness 503 naming exactly that check, while
liveness stays 200; once it is back readiness is 200 again. Never the machine's shared services."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.processes import PrivatePostgres, PrivateRedis
from tests.servers import ROOT, WebServer

pytestmark = pytest.mark.timeout(300)
CHECKS = {"database", "migrations", "cache", "broker", "export_storage"}


@dataclass
class Stack:
    root: Path
    postgres: PrivatePostgres
    cache: PrivateRedis
    broker: PrivateRedis
    web: WebServer
    env: dict[str, str]

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="clubinsight-health-"))
    postgres = PrivatePostgres(root)
    cache = PrivateRedis(root)
    broker = PrivateRedis(root)
    web: WebServer | None = None
    try:
        postgres.start()
        postgres.create_database("health")
        postgres.create_database("health_unmigrated")
        cache.start()
        broker.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EXPORTS_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": postgres.url("health"),
            "DATABASE_CONNECT_TIMEOUT": "2",
            "REDIS_URL": cache.url,
            "REPORTING_REDIS_TIMEOUT_SECONDS": "1",
            "CELERY_BROKER_URL": broker.url,
            "EXPORTS_DIR": str(root / "exports"),
            "VAR_DIR": str(root / "var"),
        }
        _manage(env, "migrate", "--no-input")
        web = WebServer(kind="gunicorn", env=env, log_path=root / "web.log", workers=1, threads=2).start()
        yield Stack(root=root, postgres=postgres, cache=cache, broker=broker, web=web, env=env)
    finally:
        if web is not None:
            web.stop()
        broker.close()
        cache.close()
        postgres.close()
        shutil.rmtree(root, ignore_errors=True)


def probe(web: WebServer, path: str) -> tuple[int, dict[str, Any]]:
    # A Host no setting allows: probes come from load balancers and kubelets by IP, and must still be answered.
    status, headers, body = web.request("GET", path, headers={"Host": "10.1.2.3:8000"})
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


def failing(body: dict[str, Any]) -> set[str]:
    assert set(body["checks"]) == CHECKS
    return {name for name, check in body["checks"].items() if not check["ok"]}


def ready_again(web: WebServer, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, body = probe(web, "/readyz")
        if status == 200:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.5)


def assert_only(stack: Stack, *names: str) -> None:
    status, body = probe(stack.web, "/readyz")
    assert status == 503, body
    assert body["status"] == "unavailable"
    assert failing(body) == set(names), body
    assert probe(stack.web, "/healthz") == (200, {"status": "ok"})


def test_everything_up_is_ready(stack: Stack) -> None:
    status, body = probe(stack.web, "/readyz")
    assert status == 200, body
    assert body["status"] == "ok"
    assert failing(body) == set()
    assert probe(stack.web, "/healthz") == (200, {"status": "ok"})


def test_database_down(stack: Stack) -> None:
    stack.postgres.stop()
    try:
        assert_only(stack, "database", "migrations")
    finally:
        stack.postgres.start()
    assert failing(ready_again(stack.web)) == set()


def test_cache_down(stack: Stack) -> None:
    stack.cache.kill()
    try:
        assert_only(stack, "cache")
    finally:
        stack.cache.start()
    ready_again(stack.web)


def test_broker_down(stack: Stack) -> None:
    stack.broker.kill()
    try:
        assert_only(stack, "broker")
    finally:
        stack.broker.start()
    ready_again(stack.web)


def test_export_storage_unwritable(stack: Stack) -> None:
    # A file where the export folder should be: nothing can be written there (as a lost or read-only volume).
    shutil.rmtree(stack.exports_dir, ignore_errors=True)
    stack.exports_dir.write_text("not a folder")
    try:
        assert_only(stack, "export_storage")
    finally:
        stack.exports_dir.unlink()
        stack.exports_dir.mkdir()
    ready_again(stack.web)


def test_migrations_not_applied(stack: Stack) -> None:
    env = {**stack.env, "DATABASE_URL": stack.postgres.url("health_unmigrated")}
    web = WebServer(kind="gunicorn", env=env, log_path=stack.root / "unmigrated.log", workers=1, threads=2).start()
    try:
        status, body = probe(web, "/readyz")
        assert status == 503
        assert failing(body) == {"migrations"}
        assert "not applied" in body["checks"]["migrations"]["detail"]
        assert probe(web, "/healthz") == (200, {"status": "ok"})
    finally:
        web.stop()
