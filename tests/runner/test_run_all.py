"""`make run`'s supervisor (manage.py run_all): Ctrl-C stops web, worker and beat gracefully.

A real run: the repository's Procfile under honcho, a real Celery worker (filesystem broker in a temp dir) and
beat, on the test database. Ctrl-C is a SIGINT to the supervisor (a terminal sends it to the foreground group;
the children run in their own sessions, as honcho starts them).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import subprocess_database_url

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_every_process_gracefully(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PORT"))}
    env.update(
        DATABASE_URL=subprocess_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        EXPORTS_DIR=str(tmp_path / "exports"),
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "run_all.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_all"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        output = ""
        while time.monotonic() < deadline:
            output = (tmp_path / "run_all.log").read_text(errors="replace")
            if listening(port) and "worker started" in output and "beat started" in output:
                break
            assert process.poll() is None, output
            time.sleep(0.5)
        assert listening(port), output
        time.sleep(6)  # the worker's pool is up (its start-up output is quiet at WARNING)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=60)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "run_all.log").read_text(errors="replace")
    assert "SIGKILL" not in output, output
    assert "ERROR" not in output, output
    assert "Traceback" not in output, output
    assert took < 15, f"took {took:.1f}s\n{output}"
    assert returncode == 0, output
    assert not listening(port)
