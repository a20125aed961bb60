"""`make run`'s last step: print the demo login and token, then run web, worker and beat as one command.

The processes come from the Procfile (so `honcho start` runs the same thing) and are supervised by honcho:
output is interleaved with a name per line, Ctrl-C stops all three, and if one exits the others are stopped.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from honcho.environ import parse_procfile
from honcho.manager import Manager


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
        manager = Manager()
        for name, command in parse_procfile(procfile.read_text()).processes.items():
            manager.add_process(name, command, env=env, cwd=str(settings.BASE_DIR))
        manager.loop()
        sys.exit(manager.returncode)
