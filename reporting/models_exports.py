"""Export jobs: one row per requested file, written by a Celery worker and downloaded when complete.

The row is the only coordination between web, workers and beat: a worker claims it (``attempts``, ``run_token``,
``claimed_by``), reports progress and a heartbeat on it, and publishes the file only when it is complete.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

__all__ = ["Export"]


class Export(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Kind(models.TextChoices):
        QUERY = "query"  # POST /v1/reporting/query/export
        TENANTS = "tenants"  # POST /v1/reporting/tenants/query/export: once per community, prefixed

    class Format(models.TextChoices):
        CSV = "csv"
        CSV_EXCEL = "csv_excel"
        XLSX = "xlsx"

    ACTIVE = (Status.PENDING, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_key = models.TextField(help_text="Principal.key of the creator: client:<id> or user:<id>")
    kind = models.TextField(choices=Kind.choices, default=Kind.QUERY)
    report = models.TextField()
    aggregate_by = models.TextField(null=True, blank=True)
    # The validated request body without `format`: what the worker re-parses against the report declaration.
    query = models.JSONField()
    format = models.TextField(choices=Format.choices, default=Format.CSV)
    community_ids = ArrayField(models.BigIntegerField())
    idempotency_key = models.TextField(null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64)

    status = models.TextField(choices=Status.choices, default=Status.PENDING)
    rows_total = models.BigIntegerField(null=True, blank=True)
    rows_done = models.BigIntegerField(default=0)
    file_name = models.TextField(blank=True, default="", help_text="Storage name once published; '' otherwise")
    file_size = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    attempts = models.PositiveIntegerField(default=0)
    run_token = models.UUIDField(null=True, blank=True)
    claimed_by = models.TextField(blank=True, default="", help_text="host:pid of the attempt holding the claim")

    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The owner's list, newest first, keyset-paginated on (created_at, id).
            models.Index(fields=["owner_key", "-created_at", "-id"], name="export_owner_created_idx"),
            # Recovery and the dashboards' progress polling look only at unfinished exports.
            models.Index(
                fields=["status", "heartbeat_at"],
                name="export_active_idx",
                condition=Q(status__in=["pending", "running"]),
            ),
            models.Index(fields=["expires_at"], name="export_expiring_idx", condition=~Q(file_name="")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_key", "idempotency_key"],
                name="export_unique_idempotency_key",
                condition=Q(idempotency_key__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "succeeded", "failed", "cancelled"]),
                name="export_status_valid",
            ),
            models.CheckConstraint(condition=Q(format__in=["csv", "csv_excel", "xlsx"]), name="export_format_valid"),
            models.CheckConstraint(condition=Q(kind__in=["query", "tenants"]), name="export_kind_valid"),
            models.CheckConstraint(condition=Q(rows_done__gte=0), name="export_rows_done_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.format} export {self.id} ({self.status})"
