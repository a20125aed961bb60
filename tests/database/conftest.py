"""A primary and a real streaming replica of it (``pg_basebackup -R``: ``primary_conninfo`` and standby.signal),
both private PostgreSQL servers from pgserver's binaries on free ports, migrated and seeded once for this folder;
web servers are started per test with the replica settings under test."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.faults.processes import PrivatePostgres
from tests.servers import ROOT, WebServer, free_port

DATABASE = "clubinsight_replica"


class StreamingReplica(PrivatePostgres):
    """A hot standby of ``primary``: a base backup of it, replaying its WAL as it streams in."""

    def __init__(self, root: Path, *, primary: PrivatePostgres):  # no super().__init__: no initdb for a copy
        self.bin = primary.bin
        self.user = primary.user
        self.pgdata = root / "replica-pgdata"
        self.port = free_port()
        self.pgdata.mkdir(parents=True, mode=0o700)
        if self.user is not None:
            self._grant_access()
        # -R writes primary_conninfo (host and port of the primary) and standby.signal; -X stream copies the WAL
        # written during the backup, so the copy starts consistent.
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-R",
                  "-X", "stream", "-c", "fast", timeout=120)  # fmt: skip


@dataclass
class Pair:
    root: Path
    primary: PrivatePostgres
    replica: StreamingReplica
    env: dict[str, str]
    token: str
    club_id: int

    def web(self, **settings: str) -> WebServer:
        env = {**self.env, **settings}
        return WebServer(kind="gunicorn", env=env, log_path=self.root / "web.log", workers=1, threads=2).start()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Customer": str(self.club_id),
                "Content-Type": "application/json"}  # fmt: skip

    def count_on(self, server: PrivatePostgres) -> int:
        """The oracle: the club's members counted by plain SQL on one server."""
        with psycopg.connect(server.url(DATABASE), autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM reporting_member WHERE community_id = %s", [self.club_id]
            ).fetchone()
        assert row is not None
        return int(row[0])

    def add_members_on_primary(self, count: int) -> None:
        """Copies of existing members under new ids, written on the primary only (the replica sees them once it
        replays the WAL)."""
        with psycopg.connect(self.primary.url(DATABASE), autocommit=True) as connection:
            columns = [
                name
                for (name,) in connection.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'reporting_member'"
                    " AND is_generated = 'NEVER' ORDER BY ordinal_position"
                )
            ]
            names = sql.SQL(", ").join(map(sql.Identifier, columns))
            values = sql.SQL(", ").join(
                sql.SQL("m.id + 100000000 + (SELECT count(*) FROM reporting_member)") if name == "id"
                else sql.SQL("m.{}").format(sql.Identifier(name))
                for name in columns
            )  # fmt: skip
            connection.execute(
                sql.SQL(
                    "INSERT INTO reporting_member ({}) SELECT {} FROM reporting_member AS m"
                    " WHERE m.community_id = %s ORDER BY m.id LIMIT %s"
                ).format(names, values),
                [self.club_id, count],
            )

    def replay(self, *, paused: bool) -> None:
        with psycopg.connect(self.replica.url(DATABASE), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count_on(self.replica) == self.count_on(self.primary):
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not catch up")

    def probe(self, **settings: str) -> tuple[bool, int]:
        """In a fresh process with the product's settings: (pg_is_in_recovery(), server port) of the connection
        a reporting read runs on."""
        code = (
            "import django; django.setup()\n"
            "from reporting.db import run_read\n"
            "def on(connection):\n"
            "    with connection.cursor() as cursor:\n"
            "        cursor.execute('SELECT pg_is_in_recovery(), inet_server_port()')\n"
            "        return cursor.fetchone()\n"
            "print(*run_read(on))\n"
        )
        done = manage_python(code, {**self.env, **settings})
        recovery, port = done.split()[-2:]
        return recovery == "True", int(port)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def manage_python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="package")
def pair() -> Iterator[Pair]:
    # Not under pytest's basetemp (see tests/faults/conftest.py: PostgreSQL's own user must keep access).
    root = Path(tempfile.mkdtemp(prefix="clubinsight-replica-"))
    primary = PrivatePostgres(root)
    replica: StreamingReplica | None = None
    try:
        primary.start()
        primary.create_database(DATABASE)
        replica = StreamingReplica(root, primary=primary)
        replica.start()
        base = {
            **{k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DATABASE_REPLICA_URL"}},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": primary.url(DATABASE),
            "VAR_DIR": str(root / "var"),
            "REPORTING_RATE_LIMIT_CAPACITY": "1000000",
            "REPORTING_RATE_LIMIT_REFILL_PER_SECOND": "100000",
        }
        base.pop("REDIS_URL", None)  # the database cache: nothing shared with other tests
        manage(base, "migrate", "--no-input")
        manage(base, "createcachetable")
        manage(base, "seed_demo", "--members", "400", "--workers", "1")
        token = manage(base, "create_api_client", "replica", "--communities", "all", "--permits", "all").split()[-1]
        with psycopg.connect(primary.url(DATABASE), autocommit=True) as connection:
            row = connection.execute(
                "SELECT community_id FROM reporting_member GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()
        assert row is not None
        env = {**base, "DATABASE_REPLICA_URL": replica.url(DATABASE), "REPORTING_REPLICA_CHECK_SECONDS": "0.5"}
        found = Pair(root=root, primary=primary, replica=replica, env=env, token=token, club_id=int(row[0]))
        found.wait_caught_up()
        yield found
    finally:
        if replica is not None:
            replica.close()
        primary.close()
        shutil.rmtree(root, ignore_errors=True)
