"""Celery tasks: thin wrappers over services, named explicitly, taking ids, safe to run more than once.

``reporting.exports.run`` acknowledges late and is rejected (requeued) when its worker process is lost, retries
transient database errors with backoff, and has soft and hard time limits; its body is idempotent (see
``reporting.exports.runner``). Beat runs ``delete_expired`` and ``recover_stalled``; every worker also asks for a
recovery when it starts, so an export whose worker died resumes as soon as any worker runs again.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from celery import Task, current_task, shared_task
from celery.signals import worker_ready

from reporting.exports import services
from reporting.exports.conf import exports_setting
from reporting.exports.runner import TRANSIENT_ERRORS
from reporting.models import Export
from reporting.observability.metrics import record_export_attempt

logger = logging.getLogger(__name__)


class ExportTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Called once retries are exhausted (or on an error that is not retried): the export must not stay pending.
        export_id = args[0] if args else kwargs.get("export_id")
        if export_id:
            services.export_mark_failed(export_id=uuid.UUID(str(export_id)), message=f"Export failed: {exc}")


@shared_task(
    name="reporting.exports.run",
    base=ExportTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=exports_setting("SOFT_TIME_LIMIT_SECONDS"),
    time_limit=exports_setting("TIME_LIMIT_SECONDS"),
)
def run_export(export_id: str) -> str:
    started = time.monotonic()
    outcome = services.export_run(export_id=uuid.UUID(export_id)).value
    seconds = time.monotonic() - started
    export = Export.objects.filter(id=export_id).only("format", "rows_done").first()
    rows = export.rows_done if export is not None else None
    record_export_attempt(
        export_format=export.format if export is not None else "unknown", outcome=outcome, seconds=seconds, rows=rows
    )
    # The line operators (and the multi-worker tests) count runs by: ids and numbers only, never row content.
    logger.info(
        "export run %s",
        outcome,
        extra={
            "export_id": export_id,
            "outcome": outcome,
            "rows": rows,
            "duration_ms": round(seconds * 1000),
            "worker": current_task.request.hostname,
        },
    )
    return outcome


@shared_task(name="reporting.exports.delete_expired", acks_late=True, time_limit=3600)
def delete_expired() -> dict[str, int]:
    return vars(services.exports_delete_expired())


@shared_task(name="reporting.exports.recover_stalled", time_limit=300)
def recover_stalled() -> list[str]:
    return [str(export_id) for export_id in services.exports_recover_stalled()]


@worker_ready.connect
def _recover_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    sender.app.send_task("reporting.exports.recover_stalled")


@shared_task(name="reporting.refresh_ages", time_limit=3600)
def refresh_ages() -> int:
    """Daily: members whose birthday moved them into the next age bucket (ingestion.md)."""
    from reporting.ingestion.service import refresh_ages as refresh

    return refresh()


@shared_task(name="reporting.snapshots.take", soft_time_limit=600, time_limit=840)
def take_snapshots() -> int:
    """Every 15 minutes: the period's count snapshot of every community (idempotent per period), then the
    snapshots that aged past a retention limit thinned (docs/snapshots.md, "Retention")."""
    from reporting.snapshots import snapshots_take
    from reporting.snapshots_retention import snapshots_prune

    communities = snapshots_take().communities
    snapshots_prune()
    return communities
