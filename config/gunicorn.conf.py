"""gunicorn for production: `gunicorn -c config/gunicorn.conf.py config.wsgi:application` (docs/operations.md).

Every value can be changed by environment; the defaults suit a container with 2-4 cores behind a load balancer.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Threads per worker let slow clients and exports' streaming downloads wait without holding a whole process.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request longer than this is killed (queries have their own statement timeouts well below it).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (a deploy, a scale-down), requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never grows without bound; jitter keeps them from restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Tokens and bodies never reach the log: the request line is the path without its query string, no client
# address (personal data under GDPR), no user agent; the request id joins it to the application's lines.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s, "request_id": "%({x-request-id}o)s"}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus multiprocess mode: every worker writes its samples under one folder that /metrics adds up. The
# folder must be empty when the server starts (stale files would count dead processes' samples).
_metrics_dir = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", str(Path(os.environ.get("VAR_DIR", "var")).resolve() / "prometheus-web")
    )
)


def on_starting(server: Any) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
