from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import IO, Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.ingestion.encode import INVALID_JSON
from reporting.ingestion.service import BATCH_SIZE, Rejection, import_lines


def short_reason(details: dict[str, Any]) -> str:
    """``"sms_status: invalid_value"`` for the first error of a details tree (codes only, never values)."""
    if details == INVALID_JSON:
        return "invalid JSON"
    path: list[str] = []
    node: Any = details
    while isinstance(node, dict) and node:
        key = next(iter(node))
        path.append(key)
        node = node[key]
    entry: dict[str, Any] = node[0] if isinstance(node, list) and node else {"error": "invalid", "options": {}}
    where = ".".join(part for part in path if part != "non_field_errors")
    reason = entry.get("options", {}).get("reason")
    text = f"{where}: {entry['error']}" if where else entry["error"]
    return f"{text} ({reason})" if reason else text


class RejectedWriter:
    """Writes one JSON line per rejected input line; the file is created on the first rejection only."""

    def __init__(self, target: Path | None, stream: IO[bytes] | None):
        self.target = target
        self.stream = stream
        self._owned: IO[bytes] | None = None

    def __call__(self, rejection: Rejection) -> None:
        if self.stream is None:
            assert self.target is not None
            self._owned = self.stream = self.target.open("wb")
        record = {
            "line": rejection.index,
            "id": rejection.id,
            "error": short_reason(rejection.details),
            "details": rejection.details,
        }
        self.stream.write(orjson.dumps(record) + b"\n")

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
        elif self.target is not None and self.target.exists():
            self.target.unlink()  # a stale file from an earlier run would report lines that are now fine


class Command(BaseCommand):
    help = (
        "Import operational members from JSON lines (ingestion.md) at PATH, or '-' for stdin. Rejected lines go "
        "to PATH.rejected.jsonl (stdin: stderr or --rejected FILE), with line number, id and reason but never "
        "the line itself. Exit status 1 when any line was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a JSON-lines file, or - for standard input")
        parser.add_argument("--rejected", help="where rejected lines are reported (default: PATH.rejected.jsonl)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="lines per transaction")
        parser.add_argument(
            "--workers", type=int, default=min(2, os.cpu_count() or 1), help="derivation processes (0: none)"
        )
        parser.add_argument(
            "--loaders", type=int, default=2, help="database connections loading in parallel (0: this one)"
        )
        parser.add_argument(
            "--communities",
            help="only these community ids (235,236), as an API client of those clubs; other lines are rejected",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["path"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        allowed = None
        if options["communities"] is not None:
            try:
                allowed = {int(part) for part in options["communities"].split(",") if part.strip()}
            except ValueError:
                raise CommandError("--communities takes comma-separated community ids") from None
        if path == "-":
            source: IO[bytes] = sys.stdin.buffer
            target = Path(options["rejected"]) if options["rejected"] else None
            writer = RejectedWriter(target, None if target else sys.stderr.buffer)
            where = str(target) if target else "stderr"
        else:
            if not Path(path).is_file():
                raise CommandError(f"No such file: {path}")
            source = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - closed in finally
            target = Path(options["rejected"] or f"{path}.rejected.jsonl")
            writer = RejectedWriter(target, None)
            where = str(target)
        started = time.perf_counter()
        try:
            summary = import_lines(
                source,
                on_rejected=writer,
                allowed_community_ids=allowed,
                batch_size=options["batch_size"],
                workers=options["workers"],
                loaders=options["loaders"],
            )
        finally:
            writer.close()
            if source is not sys.stdin.buffer:
                source.close()
        elapsed = time.perf_counter() - started
        rate = summary.lines / elapsed if elapsed > 0 else 0.0
        self.stdout.write(f"read {summary.lines} lines in {elapsed:.1f} s ({rate:.0f} lines/s)")
        for name in ("created", "updated", "deleted", "unchanged", "rejected"):
            self.stdout.write(f"{name}: {getattr(summary, name)}")
        if summary.rejected:
            raise CommandError(f"{summary.rejected} line(s) rejected; see {where}")
