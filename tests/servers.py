"""Real web processes for tests that need what only a server does (chunked bodies, outages): gunicorn as in
production, or Django's runserver, started as subprocesses on a free port and stopped by their own pid."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebServer:
    """``kind`` is "gunicorn" (gthread workers, the production server) or "runserver"."""

    def __init__(self, *, kind: str, env: dict[str, str], log_path: Path, workers: int = 1, threads: int = 4):
        self.kind = kind
        self.port = free_port()
        # A production process (DJANGO_DEBUG=0) refuses to start without its own secret key.
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            **env,
        }
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        if self.kind == "gunicorn":
            return [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--worker-class", "gthread", "--threads", str(self.threads),
                "--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-",
            ]  # fmt: skip
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload", "--skip-checks"]

    def start(self, *, timeout: float = 60) -> WebServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.output()[-3000:]}")
            try:
                self.request("GET", "/v1/")  # the JSON 404 needs neither database nor Redis
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.kind} did not answer within {timeout} s: {self.output()[-3000:]}")

    def request(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def log_in(web: WebServer, username: str, password: str) -> str:
    """A real login through the form, as a person does: the session cookie it sets."""
    status, headers, page = web.request("GET", "/accounts/login/")
    assert status == 200, (status, page[:500], web.output()[-3000:])
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["set-cookie"])
    csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf_cookie
    assert csrf_field
    form = {"username": username, "password": password, "csrfmiddlewaretoken": csrf_field.group(1).decode()}
    status, headers, _ = web.request(
        "POST",
        "/accounts/login/",
        body=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie.group(1)}"},
    )
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    assert status == 302, status
    assert session
    return f"sessionid={session.group(1)}"
