"""A whole product of its own for the fault tests: private PostgreSQL and Redis, migrated, with a club, an API
client and a dashboard admin, served by gunicorn (two workers, threads) as in production."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.faults.processes import PrivatePostgres, PrivateRedis
from tests.servers import ROOT, WebServer, log_in

DATABASE = "clubinsight_faults"
CLUB_ID = 901
ADMIN = "faults-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(16)


@dataclass
class Stack:
    postgres: PrivatePostgres
    redis: PrivateRedis
    web: WebServer
    token: str
    session_cookie: str

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Customer": str(CLUB_ID), "Content-Type": "application/json"}


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    # Not under pytest's basetemp: every pytest session on the machine resets /tmp/pytest-of-<user> to 0700,
    # which would lock PostgreSQL's own system user out of its data directory in the middle of a test.
    root = Path(tempfile.mkdtemp(prefix="clubinsight-faults-"))
    try:
        yield from _stack(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _stack(root: Path) -> Iterator[Stack]:
    postgres = PrivatePostgres(root)
    redis = PrivateRedis(root)
    web: WebServer | None = None
    try:
        postgres.start()
        postgres.create_database(DATABASE)
        redis.start()
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL"}},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": postgres.url(DATABASE),
            "REDIS_URL": redis.url,
            "VAR_DIR": str(root / "var"),
            # The pages need collected static files: the ones this test session collected (tests/conftest.py).
            "DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT),
            # The suite measures outages, not the rate limit: buckets far larger than the load.
            "REPORTING_RATE_LIMIT_CAPACITY": "1000000",
            "REPORTING_RATE_LIMIT_REFILL_PER_SECOND": "100000",
            "REPORTING_OUTAGE_RETRY_AFTER_SECONDS": "3",
            "REPORTING_REDIS_TIMEOUT_SECONDS": "1",
        }
        _manage(env, "migrate", "--no-input")
        _manage(env, "create_community", str(CLUB_ID), "--slug", "faults", "--name", "Faults", "--country", "NO")
        token = _manage(env, "create_api_client", "faults", "--communities", "all", "--permits", "all").split()[-1]
        _manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser({ADMIN!r}, None, {ADMIN_PASSWORD!r})",
        )
        web = WebServer(kind="gunicorn", env=env, log_path=root / "web.log", workers=2, threads=4).start()
        yield Stack(
            postgres=postgres, redis=redis, web=web, token=token, session_cookie=log_in(web, ADMIN, ADMIN_PASSWORD)
        )
    finally:
        if web is not None:
            web.stop()
        redis.close()
        postgres.close()
