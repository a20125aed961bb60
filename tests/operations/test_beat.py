"""Beat runs once per deployment: of two beat processes only the one holding the scheduler lock sends the periodic
tasks; the other stands by and takes over when the holder is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import subprocess_database_url
from tests.servers import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]
CELERY = str(Path(sys.executable).parent / "celery")
SENT = "Sending due task exports-recover-stalled"


class Beat:
    def __init__(self, root: Path, name: str, broker_dir: Path):
        self.log_path = root / f"{name}.log"
        var = root / name
        (var / "run").mkdir(parents=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "EXPORTS_"))}
        env.update(DATABASE_URL=subprocess_database_url(), DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(var),
                   CELERY_BROKER_DIR=str(broker_dir), EXPORTS_RECOVER_EVERY_SECONDS="1",
                   CELERY_BEAT_LOCK_RETRY_SECONDS="0.5", PYTHONUNBUFFERED="1")  # fmt: skip
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen([CELERY, "-A", "config", "beat", "--loglevel=INFO"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, self.output()[-3000:]
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.log.close()


def test_one_beat_schedules_the_other_stands_by_and_takes_over(tmp_path: Path, transactional_db: Any) -> None:
    broker_dir = tmp_path / "broker"
    first = Beat(tmp_path, "first", broker_dir)
    second: Beat | None = None
    try:
        first.wait_for("this beat holds the scheduler lock")
        second = Beat(tmp_path, "second", broker_dir)
        second.wait_for("another beat has the scheduler lock; standing by")
        first.wait_for(SENT)
        time.sleep(3)  # several schedule periods (1 s) in which only the holder may send
        assert first.output().count(SENT) >= 2
        assert SENT not in second.output()
        assert "this beat holds the scheduler lock" not in second.output()

        first.stop(signal.SIGKILL)  # its session ends with the process, and the lock with it
        second.wait_for("this beat holds the scheduler lock", timeout=30)
        second.wait_for(SENT, timeout=30)
    finally:
        first.stop()
        if second is not None:
            second.stop()
