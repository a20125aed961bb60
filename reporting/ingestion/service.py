"""PLACEHOLDER: the ingestion helper replaces this module (see the interface below)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rejection:
    index: int
    details: dict[str, Any]


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def ingest_members(members: Iterable[Any], *, allowed_community_ids: Collection[int] | None = None) -> IngestResult:
    raise NotImplementedError
