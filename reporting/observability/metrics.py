"""Prometheus metrics. Label values are bounded by construction: URL route patterns (never paths with ids),
HTTP methods and status codes, export formats and outcomes, queue names. No member ids, tokens or filter text.

Under gunicorn (and Celery's prefork pool) each process counts on its own; with ``PROMETHEUS_MULTIPROC_DIR`` set
(config/gunicorn.conf.py sets and empties it) the processes write their samples to files there and ``/metrics``
adds them up, so any worker answers for all of them. Queue depth and pending exports are read at scrape time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)
disable_created_metrics()  # the *_created series double every counter for no use here

REQUEST_SECONDS = Histogram(
    "clubinsight_http_request_duration_seconds",
    "Time to answer a request, by URL route (the pattern, not the path), method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RATE_LIMIT_REFUSALS = Counter(
    "clubinsight_rate_limit_refusals_total", "Requests refused with 429 by the rate limiter, by route", ["route"]
)
INGEST_LINES = Counter("clubinsight_ingest_lines_total", "Members received by POST /v1/reporting/members")
INGEST_REJECTS = Counter("clubinsight_ingest_rejects_total", "Members rejected by ingestion (422 details per line)")
EXPORT_SECONDS = Histogram(
    "clubinsight_export_duration_seconds",
    "Wall time of one export attempt on a worker, by format and outcome",
    ["format", "outcome"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600),
)
EXPORT_ROWS = Counter("clubinsight_export_rows_total", "Rows written by succeeded exports, by format", ["format"])

UNMATCHED_ROUTE = "<unmatched>"


def route_of(request: Any) -> str:
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else UNMATCHED_ROUTE


def observe_request(*, request: Any, status: int, seconds: float) -> None:
    route = route_of(request)
    REQUEST_SECONDS.labels(route=route, method=_method(request.method), status=str(status)).observe(seconds)
    if status == 429:
        RATE_LIMIT_REFUSALS.labels(route=route).inc()


def _method(method: str | None) -> str:
    known = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    return method if method in known else "OTHER"


def record_ingestion(*, lines: int, rejected: int) -> None:
    INGEST_LINES.inc(lines)
    INGEST_REJECTS.inc(rejected)


def record_export_attempt(*, export_format: str, outcome: str, seconds: float, rows: int | None) -> None:
    EXPORT_SECONDS.labels(format=export_format, outcome=outcome).observe(seconds)
    if outcome == "succeeded" and rows is not None:
        EXPORT_ROWS.labels(format=export_format).inc(rows)


class BacklogCollector(Collector):
    """Read at scrape time: messages waiting in each declared Celery queue, and exports waiting for a worker."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("clubinsight_queue_depth", "Messages waiting in a Celery queue", labels=["queue"])
        for queue, count in _queue_depths():
            depth.add_metric([queue], count)
        yield depth
        pending = _pending_exports()
        if pending is not None:
            yield GaugeMetricFamily("clubinsight_exports_pending", "Exports not yet started", value=pending)

    def describe(self) -> list[Any]:
        return []  # collected per scrape only; nothing to describe at registration


def _queue_depths() -> list[tuple[str, int]]:
    from config.celery import app

    found = []
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            channel: Any = connection.default_channel
            for queue in app.amqp.queues:
                try:
                    found.append((queue, int(channel.queue_declare(queue=queue, passive=True).message_count)))
                except Exception:  # a queue no worker declared yet (RabbitMQ 404): unknown, skipped
                    channel = connection.channel()
    except Exception:  # the broker is away; readiness reports it, metrics stay available
        logger.warning("queue depth: the broker is not reachable")
    return found


def _pending_exports() -> int | None:
    from reporting.models import Export

    try:
        return Export.objects.filter(status=Export.Status.PENDING).count()
    except Exception:  # the database is away; readiness reports it
        return None


def exposition() -> tuple[bytes, str]:
    """The text every process's samples add up to, plus the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY  # one process (runserver, tests): its own samples
    at_scrape = CollectorRegistry()
    at_scrape.register(BacklogCollector())
    return generate_latest(counted) + generate_latest(at_scrape), CONTENT_TYPE_LATEST


def serve_worker_metrics(port: int) -> None:
    """A Celery worker's own /metrics (exports' durations and rows) on ``port``, for every pool process.

    Needs PROMETHEUS_MULTIPROC_DIR (an empty folder per worker host) so the pool processes' samples add up.
    """
    from prometheus_client import start_http_server

    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    registry_with_backlog = CollectorRegistry()
    registry_with_backlog.register(_Both(registry))
    start_http_server(port, addr=os.environ.get("CELERY_METRICS_ADDR", "0.0.0.0"), registry=registry_with_backlog)  # noqa: S104 - scraped from other hosts


class _Both(Collector):
    def __init__(self, counted: CollectorRegistry):
        self.counted = counted
        self.backlog = BacklogCollector()

    def collect(self) -> Iterator[Any]:
        yield from self.counted.collect()
        yield from self.backlog.collect()

    def describe(self) -> list[Any]:
        return []
