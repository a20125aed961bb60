"""A private PostgreSQL for the embedded default (no ``DATABASE_URL``).

The server comes from the ``pgserver`` wheel, lives under ``var/pgdata`` and keeps running after the process
that started it exits, so runserver, manage commands, workers and tests all share it. ``make stop`` stops it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path


def database_url(var_dir: Path, database: str = "clubinsight") -> str:
    """Start (or reuse) the embedded server and return a URL to ``database``, creating it if missing."""
    var_dir.mkdir(parents=True, exist_ok=True)
    # pgserver keeps its inter-process lock in the user's runtime dir; without XDG_RUNTIME_DIR it warns.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir(var_dir)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(var_dir / "pgdata", cleanup_mode=None)
    _ensure_database(server.get_uri(), database)
    return server.get_uri(database)


def stop(var_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    pgdata = var_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir(var_dir)))
    import pgserver

    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    server.cleanup()
    return True


def _runtime_dir(var_dir: Path) -> Path:
    path = var_dir / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ensure_database(admin_url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another process started at the same moment and won the race
            except psycopg.errors.UniqueViolation:
                pass
