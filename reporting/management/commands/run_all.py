"""`make run`'s last step: print the demo login and token, then run web, worker and beat as one command.

The processes come from the Procfile (so `honcho start` runs the same thing) and are supervised by honcho:
output is interleaved with a name per line, Ctrl-C stops all three, and if one exits the others are stopped.

Stopping is graceful: honcho would send SIGTERM to each process *group*, so Celery's pool children died under
their parent ("Process 'ForkPoolWorker-1' exited with signal 15" ERROR lines), and SIGKILL everything after 5 s.
Here SIGTERM goes to each group's leader only (the Procfile `exec`s, so the leader is Celery or Django itself):
the worker does its warm shutdown (finishes running tasks, stops its own pool), beat saves its schedule. Only a
process still alive after ``SHUTDOWN_SECONDS`` is killed.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import honcho.manager
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from honcho.compat import ProcessManager
from honcho.environ import parse_procfile
from honcho.manager import Manager

SHUTDOWN_SECONDS = 30  # a warm Celery shutdown waits for running tasks; exports checkpoint, so this is enough


class _LeaderOnly(ProcessManager):
    """SIGTERM to the process itself, not its group (its children are its own business); SIGKILL stays per group."""

    def terminate(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


class GracefulManager(Manager):
    def __init__(self) -> None:
        super().__init__()
        self._procmgr = _LeaderOnly()
        self.stopped_on_request = False

    def terminate(self) -> None:
        # Called for Ctrl-C / SIGTERM, or because a process stopped on its own: only the first is a clean exit.
        if not self._terminating and not any("returncode" in p for p in self._processes.values()):
            self.stopped_on_request = True
        super().terminate()


class Command(BaseCommand):
    help = "Print the demo credentials, then run web (runserver), a Celery worker (exports queue) and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--procfile", default=str(Path(settings.BASE_DIR) / "Procfile"))

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        procfile = Path(options["procfile"])
        if not procfile.exists():
            raise CommandError(f"{procfile} not found")
        banner = io.StringIO()
        call_command("demo_credentials", url=f"http://127.0.0.1:{port}", stdout=banner)
        self.stdout.write(banner.getvalue())
        # The worker's and beat's start-up output scrolls the banner away: show it again once they are up.
        reminder = threading.Timer(8, lambda: self.stdout.write("\n  Ready." + banner.getvalue()))
        reminder.daemon = True
        reminder.start()
        env = dict(os.environ)
        # `python` and `celery` in the Procfile must be this virtualenv's, whatever the caller's PATH says.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PORT"] = str(port)
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # beat keeps its schedule under var/run/, which exists only once the embedded PostgreSQL has run.
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
        honcho.manager.KILL_WAIT = SHUTDOWN_SECONDS
        manager = GracefulManager()
        for name, command in parse_procfile(procfile.read_text()).processes.items():
            manager.add_process(name, command, env=env, cwd=str(settings.BASE_DIR))
        manager.loop()
        sys.exit(0 if manager.stopped_on_request else manager.returncode)
