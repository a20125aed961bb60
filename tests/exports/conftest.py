"""Real Celery workers for the export tests: subprocesses on the configured broker and the pytest database.

The broker is the one the suite runs with: CELERY_BROKER_URL (Redis or RabbitMQ) when set, else kombu's filesystem
transport, in a private temporary folder shared by this process (which publishes) and its workers. Export files go
to a temporary storage folder, also shared. Both are set up per test module and undone after it, so the rest of
the suite sees the project's own settings. Tests that hand work to a worker commit their rows
(``django_db(transaction=True)``), since the worker reads them through its own connection.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app
from reporting.models import Export, MemberEvent
from tests.conftest import subprocess_database_url
from tests.timeseries import oracle

REPO = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
DEFAULT_BROKER = "redis://127.0.0.1:6379/5"


def filesystem_transport_options(folder: Path) -> dict[str, Any]:
    for sub in ("in", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }


def use_broker(url: str, transport_options: dict[str, Any]) -> None:
    """Point this process's Celery app (what the web code publishes with) at another broker."""
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    if url.startswith("filesystem"):
        os.environ.pop("CELERY_BROKER_URL", None)
    elif url == settings.CELERY_BROKER_URL and "CELERY_BROKER_URL" in _ORIGINAL_ENV:
        os.environ["CELERY_BROKER_URL"] = _ORIGINAL_ENV["CELERY_BROKER_URL"]
    celery_app.conf.update(broker_url=url, broker_transport_options=transport_options)
    # Forget pooled connections to the old broker (what Celery itself does after a fork).
    vars(celery_app)["_pool"] = None
    amqp = vars(celery_app).get("amqp")
    if amqp is not None:
        vars(amqp)["_producer_pool"] = None


_ORIGINAL_ENV = dict(os.environ)


class Broker:
    """Where workers and this process meet: a URL, or (url None) a filesystem folder."""

    def __init__(self, url: str | None, folder: Path | None):
        self.url = url
        self.folder = folder

    def worker_env(self) -> dict[str, str]:
        if self.url is not None:
            return {"CELERY_BROKER_URL": self.url}
        assert self.folder is not None
        return {"CELERY_BROKER_DIR": str(self.folder)}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    previous = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        folder = tmp_path_factory.mktemp("broker")
        use_broker("filesystem://", filesystem_transport_options(folder))
        yield Broker(None, folder)
    else:
        yield Broker(settings.CELERY_BROKER_URL, None)
    use_broker(*previous)


@pytest.fixture(scope="module")
def exports_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private export storage folder for this process and its workers."""
    folder = tmp_path_factory.mktemp("exports")
    storages: dict[str, Any] = {**settings.STORAGES}
    storages["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(folder), "base_url": None},
    }
    override = override_settings(STORAGES=storages)
    override.enable()
    yield folder
    override.disable()


def database_url() -> str:
    return subprocess_database_url()


class Worker:
    """`celery -A config worker -Q exports,celery` as a subprocess in its own process group."""

    def __init__(
        self,
        *,
        broker: Broker,
        exports_dir: Path,
        log_dir: Path,
        env: dict[str, str] | None = None,
        queues: str | None = "exports,celery",
    ):
        """``queues`` None starts a plain `celery -A config worker`, which must consume every declared queue."""
        self.broker = broker
        self.queues = queues
        self.exports_dir = exports_dir
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in _ORIGINAL_ENV.items() if not key.startswith(("CELERY_", "EXPORTS_"))}
        env.update(
            DATABASE_URL=database_url(),
            DJANGO_SETTINGS_MODULE="config.settings",
            EXPORTS_DIR=str(self.exports_dir),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.broker.worker_env())
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 90) -> Worker:
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        narrowed = ["-Q", self.queues] if self.queues is not None else []
        command = [CELERY, "-A", "config", "worker", *narrowed, "--pool=prefork", "--concurrency=1",
                   "--loglevel=INFO", "-n", name, "--without-mingle", "--without-gossip"]  # fmt: skip
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"worker not ready after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def children(self) -> list[int]:
        import psutil

        assert self.process is not None
        return [child.pid for child in psutil.Process(self.process.pid).children(recursive=True)]

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children) at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def worker_factory(
    broker: Broker, exports_dir: Path, tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any
) -> Iterator[Callable[..., Worker]]:
    """Starts workers on demand; every worker still running is stopped before the test database is dropped."""
    started: list[Worker] = []
    log_dir = tmp_path_factory.mktemp("worker-logs")

    def start(queues: str | None = "exports,celery", **env: str) -> Worker:
        worker = Worker(broker=broker, exports_dir=exports_dir, log_dir=log_dir, env=env, queues=queues)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="module")
def worker(worker_factory: Callable[..., Worker]) -> Iterator[Worker]:
    """One ordinary worker for a test module, stopped when the module is done."""
    started = worker_factory()
    yield started
    started.stop()


def wait_for(
    export_id: uuid.UUID | str, *, until: Callable[[Export], bool] | None = None, timeout: float = 120
) -> Export:
    """Poll the export row until ``until`` holds (default: finished); fail with its state otherwise."""
    condition = until or (lambda export: export.status in Export.FINISHED)
    deadline = time.monotonic() + timeout
    export = Export.objects.get(id=export_id)
    while time.monotonic() < deadline:
        export = Export.objects.get(id=export_id)
        if condition(export):
            return export
        time.sleep(0.05)
    state = {field: getattr(export, field) for field in ("status", "rows_done", "rows_total", "error", "attempts")}
    raise AssertionError(f"export {export_id} did not reach the expected state in {timeout} s: {json.dumps(state)}")


@pytest.fixture(autouse=True)
def _export_setup(settings: Any, broker: Broker, exports_dir: Path) -> None:
    """Every export test: the private broker and the private storage folder."""


@pytest.fixture
def events(communities: Any) -> list[dict[str, Any]]:
    """Joins (and some leaves) of 599 members around the autumn DST change in clubs 235 and 236, as the oracle reads
    them; shared by the timeseries export tests."""
    rng = random.Random(21)
    center = dt.datetime(2024, 10, 27, 1, tzinfo=dt.UTC)
    rows = []
    for member in range(1, 600):
        at = center + dt.timedelta(days=40) * (2 * rng.random() - 1)
        attributes = {
            "community_id": rng.choice([235, 236]),
            "optin_platform": rng.choice(["ios", "android", "other"]),
            "gender": rng.choice([None, "woman", "=1+1"]),
            "consents": {"email_marketing": rng.random() < 0.5},
        }
        rows.append(MemberEvent(member_id=member, type="in", occurred_at=at, **attributes))
        if rng.random() < 0.3:
            rows.append(MemberEvent(member_id=member, type="out", occurred_at=at + dt.timedelta(days=3), **attributes))
    MemberEvent.objects.bulk_create(rows)
    return oracle.read_events([235, 236])
