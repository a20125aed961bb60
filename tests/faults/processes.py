"""The fault suite's own dependencies: a PostgreSQL from pgserver's binaries and a redis-server, each on its own
data directory and free port, started and stopped by the tests (never the machine's shared services)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.servers import free_port


class PrivatePostgres:
    """``initdb`` once, then ``pg_ctl start``/``stop`` at will on 127.0.0.1:<port> (no Unix socket)."""

    def __init__(self, root: Path):
        runtime = root / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver's import warns without one
        from pgserver._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.pgdata = root / "pgdata"
        self.port = free_port()
        # PostgreSQL refuses to run as root; pgserver's own answer is a system user of its own.
        self.user = "pgserver" if os.geteuid() == 0 else None
        self.pgdata.mkdir(parents=True)
        if self.user is not None:
            self._grant_access()
        self._run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres")

    def _grant_access(self) -> None:
        import stat

        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists("pgserver")
        assert entry is not None
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(self.bin)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(self.bin, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(self.bin.parent / "lib", readable)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [str(self.bin / program), "-D", str(self.pgdata), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stdout} {done.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c fsync=off"
        self._run("pg_ctl", "-w", "-o", options, "-l", str(self.pgdata / "server.log"), "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate`` drops every connection without goodbye, as a crash or a lost host would."""
        self._run("pg_ctl", "-w", "-m", mode, "stop")

    def create_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def close(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            self._run("pg_ctl", "-w", "-m", "immediate", "stop")
        except RuntimeError:
            # Never leave a server behind: SIGQUIT is PostgreSQL's own immediate shutdown, by the recorded pid.
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            raise


class PrivateRedis:
    def __init__(self, root: Path):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.binary = binary
        self.dir = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, timeout: float = 20) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, as a crash or a lost host would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    close = kill
