"""Throughput under load: requests per second per gunicorn worker on the query endpoint (an aggregation) and the
overview dashboard (a logged-in session), at 1, 2 and 4 workers, each with plain persistent connections, with
Django's psycopg pool (DATABASE_POOL=1), and through PgBouncer in transaction mode when ``pgbouncer`` is
installed. Loopback only; every run is bounded by LOAD_SECONDS and MAX_REQUESTS. A benchmark: nothing asserted.

The load generator is a few Python threads with keep-alive connections on the same machine as the server and
PostgreSQL, so absolute numbers are a floor that depends on the cores; the ratios between rows are the point.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from bench.reporter import Reporter
from bench.setup import BenchEnv
from reporting.services import api_client_create

ROOT = Path(__file__).resolve().parent.parent
WORKER_COUNTS = (1, 2, 4)
THREADS_PER_WORKER = 2
CLIENTS_PER_WORKER = 2  # concurrent requests offered per worker: enough to keep it busy, not a queue
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "8"))
MAX_REQUESTS = int(os.environ.get("BENCH_LOAD_MAX_REQUESTS", "5000"))
POOL_MAX_SIZE = THREADS_PER_WORKER
BENCH_USER = "bench-load"


@dataclass
class Target:
    name: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _largest_club() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT community_id FROM reporting_member GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("no members seeded")
    return int(row[0])


def _session_cookie() -> str:
    """A logged-in dashboard session, stored the way django.contrib.auth's login stores it."""
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_superuser": True, "is_staff": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _targets(club: int) -> list[Target]:
    _, token = api_client_create(name="bench-load", permits=["Reporting:Api:Query", "Reporting:Api:Report:Members"],
                                 community_ids=[club])  # fmt: skip
    api_headers = {"Authorization": f"Bearer {token}", "X-Customer": str(club), "Content-Type": "application/json"}
    body = json.dumps({"report": "members", "aggregate_by": "gender_count"}).encode()
    return [
        Target("query endpoint (gender_count)", "POST", "/v1/reporting/query", body, api_headers),
        Target("overview dashboard", "GET", f"/clubs/{club}/", None, {"Cookie": _session_cookie()}),
    ]


