"""The embedded default server: started on demand by one process, reused by the next, stopped by `make stop`
even when the processes that used it were killed (pgserver alone would keep it running)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from config.embedded_postgres import stop

START = "from pathlib import Path; from config.embedded_postgres import database_url; print(database_url(Path({!r})))"


def start_in_a_process(var_dir: Path, *, kill: bool = False) -> str:
    """Start (or reuse) the server from a separate Python process, as runserver or a worker would."""
    code = START.format(str(var_dir))
    if kill:  # the process dies without releasing its pgserver handle
        code += "; import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    if not kill:
        assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # Under the project, not the 0700 pytest temp dir: the server runs as pgserver's own user when we are root.
    path = Path(settings.BASE_DIR) / "var" / f"test-embedded-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        stop(path)
        shutil.rmtree(path, ignore_errors=True)


def test_a_server_is_reused_across_processes_and_stopped_after_a_killed_user(var_dir: Path) -> None:
    url = start_in_a_process(var_dir)
    assert str(var_dir.resolve() / "pgdata") in url
    assert answers(url)
    assert start_in_a_process(var_dir) == url  # reused, not a second server
    start_in_a_process(var_dir, kill=True)
    assert answers(url)
    assert stop(var_dir) is True
    assert not answers(url)
    assert not (var_dir / "pgdata" / "postmaster.pid").exists()
    assert stop(var_dir) is False
    assert answers(start_in_a_process(var_dir))  # starts again on demand
