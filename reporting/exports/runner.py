"""One attempt at an export, on a worker: claim the row, stream the rows into a temporary file, publish it.

Contract (what the task wrapper and the tests rely on):

- Idempotent: a finished (succeeded, failed, cancelled) or vanished export is left alone; an export another live
  attempt is running is left alone (``BUSY``). Otherwise the attempt claims it (``attempts`` + 1, a new
  ``run_token``) and starts from scratch into a new temporary file; earlier attempts' files are deleted first.
- Consistent: the row count and every row come from one REPEATABLE READ snapshot, so ``rows_total`` is exact.
- Visible: a heartbeat thread writes ``rows_done``/``rows_total``/``heartbeat_at`` every PROGRESS_EVERY_SECONDS
  (default 0.5 s) on its own connection, and aborts the attempt when the export was cancelled or taken over.
- Atomic: the file appears under its final name only when complete, and the row turns ``succeeded`` only after
  that (compare-and-set on ``run_token``, so a cancelled or superseded attempt never wins).
- Transient database errors release the claim and propagate, so the task retries with backoff.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections, transaction
from django.db.models.functions import Now
from django.utils import timezone

from reporting.conf import reporting_setting
from reporting.exports import storage
from reporting.exports.conf import exports_setting
from reporting.exports.formats import ExportFormat, get_format
from reporting.exports.sources import ExportPlan, build_plan
from reporting.exports.writers import CsvFile, XlsxFile
from reporting.models import Community, Export
from reporting.query.errors import InvalidParameters
from reporting.reports import get_report

logger = logging.getLogger(__name__)
EXCEL_MAX_ROWS = 1_048_576  # rows per sheet Excel opens, header included
_PROGRESS_BATCH = 1024  # rows between progress/abort checks on the fast path (a few milliseconds of work)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class Outcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"  # cancelled, deleted or taken over while running
    SKIPPED = "skipped"  # already finished, or gone
    BUSY = "busy"  # another live attempt holds it


class Aborted(Exception):
    pass


@dataclass
class Progress:
    rows_done: int = 0
    rows_total: int | None = None
    abort: bool = False


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def attempt_is_dead(export: Export, *, now: dt.datetime) -> bool:
    """Whether the attempt holding ``export`` can no longer finish it.

    True when its heartbeat is older than STALL_SECONDS, when it is this very process (which is not running it
    now, since it is asking), or when it ran on this host in a process that no longer exists.
    """
    stall = dt.timedelta(seconds=float(exports_setting("STALL_SECONDS")))
    if export.heartbeat_at is None or export.heartbeat_at < now - stall:
        return True
    if export.claimed_by == worker_identity():
        return True
    host, _, pid_text = export.claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        return psutil.Process(int(pid_text)).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def claim(*, export_id: uuid.UUID) -> tuple[Outcome | None, Export | None]:
    """Claim the export for this attempt: (None, export) when claimed, else (outcome, None)."""
    now = timezone.now()
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(id=export_id).first()
        if export is None or export.status in Export.FINISHED:
            return Outcome.SKIPPED, None
        if export.status == Export.Status.RUNNING and not attempt_is_dead(export, now=now):
            return Outcome.BUSY, None
        max_attempts = int(exports_setting("MAX_ATTEMPTS"))
        if export.attempts >= max_attempts:
            export.status = Export.Status.FAILED
            export.error = f"Export gave up after {export.attempts} attempts (workers lost or database unavailable)"
            export.finished_at = now
            export.save(update_fields=["status", "error", "finished_at"])
            return Outcome.FAILED, None
        export.status = Export.Status.RUNNING
        export.attempts += 1
        export.run_token = uuid.uuid4()
        export.claimed_by = worker_identity()
        export.started_at = now
        export.heartbeat_at = now
        export.rows_done = 0
        export.rows_total = None
        export.error = ""
        export.save(
            update_fields=[
                "status", "attempts", "run_token", "claimed_by", "started_at", "heartbeat_at",
                "rows_done", "rows_total", "error",
            ]
        )  # fmt: skip
    return None, export


class Heartbeat:
    """Writes progress and liveness on its own connection; flags (and interrupts) an attempt that lost its claim."""

    def __init__(self, *, export_id: uuid.UUID, run_token: uuid.UUID, progress: Progress, cancel: Callable[[], Any]):
        self.export_id = export_id
        self.run_token = run_token
        self.progress = progress
        self.cancel = cancel
        self.may_interrupt = True
        self.interval = float(exports_setting("PROGRESS_EVERY_SECONDS"))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-heartbeat-{export_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
        finally:
            connections.close_all()  # this thread's own connection

    def beat(self) -> None:
        progress = self.progress
        try:
            updated = Export.objects.filter(
                id=self.export_id, run_token=self.run_token, status=Export.Status.RUNNING
            ).update(rows_done=progress.rows_done, rows_total=progress.rows_total, heartbeat_at=Now())
        except DatabaseError:
            logger.warning("export %s: heartbeat failed", self.export_id, exc_info=True)
            connections.close_all()
            return
        if updated == 0 and not progress.abort:
            progress.abort = True
            logger.info("export %s: cancelled or taken over; stopping this attempt", self.export_id)
            if self.may_interrupt:
                self.cancel()


def run_export(*, export_id: uuid.UUID) -> Outcome:
    outcome, export = claim(export_id=export_id)
    if export is None:
        assert outcome is not None
        return outcome
    run_token = export.run_token
    assert run_token is not None
    storage.remove_partials(export_id=export.id)
    try:
        plan = _plan(export)
    except (InvalidParameters, LookupError) as error:
        _finish_failed(export, run_token, f"The export's query is no longer valid: {error}")
        return Outcome.FAILED
    export_format = get_format(export.format)
    temp = storage.partial_path(export_id=export.id, run_token=run_token, extension=export_format.extension)
    progress = Progress()
    connection.ensure_connection()
    raw = connection.connection
    try:
        with Heartbeat(export_id=export.id, run_token=run_token, progress=progress, cancel=raw.cancel_safe) as beat:
            rows = write_plan(plan=plan, export_format=export_format, path=temp, progress=progress)
            beat.may_interrupt = False  # from here on the main connection is ours again, only the flag counts
            name = storage.final_name(export_id=export.id, run_token=run_token, extension=export_format.extension)
            size = storage.publish(temp=temp, name=name)
        return _finish_succeeded(export, run_token, name=name, size=size, rows=rows)
    except SoftTimeLimitExceeded:
        limit = exports_setting("SOFT_TIME_LIMIT_SECONDS")
        _finish_failed(export, run_token, f"Export exceeded the time limit of {limit} seconds")
        return Outcome.FAILED
    except Exception as error:
        if progress.abort:
            logger.info("export %s: attempt %s stopped", export.id, export.attempts)
            return Outcome.ABORTED
        if isinstance(error, TRANSIENT_ERRORS):
            _release(export, run_token)
            raise
        _finish_failed(export, run_token, "Internal error while writing the export (logged on the worker)")
        raise
    finally:
        storage.remove_partials(export_id=export.id, run_token=run_token)


def _plan(export: Export) -> ExportPlan:
    report = get_report(export.report)
    if report is None:
        raise LookupError(f"unknown report {export.report!r}")
    tenants = export.kind == Export.Kind.TENANTS
    names = dict(Community.objects.filter(id__in=export.community_ids).values_list("id", "name")) if tenants else None
    return build_plan(
        report=report, body=export.query, community_ids=export.community_ids, tenants=tenants, community_names=names
    )


def write_plan(*, plan: ExportPlan, export_format: ExportFormat, path: Path, progress: Progress) -> int:
    """Count and write every row of ``plan`` to ``path`` from one snapshot; returns the number of rows written.

    ``progress.rows_total`` is set once counted and ``progress.rows_done`` follows the rows written; setting
    ``progress.abort`` makes the writing stop with Aborted. ``path`` is removed when writing does not complete.
    """
    with connection.wrap_database_errors, transaction.atomic(), connection.connection.cursor() as cursor:
        # One snapshot for the count and all rows (pg_dump does the same), and no statement timeout.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SET LOCAL statement_timeout = 0")
        # Constant, transaction-local, the same for every segment of one plan (one report, one path).
        for setting in dict.fromkeys(s for segment in plan.segments for s in segment.rows.settings):
            cursor.execute(setting)
        total = 0
        for segment in plan.segments:
            count = segment.count()
            cursor.execute(count.sql, count.params)
            row = cursor.fetchone()
            total += int(row[0]) if row else 0
        progress.rows_total = total
        if export_format.is_csv:
            return _write_csv(cursor, plan, export_format, path, progress)
        return _write_xlsx(cursor, plan, export_format, path, progress)


def _write_csv(cursor: Any, plan: ExportPlan, export_format: ExportFormat, temp: Path, progress: Progress) -> int:
    delay = float(exports_setting("TEST_ROW_DELAY"))
    done = 0
    with CsvFile(temp, plan.header, delimiter=export_format.delimiter, bom=export_format.bom) as out:
        write = out.handle.write
        for segment in plan.segments:
            statement, _ = segment.select(export_format)
            # The delimiter comes from the closed FORMATS table, never from a request.
            options = f"FORMAT csv, DELIMITER '{export_format.delimiter}'"
            with cursor.copy(f"COPY ({statement.sql}) TO STDOUT ({options})", statement.params) as copy:
                if delay:
                    for data in copy:
                        write(data)
                        done += 1
                        _checkpoint(progress, done)
                        time.sleep(delay)
                    continue
                for data in copy:
                    write(data)
                    done += 1
                    if not done % _PROGRESS_BATCH:
                        _checkpoint(progress, done)
        _checkpoint(progress, done)
    return done


def _write_xlsx(cursor: Any, plan: ExportPlan, export_format: ExportFormat, temp: Path, progress: Progress) -> int:
    delay = float(exports_setting("TEST_ROW_DELAY"))
    sheet_rows = min(int(exports_setting("XLSX_SHEET_MAX_ROWS")), EXCEL_MAX_ROWS)
    done = 0
    total = progress.rows_total or 0
    with XlsxFile(temp, plan.columns, sheet_max_rows=sheet_rows, rows_total=total) as out:
        for segment in plan.segments:
            statement, wire_types = segment.select(export_format)
            with cursor.copy(f"COPY ({statement.sql}) TO STDOUT (FORMAT binary)", statement.params) as copy:
                copy.set_types(wire_types)
                for values in copy.rows():
                    out.write_row(values)
                    done += 1
                    if delay or not done % _PROGRESS_BATCH:
                        _checkpoint(progress, done)
                        if delay:
                            time.sleep(delay)
        _checkpoint(progress, done)
    return done


def _checkpoint(progress: Progress, done: int) -> None:
    progress.rows_done = done
    if progress.abort:
        raise Aborted


def _finish_succeeded(export: Export, run_token: uuid.UUID, *, name: str, size: int, rows: int) -> Outcome:
    now = timezone.now()
    ttl = dt.timedelta(days=int(reporting_setting("EXPORT_TTL_DAYS")))
    updated = Export.objects.filter(id=export.id, run_token=run_token, status=Export.Status.RUNNING).update(
        status=Export.Status.SUCCEEDED,
        file_name=name,
        file_size=size,
        rows_done=rows,
        rows_total=rows,
        heartbeat_at=now,
        finished_at=now,
        expires_at=now + ttl,
        error="",
    )
    if updated:
        logger.info("export %s: %s rows, %s bytes", export.id, rows, size)
        return Outcome.SUCCEEDED
    storage.delete_file(name)  # cancelled or superseded after the file was published: it is nobody's
    return Outcome.ABORTED


def _finish_failed(export: Export, run_token: uuid.UUID, message: str) -> None:
    try:
        Export.objects.filter(id=export.id, run_token=run_token, status=Export.Status.RUNNING).update(
            status=Export.Status.FAILED, error=message, finished_at=timezone.now()
        )
    except DatabaseError:
        logger.exception("export %s: could not record the failure %r", export.id, message)


def _release(export: Export, run_token: uuid.UUID) -> None:
    """Give the claim back after a transient database error, so the retry (or recovery) starts it again."""
    connection.close()  # the failed connection; the update below opens a new one
    try:
        Export.objects.filter(id=export.id, run_token=run_token, status=Export.Status.RUNNING).update(
            status=Export.Status.PENDING, run_token=None, claimed_by="", heartbeat_at=None, enqueued_at=Now()
        )
    except DatabaseError:
        logger.warning("export %s: could not release the claim; recovery will", export.id, exc_info=True)
        connection.close()
