"""Exports against a bare COPY: a real worker process exports every member to CSV, timed from the moment the
export is created until it has succeeded, against ``COPY (SELECT …) TO STDOUT`` of the same rows (the report's
own SQL, read and discarded by a psycopg connection). The worker's memory is sampled throughout; the target is a
growth under 150 MB whatever the row count. XLSX is measured too (its rows are written one by one in Python).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg
from django.conf import settings
from django.db import connection

from bench.reporter import Reporter
from bench.setup import BenchEnv
from config.celery import app as celery_app
from reporting import permits
from reporting.context import context_for
from reporting.exports.requests import parse_export_request
from reporting.exports.services import export_create
from reporting.models import Export, Member
from reporting.principals import Principal
from reporting.query.request import parse_records_query
from reporting.reports import get_report
from reporting.selectors import query_plan

REPO = Path(__file__).resolve().parent.parent
PRINCIPAL = Principal("client", 0, "bench", frozenset(permits.ALL), True, frozenset())
MB = 1024 * 1024
ROUNDS = 3


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.ensure_seeded()
    community_ids = sorted(Member.objects.values_list("community_id", flat=True).distinct())
    rows = Member.objects.filter(community_id__in=community_ids).count()
    reporter.add("exports", f"members in the data set ({len(community_ids)} communities)", f"{rows:,}")
    with _Worker() as worker:
        _export(community_ids, "csv", {"report": "members", "aggregate_by": "gender_count"}, worker)  # warm-up
        _bare_copy_seconds(community_ids)  # warm-up: the same pages in the cache for both
        # Interleaved pairs, so that load from elsewhere on the machine hits both sides alike; medians reported.
        pairs = []
        for _ in range(ROUNDS):
            bare = _bare_copy_seconds(community_ids)
            result = _export(community_ids, "csv", {"report": "members"}, worker)
            if result["rows"] != rows:
                raise RuntimeError(f"exported {result['rows']} rows, expected {rows}")
            pairs.append((bare, result))
        bare_rate = rows / statistics.median(bare for bare, _ in pairs)
        export_rate = rows / statistics.median(result["wall"] for _, result in pairs)
        ratio = statistics.median(bare / result["wall"] for bare, result in pairs)
        worker_ratio = statistics.median(bare / result["worker"] for bare, result in pairs)
        reporter.add("exports", "bare COPY (SELECT …) TO STDOUT, rows/s (median)", f"{bare_rate:,.0f}")
        reporter.add("exports", "CSV export rows/s (created -> succeeded, real worker)", f"{export_rate:,.0f}")
        reporter.add("exports", "CSV export rows/s / bare COPY rows/s", f"{ratio:.2f}", ">= 0.70", ratio >= 0.7)
        reporter.add("exports", "  same, worker time only (started -> finished)", f"{worker_ratio:.2f}")
        growth = max(result["peak_growth"] for _, result in pairs) / MB
        reporter.add("exports", "CSV worker peak memory growth (MB)", f"{growth:.1f}", "< 150", growth < 150)
        reporter.add("exports", "CSV file size (MB)", f"{pairs[0][1]['size'] / MB:,.1f}")

        result = _export(community_ids, "xlsx", {"report": "members"}, worker)
        if result["rows"] != rows:
            raise RuntimeError(f"exported {result['rows']} rows, expected {rows}")
        reporter.add("exports", "XLSX export rows/s (created -> succeeded)", f"{rows / result['wall']:,.0f}")
        growth = result["peak_growth"] / MB
        reporter.add("exports", "XLSX worker peak memory growth (MB)", f"{growth:.1f}", "< 150", growth < 150)
        reporter.add("exports", "XLSX file size (MB)", f"{result['size'] / MB:,.1f}")


def _bare_copy_seconds(community_ids: list[int]) -> float:
    report = get_report("members")
    assert report is not None
    plan = query_plan(community_ids=community_ids, query=parse_records_query({"report": "members"}, report))
    columns = ", ".join(f't."{name}"' for name in plan.columns)
    everything = plan.everything()
    statement = f"COPY (SELECT {columns} FROM ({everything.sql}) AS t) TO STDOUT (FORMAT csv)"
    with psycopg.connect(_database_url()) as raw, raw.cursor() as cursor:
        started = time.perf_counter()
        count = 0
        with cursor.copy(statement, everything.params) as copy:
            for _row in copy:
                count += 1
        return time.perf_counter() - started


def _export(community_ids: list[int], export_format: str, body: dict[str, Any], worker: _Worker) -> dict[str, Any]:
    report = get_report(body["report"])
    assert report is not None
    request = parse_export_request({**body, "format": export_format}, report, context=context_for(community_ids))
    worker.reset_peak()
    started = time.perf_counter()
    export, _ = export_create(principal=PRINCIPAL, kind="query", request=request, community_ids=community_ids)
    while True:
        export.refresh_from_db()
        if export.status in Export.FINISHED:
            break
        time.sleep(0.05)  # often enough for the timing, rarely enough not to compete for the CPU
    wall = time.perf_counter() - started
    if export.status != Export.Status.SUCCEEDED:
        raise RuntimeError(f"export {export.id} {export.status}: {export.error}\n{worker.log_tail()}")
    assert export.started_at
    assert export.finished_at
    return {
        "rows": export.rows_done,
        "wall": wall,
        "worker": (export.finished_at - export.started_at).total_seconds(),
        "peak_growth": worker.peak_growth(),
        "size": export.file_size or 0,
    }


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _forget_broker_connections() -> None:
    vars(celery_app)["_pool"] = None
    amqp = vars(celery_app).get("amqp")
    if amqp is not None:
        vars(amqp)["_producer_pool"] = None


class _Worker:
    """A `celery -A config worker -Q exports` subprocess on the bench database, its memory sampled every 20 ms."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
        self.peak = 0
        self.baseline = 0
        self._stop = threading.Event()

    def __enter__(self) -> _Worker:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "EXPORTS_"))}
        env.update(DATABASE_URL=_database_url(), EXPORTS_DIR=str(self.folder / "files"), PYTHONUNBUFFERED="1")
        if os.environ.get("CELERY_BROKER_URL"):
            env["CELERY_BROKER_URL"] = os.environ["CELERY_BROKER_URL"]
        else:
            # A private filesystem broker, so that no other local worker (e.g. `make run`) takes the messages.
            broker = self.folder / "broker"
            env["CELERY_BROKER_DIR"] = str(broker)
            options = {name: str(broker / name) for name in ("in", "processed", "control")}
            for path in options.values():
                Path(path).mkdir(parents=True, exist_ok=True)
            celery_app.conf.broker_transport_options = {
                "data_folder_in": options["in"], "data_folder_out": options["in"],
                "processed_folder": options["processed"], "control_folder": options["control"],
                "store_processed": False, "polling_interval": 0.2,
            }  # fmt: skip
            _forget_broker_connections()
        self.log_path = self.folder / "worker.log"
        self.log = self.log_path.open("wb")
        celery = str(Path(sys.executable).parent / "celery")
        self.process = subprocess.Popen(
            [celery, "-A", "config", "worker", "-Q", "exports,celery", "--pool=prefork", "--concurrency=1",
             "--loglevel=WARNING", "--without-mingle", "--without-gossip", "-n", f"bench-{os.getpid()}@%h"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        time.sleep(1)
        deadline = time.monotonic() + 60
        while len(psutil.Process(self.process.pid).children()) < 1:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"worker did not start:\n{self.log_tail()}")
            time.sleep(0.1)
        time.sleep(2)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _rss(self) -> int:
        try:
            root = psutil.Process(self.process.pid)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        except psutil.NoSuchProcess:
            return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def reset_peak(self) -> None:
        self.baseline = self._rss()
        self.peak = self.baseline

    def peak_growth(self) -> int:
        return self.peak - self.baseline

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
        self.log.close()
        Export.objects.filter(owner_key=PRINCIPAL.key).delete()
        shutil.rmtree(self.folder, ignore_errors=True)
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            celery_app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
            _forget_broker_connections()
