"""A private PostgreSQL for the embedded default (no ``DATABASE_URL``).

The server comes from the ``pgserver`` wheel, lives under ``var/pgdata`` and keeps running after the process
that started it exits, so runserver, manage commands, workers and tests all share it. ``make stop`` stops it.
"""

from __future__ import annotations

import os
import subprocess
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
    """Stop the embedded server if it runs, whoever started it; True when it was running.

    pgserver's own clean-up only stops a server when the caller holds its last handle, and handles of processes
    that were killed are never released, so ``make stop`` asks ``pg_ctl`` directly.
    """
    pgdata = (var_dir / "pgdata").resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir(var_dir)))
    from pgserver._commands import POSTGRES_BIN_PATH

    # pgserver runs the server as its own system user when started by root (PostgreSQL refuses root).
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    done = subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return done.returncode == 0  # non-zero: a stale postmaster.pid, nothing was running


def _runtime_dir(var_dir: Path) -> Path:
    path = (var_dir / "run").resolve()  # XDG paths must be absolute; a relative one counts as unset
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)  # a runtime dir must be private, or platformdirs warns and falls back to /tmp
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
