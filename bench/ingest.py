"""Ingestion: `import_members` on ``env.members`` generated operational lines (default 1,000,000) into a scratch
community that no other section uses, then the same file again (every line unchanged). The scratch community
and everything in it are removed afterwards, so the other sections see only the demo data set.

The number that holds across machines is a ratio to the physical limit on the same machine in the same run:
the members the import stored per second ÷ the rows per second of a bare ``COPY`` of exactly those stored rows
(every column of ``reporting_member``, the generated one as plain data) into a logged table without indexes,
constraints or triggers. The bare COPY runs twice and the faster run counts, so load from elsewhere can only
lower the ratio. The import is the real command: whatever indexes, triggers and rollups exist are paid for.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from bench.reporter import Reporter
from bench.setup import BenchEnv
from reporting.demo import DemoCommunity, demo_member_lines
from reporting.models import Community

SCRATCH = DemoCommunity(990_001, "bench-ingest", "Benchmark ingestion club", "NO", "Europe/Oslo", 1.0)
FIRST_ID = 9_000_000_001  # far from the demo's ids: ids are unique across communities
TARGET = 20_000
TARGET_RATIO = 0.5
BASELINE = "bench_ingest_bare_copy"
COPY_READ = 1 << 20


def _clean() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE}")
        for table, column in (
            ("reporting_memberevent", "community_id"),
            ("reporting_membertombstone", "community_id"),
            ("reporting_member", "community_id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [SCRATCH.id])
    Community.objects.filter(id=SCRATCH.id).delete()


def _import(path: Path) -> tuple[float, str]:
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_members", str(path), stdout=out)
    return time.perf_counter() - started, out.getvalue()


def _stored_members() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_member WHERE community_id = %s", [SCRATCH.id])
        return int(cursor.fetchone()[0])


def _bare_copy_seconds(folder: str) -> float:
    """The faster of two bare COPYs of the scratch club's stored member rows into an unindexed table."""
    dump = Path(folder) / "rows.copy"
    export = "COPY (SELECT * FROM reporting_member WHERE community_id = %s) TO STDOUT"
    with connection.cursor() as cursor, dump.open("wb") as sink, cursor.copy(export, [SCRATCH.id]) as copy:
        for data in copy:
            sink.write(data)
    timings = []
    with connection.cursor() as cursor:
        # LIKE copies the columns (the generated one as a plain column) and NOT NULL, nothing else.
        cursor.execute(f"CREATE TABLE {BASELINE} (LIKE reporting_member)")
        for _ in range(2):
            cursor.execute(f"TRUNCATE {BASELINE}")
            cursor.execute("CHECKPOINT")
            with dump.open("rb") as source:
                started = time.perf_counter()
                with cursor.copy(f"COPY {BASELINE} FROM STDIN") as copy:
                    while data := source.read(COPY_READ):
                        copy.write(data)
                timings.append(time.perf_counter() - started)
        cursor.execute(f"DROP TABLE {BASELINE}")
    dump.unlink()
    return min(timings)


def run(env: BenchEnv, reporter: Reporter) -> None:
    _clean()
    Community.objects.create(
        id=SCRATCH.id, slug=SCRATCH.slug, name=SCRATCH.name, country=SCRATCH.country, timezone=SCRATCH.timezone
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.jsonl"
        started = time.perf_counter()
        lines = 0
        with path.open("wb") as sink:
            for text in demo_member_lines(env.members, seed=2024, communities=[SCRATCH], first_id=FIRST_ID):
                sink.write(text)
                lines += 1
        generated = time.perf_counter() - started
        reporter.add("ingest", f"generate {lines:,} operational lines (demo.py), lines/s", f"{lines / generated:,.0f}")
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # start from a clean WAL state, as on a quiet server
        elapsed, output = _import(path)
        rate = lines / elapsed
        members = _stored_members()
        member_rate = members / elapsed
        reporter.add("ingest", "import_members new members: wall seconds", f"{elapsed:,.1f}")
        reporter.add(
            "ingest", f"import_members lines/s ({env.members:,} new members)", f"{rate:,.0f}", f">= {TARGET}",
            rate >= TARGET,
        )  # fmt: skip
        reporter.add("ingest", f"import_members members stored/s ({members:,} members)", f"{member_rate:,.0f}")
        print("    " + output.replace("\n", "\n    ").rstrip(), flush=True)
        copy_seconds = _bare_copy_seconds(folder)
        copy_rate = members / copy_seconds
        reporter.add("ingest", "bare COPY of the same stored rows, unindexed table: rows/s", f"{copy_rate:,.0f}")
        ratio = member_rate / copy_rate
        reporter.add(
            "ingest", "import_members members/s ÷ bare COPY rows/s", f"{ratio:.2f}", f">= {TARGET_RATIO}",
            ratio >= TARGET_RATIO,
        )  # fmt: skip
        elapsed, output = _import(path)
        reporter.add("ingest", "import_members lines/s (same file again: all unchanged)", f"{lines / elapsed:,.0f}")
    started = time.perf_counter()
    _clean()
    with connection.cursor() as cursor:
        # Every table the two imports and the removal wrote, rollups included: they are what the next sections read,
        # and a server with autovacuum off (this machine kind) would leave them full of dead rows. Then a
        # checkpoint, so that the gigabytes of WAL the import wrote are not flushed during the next section's timings.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    print(f"    scratch community removed, tables vacuumed in {time.perf_counter() - started:.0f} s", flush=True)
