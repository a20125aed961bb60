"""`make bench`: seeds a benchmark database with 1,000,000 members and measures the product against raw
PostgreSQL on the same machine in the same run. Every number printed is a measurement; nothing is asserted.

Options: `--members N` (default 1,000,000), `--only SECTION[,SECTION]` (also `overhead`: the api section's
per-request overhead lines alone), `--reseed`.
The benchmark uses its own database (``<name>_bench``) on the configured server, never the app's data.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

SECTIONS = ("ingest", "api", "rollups", "history", "exports", "dashboards", "snapshots", "pages", "load")
# Run only when asked for: `overhead` is the first lines of `api` alone (a quick check of the per-request cost).
EXTRA_SECTIONS = ("overhead",)


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if base:
        head, _, tail = base.rpartition("/")
        name, sep, query = tail.partition("?")
        _create_database(f"{head}/postgres{sep}{query}", f"{name}_bench")
        return f"{head}/{name}_bench{sep}{query}"
    from config.embedded_postgres import database_url

    return database_url(Path(__file__).resolve().parent.parent / "var", "clubinsight_bench")


def _create_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages: every number here is read beside the machine's load."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # not every platform reports one
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.reporter import Reporter
    from bench.setup import BenchEnv

    call_command("migrate", verbosity=0)
    from dashboards.staticbuild import ensure_collected

    ensure_collected()  # pages link fingerprinted static files: the manifest must exist
    env = BenchEnv(members=args.members, reseed=args.reseed)
    reporter = Reporter()
    started = time.perf_counter()
    for name in [s.strip() for s in args.only.split(",") if s.strip()]:
        if name not in SECTIONS + EXTRA_SECTIONS:
            parser.error(f"unknown section {name}; choose from {', '.join(SECTIONS + EXTRA_SECTIONS)}")
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"[{name}] not available yet", flush=True)
            continue
        print(f"[{name}]", flush=True)
        section_started = time.perf_counter()
        module.run(env, reporter)
        wall = time.perf_counter() - section_started
        load = _load_average()
        print(f"[{name}] wall time {wall:.1f} s (load average {load})", flush=True)
        reporter.add(name, f"section wall time (load average {load} at its end)", f"{wall:.1f} s")
    print(f"\nbenchmark finished in {time.perf_counter() - started:.0f} s (load average {_load_average()})\n")
    print(reporter.markdown())
    out = Path("var") / "bench-results.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(reporter.markdown() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
