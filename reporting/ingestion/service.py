"""Ingestion services: operational members in (API or JSON lines), analytical records, events and ages out.

* :func:`ingest_members` - a list of member objects (the ingestion endpoint); each member is accepted or
  rejected on its own; accepted ones are written in batches of :data:`BATCH_SIZE`, one transaction each, in
  the caller's connection (so it composes with a caller's transaction).
* :func:`import_lines` - a stream of JSON lines (``import_members``, ``seed_demo``); bounded memory, derivation
  in worker processes and loading in loader threads at the same time (reporting.ingestion.pipeline).
* :func:`refresh_ages` - the daily age recomputation.

Counts: every accepted member is exactly one of created, updated, deleted (a deletion that removed a member)
or unchanged (an older or equal ``updated_at``, superseded by a newer version in its batch, or a deletion of a
member that is not there). So created + updated + deleted + unchanged + rejected = members (or non-blank lines).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.db import connection, transaction

from reporting.ingestion.encode import Accepted, Rejected, prepare
from reporting.ingestion.loader import drop_age_cache, load_batch
from reporting.ingestion.pipeline import FOREIGN_MEMBER, run_import
from reporting.ingestion.reference import load_reference
from reporting.ingestion.results import ImportSummary, IngestResult, Rejection

__all__ = ["BATCH_SIZE", "ImportSummary", "IngestResult", "Rejection", "import_lines", "ingest_members"]

BATCH_SIZE = 50_000


def _place_ids(members: list[Any]) -> set[str]:
    """The place ids worth looking up (text a database query can carry)."""
    found = set()
    for member in members:
        if type(member) is dict:
            value = member.get("place_id")
            if type(value) is int:
                found.add(str(value))
            elif type(value) is str and value.isascii() and value.isprintable():
                found.add(value)
    return found


def ingest_members(members: Iterable[Any], *, allowed_community_ids: Collection[int] | None = None) -> IngestResult:
    """Ingest member objects; ``allowed_community_ids`` None allows every community.

    Never raises for any JSON value: each bad member becomes a Rejection (index, details), sorted by index.
    """
    items = list(members)
    ref = load_reference(allowed_community_ids=allowed_community_ids, place_ids=_place_ids(items))
    result = IngestResult()
    rejected: list[Rejected] = []
    drop_age_cache()
    for start in range(0, len(items), BATCH_SIZE):
        accepted: list[Accepted] = []
        for index in range(start, min(start + BATCH_SIZE, len(items))):
            outcome = prepare(items[index], index, ref)
            if len(outcome) == 4:
                accepted.append(outcome)
            else:
                rejected.append(outcome)
        with transaction.atomic():
            loaded = load_batch(accepted)
        result.created += loaded.created
        result.updated += loaded.updated
        result.deleted += loaded.deleted
        result.unchanged += loaded.unchanged
        rejected.extend((idx, member_id, FOREIGN_MEMBER) for idx, member_id in loaded.foreign)
    drop_age_cache()
    ordered = sorted(rejected, key=lambda item: item[0])
    result.rejected = [Rejection(index=idx, details=details, id=member_id) for idx, member_id, details in ordered]
    return result


def import_lines(
    lines: Iterable[bytes],
    *,
    on_rejected: Callable[[Rejection], None],
    allowed_community_ids: Collection[int] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 2,
    loaders: int = 2,
) -> ImportSummary:
    """Import JSON lines (bytes, one member each, blank lines skipped) in batches of about ``batch_size`` lines.

    Rejections go to ``on_rejected`` in line order, batch by batch, once the batch is committed. Inside a
    caller's transaction everything is loaded through the caller's connection (``loaders`` is ignored).
    """
    ref = load_reference(allowed_community_ids=allowed_community_ids)
    return run_import(
        lines,
        ref=ref,
        on_rejected=on_rejected,
        batch_size=batch_size,
        workers=workers,
        loaders=0 if connection.in_atomic_block else loaders,
    )


REFRESH_AGES = """
WITH ages AS (
    -- one reporting_age_bucket call per distinct (birth date, time zone), not per member
    SELECT d.birth_date, d.timezone, reporting_age_bucket(d.birth_date, d.timezone) AS age
    FROM (
        SELECT DISTINCT m.birth_date, c.timezone
        FROM reporting_member AS m JOIN reporting_community AS c ON c.id = m.community_id
        WHERE m.birth_date IS NOT NULL
    ) AS d
)
UPDATE reporting_member AS m
SET age = a.age
FROM reporting_community AS c, ages AS a
WHERE c.id = m.community_id AND a.birth_date = m.birth_date AND a.timezone = c.timezone
  AND m.age IS DISTINCT FROM a.age
"""
CLEAR_AGES = "UPDATE reporting_member SET age = NULL WHERE birth_date IS NULL AND age IS NOT NULL"


def refresh_ages() -> int:
    """Recompute every member's age bucket for today in its community's time zone; returns rows changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REFRESH_AGES)
        changed = cursor.rowcount
        cursor.execute(CLEAR_AGES)
        return changed + cursor.rowcount
