"""Reads of the export feature: an owner's exports, an admin's club exports, and the export object's shape."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from reporting.exports import storage
from reporting.exports.conf import exports_setting
from reporting.models import Export
from reporting.principals import Principal


def export_for_owner(*, owner_key: str, export_id: uuid.UUID) -> Export | None:
    """The export if ``owner_key`` created it; another owner's export is indistinguishable from none."""
    return Export.objects.filter(id=export_id, owner_key=owner_key).first()


def exports_page(
    *, owner_key: str, limit: int, after: tuple[dt.datetime, uuid.UUID] | None = None
) -> tuple[list[Export], bool]:
    """The owner's exports newest first, after a keyset position; and whether more follow."""
    exports = Export.objects.filter(owner_key=owner_key)
    if after is not None:
        created_at, export_id = after
        exports = exports.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=export_id))
    rows = list(exports.order_by("-created_at", "-id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def exports_for_admin(*, principal: Principal) -> QuerySet[Export]:
    """Exports made from the dashboards (by any admin) whose clubs are all among ``principal``'s admin clubs."""
    exports = Export.objects.filter(owner_key__startswith="user:")
    if principal.kind == "user" and principal.all_communities:
        return exports  # a superuser administers every club
    return exports.filter(community_ids__contained_by=sorted(principal.admin_community_ids))


def export_for_admin(*, principal: Principal, export_id: uuid.UUID) -> Export | None:
    return exports_for_admin(principal=principal).filter(id=export_id).first()


def export_progress(export: Export) -> float:
    """0-1; 1 only once succeeded (writing the last rows can still take a moment, e.g. zipping an XLSX)."""
    if export.status == Export.Status.SUCCEEDED:
        return 1.0
    if not export.rows_total:
        return 0.0
    return round(min(export.rows_done / export.rows_total, 0.99), 4)


def export_is_expired(export: Export, *, now: dt.datetime | None = None) -> bool:
    return export.expires_at is not None and export.expires_at <= (now or timezone.now())


def export_is_downloadable(export: Export) -> bool:
    return export.status == Export.Status.SUCCEEDED and bool(export.file_name) and not export_is_expired(export)


@dataclass(frozen=True)
class Refusal:
    """Why a download cannot be served now: 409 (+ Retry-After) while unfinished or never ready, 410 expired."""

    status: int
    message: str
    headers: dict[str, str]


def download_refusal(export: Export) -> Refusal | None:
    if export.status in Export.ACTIVE:
        message = f"Export is not finished yet (status {export.status})"
        return Refusal(409, message, {"Retry-After": str(retry_after_seconds(export))})
    if export.status != Export.Status.SUCCEEDED:
        reason = f": {export.error}" if export.error else ""
        return Refusal(409, f"Export {export.status}; it will never be ready{reason}", {})
    if export_is_expired(export) or not export.file_name:
        return Refusal(410, "Export expired", {})
    return None


def retry_after_seconds(export: Export) -> int:
    """Seconds until the export is likely done, from its rate so far (1-60; 5 while nothing is known)."""
    if export.status != Export.Status.RUNNING or not export.rows_total or not export.started_at:
        return 5
    elapsed = (timezone.now() - export.started_at).total_seconds()
    if export.rows_done <= 0 or elapsed <= 0:
        return 5
    remaining = (export.rows_total - export.rows_done) * elapsed / export.rows_done
    return max(1, min(60, math.ceil(remaining)))


def open_export_file(export: Export) -> IO[bytes] | None:
    """The published file of a downloadable export, or None when it is gone (deleted by expiry meanwhile)."""
    try:
        return storage.export_storage().open(export.file_name, "rb")
    except FileNotFoundError:
        return None


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def export_object(export: Export, *, download_url: Callable[[Export], str]) -> dict[str, Any]:
    """The export object of reporting-api.md §8 (plus kind, aggregate_by, community_ids, size_bytes, and
    waiting_for_worker/notice when no worker has picked it up)."""
    return {
        "id": str(export.id),
        "status": export.status,
        "kind": export.kind,
        "report": export.report,
        "aggregate_by": export.aggregate_by,
        "format": export.format,
        "community_ids": list(export.community_ids),
        "rows_total": export.rows_total,
        "rows_done": export.rows_done,
        "progress": export_progress(export),
        "size_bytes": export.file_size if export_is_downloadable(export) else None,
        "created_at": iso(export.created_at),
        "started_at": iso(export.started_at),
        "finished_at": iso(export.finished_at),
        "expires_at": iso(export.expires_at),
        "download_url": download_url(export) if export_is_downloadable(export) else None,
        "error": export.error or None,
        "waiting_for_worker": export_waiting_for_worker(export),
        "notice": export_notice(export),
    }


def export_waiting_for_worker(export: Export, *, now: dt.datetime | None = None) -> bool:
    """Pending and never started for longer than WAITING_NOTICE_SECONDS: no worker consumes the exports queue."""
    if export.status != Export.Status.PENDING or export.started_at is not None:
        return False
    waited = ((now or timezone.now()) - export.created_at).total_seconds()
    return waited >= float(exports_setting("WAITING_NOTICE_SECONDS"))


def export_notice(export: Export, *, now: dt.datetime | None = None) -> str | None:
    if not export_waiting_for_worker(export, now=now):
        return None
    seconds = int(float(exports_setting("WAITING_NOTICE_SECONDS")))
    waited = f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"
    return (
        f"No worker has picked this export up in over {waited}: "
        "check that a Celery worker is running (celery -A config worker) and consuming the exports queue."
    )


def download_filename(export: Export) -> str:
    """What the browser saves: report, aggregation and creation time, e.g. members-gender_count-20240409-1334.csv."""
    parts: Sequence[str] = [export.report] + ([export.aggregate_by] if export.aggregate_by else [])
    if export.kind == Export.Kind.TENANTS:
        parts = [*parts, "tenants"]
    stamp = export.created_at.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    extension = "xlsx" if export.format == Export.Format.XLSX else "csv"
    return f"{'-'.join(parts)}-{stamp}.{extension}"