class Gunicorn:
    def __init__(self, *, workers: int, env: dict[str, str], log: Path):
        self.port = _free_port()
        self.log = log
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(THREADS_PER_WORKER),
            "--timeout", "120", "--graceful-timeout", "5", "--keep-alive", "30",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_rss_mib(self) -> float:
        """Largest resident memory among the worker processes (after the load: connections, caches, templates)."""
        import psutil

        workers = psutil.Process(self.process.pid).children()
        return max((worker.memory_info().rss for worker in workers), default=0) / 2**20

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class PgBouncer:
    """A private PgBouncer in transaction mode in front of the benchmark database, on a free loopback port."""

    def __init__(self, *, dsn: dict[str, Any], pool_size: int, root: Path):
        binary = shutil.which("pgbouncer")
        assert binary is not None
        self.port = _free_port()
        self.database = str(dsn["dbname"])
        host, port = dsn.get("host") or "127.0.0.1", dsn.get("port") or 5432
        target = f"host={host} port={port} dbname={self.database} user={dsn.get('user') or 'postgres'}"
        if dsn.get("password"):
            target += f" password={dsn['password']}"
        config = root / "pgbouncer.ini"
        config.write_text(
            f"[databases]\n{self.database} = {target}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = any\npool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 500\n"
            f"logfile = {root / 'pgbouncer.log'}\nignore_startup_parameters = extra_float_digits,options\n"
        )
        root.chmod(0o755)
        config.chmod(0o644)
        # PgBouncer refuses to run as root.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        if user:
            (root / "pgbouncer.log").touch(mode=0o666)
            (root / "pgbouncer.log").chmod(0o666)
        self.process = subprocess.Popen([binary, *user, str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("pgbouncer exited") from None
                time.sleep(0.1)
        raise RuntimeError("pgbouncer did not start")

    def url(self, dsn: dict[str, Any]) -> str:
        credentials = dsn.get("user") or "postgres"
        return f"postgres://{credentials}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


def _client(port: int, target: Target, outcome: Outcome, stop_at: float, budget: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.monotonic() < stop_at:
        with outcome.lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        started = time.perf_counter()
        try:
            conn.request(target.method, target.path, body=target.body, headers=target.headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        elapsed = time.perf_counter() - started
        with outcome.lock:
            outcome.latencies.append(elapsed)
            outcome.errors += 0 if ok else 1
    conn.close()


def _load(port: int, target: Target, clients: int) -> tuple[Outcome, float]:
    _client(port, target, Outcome(), time.monotonic() + 1.0, [clients * 2])  # warm: connections, caches
    outcome = Outcome()
    budget = [MAX_REQUESTS]
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(port, target, outcome, started + LOAD_SECONDS, budget))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome, time.monotonic() - started


def _percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


@contextmanager
def _modes(root: Path) -> Iterator[list[tuple[str, dict[str, str]]]]:
    # DJANGO_DEBUG unset is debug off with this process's own secret key, so the session made here is valid in
    # the workers (DJANGO_DEBUG=0 would declare production, which refuses the development key).
    base = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REPORTING_RATE_LIMIT_CAPACITY": "1000000000",
        "REPORTING_RATE_LIMIT_REFILL_PER_SECOND": "1000000",
    }
    modes = [
        ("persistent connections", base),
        ("psycopg pool", {**base, "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": str(POOL_MAX_SIZE)}),
    ]
    bouncer = None
    if shutil.which("pgbouncer"):
        dsn = connection.get_connection_params()
        bouncer = PgBouncer(dsn=dsn, pool_size=max(WORKER_COUNTS) * THREADS_PER_WORKER, root=root)
        modes.append(("PgBouncer (transaction)", {**base, "DATABASE_URL": bouncer.url(dsn), "DATABASE_PGBOUNCER": "1"}))
    try:
        yield modes
    finally:
        if bouncer is not None:
            bouncer.stop()


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    club = _largest_club()
    targets = _targets(club)
    if not shutil.which("pgbouncer"):
        reporter.add("load", "PgBouncer: not installed (apt-get install pgbouncer), not measured", "-")
    root = Path(tempfile.mkdtemp(prefix="clubinsight-load-"))
    try:
        with _modes(root) as modes:
            for mode, mode_env in modes:
                for workers in WORKER_COUNTS:
                    server = Gunicorn(workers=workers, env=mode_env, log=root / "gunicorn.log")
                    try:
                        server.wait_ready()
                        for target in targets:
                            outcome, seconds = _load(server.port, target, workers * CLIENTS_PER_WORKER)
                            _report(reporter, mode, workers, target, outcome, seconds)
                        if mode == modes[0][0]:
                            reporter.add("load", f"{workers} workers after the load: largest worker RSS",
                                         f"{server.worker_rss_mib():,.0f} MiB")  # fmt: skip
                    finally:
                        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _report(reporter: Reporter, mode: str, workers: int, target: Target, outcome: Outcome, seconds: float) -> None:
    done = len(outcome.latencies)
    rate = done / seconds if seconds else 0.0
    ms = sorted(value * 1000 for value in outcome.latencies)
    label = f"{target.name}, {mode}, {workers} worker{'s' if workers > 1 else ''}"
    reporter.add("load", f"{label}: requests/s per worker", f"{rate / workers:,.1f}")
    reporter.add(
        "load",
        f"{label}: p50/p95/p99 ms ({done} requests)",
        f"{_percentile(ms, 0.5):,.0f}/{_percentile(ms, 0.95):,.0f}/{_percentile(ms, 0.99):,.0f}",
    )
    reporter.add("load", f"{label}: errors", str(outcome.errors), "0", outcome.errors == 0)
