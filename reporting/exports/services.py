"""Writes of the export feature: create (and enqueue after commit), cancel, delete, run, recover, expire.

The web process only creates rows and enqueues ``reporting.exports.run`` by name once the row is committed; all
file work happens on workers (``runner``). Recovery and expiry run from beat (and recovery once per worker start).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from celery import current_app
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from reporting import audit
from reporting.exports import storage
from reporting.exports.conf import exports_setting
from reporting.exports.requests import ExportRequest, request_fingerprint
from reporting.exports.runner import Outcome, attempt_is_dead, run_export
from reporting.models import Export
from reporting.principals import Principal

logger = logging.getLogger(__name__)

RUN_TASK = "reporting.exports.run"


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used by this owner for a different request."""


def export_create(
    *,
    principal: Principal,
    kind: str,
    request: ExportRequest,
    community_ids: Sequence[int],
    idempotency_key: str | None = None,
) -> tuple[Export, bool]:
    """A new pending export (enqueued once committed), or the owner's earlier export with the same key.

    Returns ``(export, created)``. Raises IdempotencyKeyReused when the key belongs to a different request.
    """
    fingerprint = request_fingerprint(kind=kind, request=request, community_ids=community_ids)
    if idempotency_key is not None:
        existing = _existing(principal.key, idempotency_key, fingerprint)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            export = Export.objects.create(
                owner_key=principal.key,
                kind=kind,
                report=request.report.name,
                aggregate_by=request.aggregate_by,
                query=request.query,
                format=request.format,
                community_ids=sorted(community_ids),
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                enqueued_at=timezone.now(),
            )
            transaction.on_commit(partial(_enqueue, export.id), robust=True)
            audit.export_created(export=export)
    except IntegrityError:
        # The same key raced in from a concurrent retry: answer with the export that won.
        assert idempotency_key is not None
        existing = _existing(principal.key, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing, False
    return export, True


def export_downloaded(*, export: Export, actor: str | None = None, request: HttpRequest | None = None) -> None:
    """Record a download in the audit log (``actor`` None: the owner)."""
    audit.export_downloaded(export=export, actor=actor, request=request)


def _existing(owner_key: str, idempotency_key: str, fingerprint: str) -> Export | None:
    existing = Export.objects.filter(owner_key=owner_key, idempotency_key=idempotency_key).first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(idempotency_key)
    return existing


def _enqueue(export_id: uuid.UUID) -> None:
    # By name, so the web process needs nothing of the worker's code; routed to the exports queue by settings.
    current_app.send_task(RUN_TASK, args=[str(export_id)])


def export_cancel(*, export: Export) -> Export:
    """Cancel a pending or running export (a running attempt notices within a heartbeat and stops)."""
    with transaction.atomic():
        locked = Export.objects.select_for_update().get(id=export.id)
        if locked.status in Export.ACTIVE:
            locked.status = Export.Status.CANCELLED
            locked.finished_at = timezone.now()
            locked.error = "Cancelled"
            locked.save(update_fields=["status", "finished_at", "error"])
    return locked


def export_delete(*, export: Export) -> None:
    """Delete a finished export: its file first, then its row."""
    storage.delete_file(export.file_name)
    Export.objects.filter(id=export.id, status__in=Export.FINISHED).delete()


def export_run(*, export_id: uuid.UUID) -> Outcome:
    """Run (or re-run) an export on this worker; safe to call any number of times (see ``runner``)."""
    return run_export(export_id=export_id)


def export_mark_failed(*, export_id: uuid.UUID, message: str) -> None:
    """Record a task's final failure (retries exhausted) on an export that is still unfinished."""
    Export.objects.filter(id=export_id, status__in=Export.ACTIVE).update(
        status=Export.Status.FAILED, error=message, finished_at=timezone.now()
    )


@dataclass(frozen=True)
class Expired:
    files: int
    partials: int


def exports_delete_expired() -> Expired:
    """Delete the files of expired exports (the rows stay, so downloads answer 410) and abandoned temp files."""
    now = timezone.now()
    files = 0
    for export in Export.objects.filter(expires_at__lte=now).exclude(file_name="").only("id", "file_name"):
        storage.delete_file(export.file_name)
        Export.objects.filter(id=export.id, file_name=export.file_name).update(file_name="")
        files += 1
    # A temp file untouched for longer than the hard time limit belongs to an attempt that cannot be alive.
    partials = storage.sweep_partials(older_than_seconds=float(exports_setting("TIME_LIMIT_SECONDS")))
    return Expired(files=files, partials=partials)


def exports_recover_stalled() -> list[uuid.UUID]:
    """Re-enqueue exports whose message or worker was lost; returns their ids.

    Running exports whose attempt is dead (``runner.attempt_is_dead``) and pending exports enqueued more than
    PENDING_REQUEUE_SECONDS ago (a message lost, e.g. by the filesystem transport, which cannot redeliver) are
    sent again. Each is sent at most once per STALL_SECONDS; the run task's claim makes duplicates harmless.
    """
    now = timezone.now()
    stall = dt.timedelta(seconds=float(exports_setting("STALL_SECONDS")))
    pending_after = dt.timedelta(seconds=float(exports_setting("PENDING_REQUEUE_SECONDS")))
    requeued = []
    for export in Export.objects.filter(status__in=Export.ACTIVE).order_by("created_at"):
        enqueued = export.enqueued_at
        if export.status == Export.Status.RUNNING:
            if not attempt_is_dead(export, now=now):
                continue
            started = export.started_at
            if enqueued is not None and started is not None and started < enqueued and enqueued > now - stall:
                continue  # already sent again since this attempt started, and not long ago
        elif enqueued is not None and enqueued > now - pending_after:
            continue
        if Export.objects.filter(id=export.id, enqueued_at=enqueued).update(enqueued_at=now):
            _enqueue(export.id)
            requeued.append(export.id)
    if requeued:
        logger.warning("re-enqueued %d stalled exports: %s", len(requeued), requeued)
    return requeued
