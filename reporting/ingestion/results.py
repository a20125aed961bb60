"""What an ingestion run reports back (re-exported by ``reporting.ingestion.service``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rejection:
    index: int  # the member's index in the request, or the line number (from 1) in a file
    details: dict[str, Any]
    id: int | None = None  # the member id when it could be read


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class ImportSummary:
    lines: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: int = 0
