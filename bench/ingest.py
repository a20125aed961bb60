"""Ingestion: `import_members` on ``env.members`` generated operational lines (default 1,000,000) into a scratch
community that no other section uses, then the same file again (every line unchanged). The scratch community
and everything in it are removed afterwards, so the other sections see only the demo data set.
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


def _clean() -> None:
    with connection.cursor() as cursor:
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
        reporter.add("ingest", "import_members new members: wall seconds", f"{elapsed:,.1f}")
        reporter.add(
            "ingest", f"import_members lines/s ({env.members:,} new members)", f"{rate:,.0f}", f">= {TARGET}",
            rate >= TARGET,
        )  # fmt: skip
        print("    " + output.replace("\n", "\n    ").rstrip(), flush=True)
        elapsed, output = _import(path)
        reporter.add("ingest", "import_members lines/s (same file again: all unchanged)", f"{lines / elapsed:,.0f}")
    started = time.perf_counter()
    _clean()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reporting_member")
        cursor.execute("VACUUM ANALYZE reporting_memberevent")
    print(f"    scratch community removed in {time.perf_counter() - started:.0f} s", flush=True)
