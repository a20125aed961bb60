"""Where `import_members` time goes, stage by stage, on generated lines into a scratch club.

    DATABASE_URL=... .venv/bin/python -m scripts.profile_import [--lines 100000] [--batch-size 50000]

Runs the import's own parts one after the other in this process (no worker processes, no loader threads), so
each stage's cost is its own and not hidden by overlap: parsing + derivation + COPY encoding (Python, per line),
the COPY into the staging table, each set-based statement of a batch, and inside them the trigger functions
(``track_functions``: the member rollups, the event rollup, interest set, age buckets). Then a bare COPY of the
stored rows into an unindexed table, the denominator of the bench's ratio. The scratch club is removed at the
end. Use a copy of a benchmark database, never one that matters: the rows are real writes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SCRATCH_ID = 990_002
FIRST_ID = 9_500_000_001


def _setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    args = parser.parse_args()
    _setup()
    from django.db import connection, transaction

    from reporting.demo import DemoCommunity, demo_member_lines
    from reporting.ingestion import loader
    from reporting.ingestion.encode import prepare_parts
    from reporting.ingestion.loader import Staged
    from reporting.ingestion.pipeline import chunks
    from reporting.ingestion.reference import load_reference
    from reporting.models import Community

    club = DemoCommunity(SCRATCH_ID, "profile-import", "Import profile club", "NO", "Europe/Oslo", 1.0)

    def clean() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS profile_import_bare")
            for table in ("reporting_memberevent", "reporting_membertombstone", "reporting_member"):
                cursor.execute(f"DELETE FROM {table} WHERE community_id = %s", [SCRATCH_ID])
        Community.objects.filter(id=SCRATCH_ID).delete()

    clean()
    Community.objects.create(id=club.id, slug=club.slug, name=club.name, country=club.country, timezone=club.timezone)
    lines = list(demo_member_lines(args.lines, seed=7, communities=[club], first_id=FIRST_ID))
    ref = load_reference()
    times: dict[str, float] = defaultdict(float)

    started = time.perf_counter()
    batches: list[Staged] = []
    staged, pending = Staged(), 0
    for chunk in chunks(iter(lines)):
        parts, _ = prepare_parts(chunk, ref, 1)
        staged.add(parts[0])
        pending += len(chunk)
        if pending >= args.batch_size:
            batches.append(staged)
            staged, pending = Staged(), 0
    if pending:
        batches.append(staged)
    times["python: parse + derive + encode"] = time.perf_counter() - started

    labels = {
        loader.COPY_STAGE: "sql: COPY into staging",
        loader.FILL_AGES: "sql: age buckets (FILL_AGES)",
        loader.UPSERT: "sql: upsert + events (UPSERT, triggers included)",
        loader.DELETE: "sql: deletions + events (DELETE, triggers included)",
    }

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times[labels.get(sql, "sql: other statements")] += time.perf_counter() - began

    with connection.cursor() as cursor:
        cursor.execute("SET track_functions = 'all'")
        cursor.execute("SELECT pg_stat_force_next_flush()")
    functions = _function_times(connection)
    loader.prepare_session()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        for batch in batches:
            began = time.perf_counter()
            with transaction.atomic():
                loader.load_batch(batch, bulk=True)
                loaded_at = time.perf_counter()
            times["load_batch total"] += loaded_at - began
            times["sql: commit (deferred foreign-key checks)"] += time.perf_counter() - loaded_at
        loader.drop_age_cache()
        began = time.perf_counter()
        loader.clean_gin_pending_lists()
        times["sql: GIN pending lists merge"] += time.perf_counter() - began
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.2)
    after = _function_times(connection)
    statements = sum(v for k, v in times.items() if k.startswith("sql: ") and "GIN" not in k and "commit" not in k)
    times["copy + python glue (load_batch minus statements)"] = times.pop("load_batch total") - statements

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_member WHERE community_id = %s", [SCRATCH_ID])
        members = cursor.fetchone()[0]
    bare = _bare_copy(connection)
    clean()

    n = len(lines)
    print(f"{n:,} lines, {members:,} members stored, {len(batches)} batch(es); load average {os.getloadavg()}")
    print(f"{'stage':58} {'seconds':>8} {'µs/line':>8}")
    for name, seconds in sorted(times.items(), key=lambda item: -item[1]):
        print(f"{name:58} {seconds:8.2f} {seconds / n * 1e6:8.1f}")
    print("inside the statements (pg_stat_user_functions, total incl. callees):")
    for name in sorted(after, key=lambda k: -(after[k][1] - functions.get(k, (0, 0.0))[1])):
        calls = after[name][0] - functions.get(name, (0, 0.0))[0]
        total = (after[name][1] - functions.get(name, (0, 0.0))[1]) / 1000
        if calls:
            print(f"  {name:56} {total:8.2f} {total / n * 1e6:8.1f}  ({calls:,} calls)")
    python = times["python: parse + derive + encode"]
    print(f"serial: python {python:.1f} s + database {loaded:.1f} s; bare COPY of the stored rows {bare:.2f} s")
    print(f"members/s if serial: {members / (python + loaded):,.0f}; bare COPY rows/s: {members / bare:,.0f}")


def _function_times(connection: Any) -> dict[str, tuple[int, float]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT funcname, calls, total_time FROM pg_stat_user_functions")
        return {name: (calls, total) for name, calls, total in cursor.fetchall()}


def _bare_copy(connection: Any) -> float:
    """Seconds of a bare COPY of the scratch club's stored rows into an unindexed table (the faster of two)."""
    with connection.cursor() as cursor:
        data = bytearray()
        with cursor.copy("COPY (SELECT * FROM reporting_member WHERE community_id = %s) TO STDOUT", [SCRATCH_ID]) as c:
            for block in c:
                data += block
        cursor.execute("CREATE TABLE profile_import_bare (LIKE reporting_member)")
        best = float("inf")
        for _ in range(2):
            cursor.execute("TRUNCATE profile_import_bare")
            began = time.perf_counter()
            with cursor.copy("COPY profile_import_bare FROM STDIN") as copy:
                copy.write(bytes(data))
            best = min(best, time.perf_counter() - began)
        cursor.execute("DROP TABLE profile_import_bare")
    return best


if __name__ == "__main__":
    main()
