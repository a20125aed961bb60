"""The Celery app: `celery -A config worker` (every declared queue; `-Q` narrows) / `celery -A config beat`.

Configuration is the ``CELERY_*`` block of config/settings.py (broker from CELERY_BROKER_URL, else kombu's
filesystem transport under var/); tasks live in reporting/tasks.py, exports on their own ``exports`` queue.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_init

import reporting.beat  # one beat at a time: the scheduler lock (docs/operations.md)
import reporting.observability.requestid  # noqa: F401 - connects the signals that carry the request id into tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clubinsight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _json_logging(loglevel: Any = None, **kwargs: Any) -> None:
    """Workers and beat log as the web does (JSON lines with the request id); --loglevel still sets the level."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@worker_init.connect
def _serve_metrics(**kwargs: Any) -> None:
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from reporting.observability.metrics import serve_worker_metrics

        serve_worker_metrics(int(port))
