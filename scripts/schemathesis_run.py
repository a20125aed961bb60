"""schemathesis against a live server: every check, a bounded budget, 0 findings or exit 1.

    DATABASE_URL=postgres://…/any_name_schemathesis .venv/bin/python scripts/schemathesis_run.py [--max-examples N]

The database named in DATABASE_URL is dropped and created afresh (its name must end in ``_schemathesis`` so no
other database can be hit by mistake); migrations run, one community and one API client with every permit are
created, and gunicorn serves the project on a free port. The client's token and ``X-Customer`` go on every request
(``-H``). The run's rate-limit bucket is large (the env below) so no 429 storm hides other answers; 429 stays in the
schema. Exports are queued on a private filesystem broker that no worker reads: the run checks the API, not the
worker. Configuration of the checks (the contract's own status codes) is in ``scripts/schemathesis.toml``;
hooks that teach the generator what a schema cannot say (opaque cursors, idempotency keys) in
``scripts/schemathesis_hooks.py``. See docs/api.md, "The schema is the contract".
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMMUNITY = "9001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.endswith("_schemathesis"):
        raise SystemExit(f"refusing to drop {name!r}: the database name must end in _schemathesis")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} in {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15, help="cases per operation and phase")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("extra", nargs="*", help="passed on to `st run`")
    options = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise SystemExit("DATABASE_URL must name a database whose name ends in _schemathesis")
    recreate_database(database_url)
    broker_dir = tempfile.mkdtemp(prefix="schemathesis-broker-")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_DIR=broker_dir,
        REPORTING_RATE_LIMIT_CAPACITY="100000000",
        REPORTING_RATE_LIMIT_REFILL_PER_SECOND="100000",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONUNBUFFERED="1",
    )
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "create_community", COMMUNITY, "--slug", "contract", "--name", "Contract", "--country", "NO",
           "--timezone", "Europe/Oslo")  # fmt: skip
    token = manage(env, "create_api_client", "schemathesis", "--communities", COMMUNITY, "--permits", "all")
    token = token.strip().splitlines()[-1]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="schemathesis-server-")) / "gunicorn.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(f"{base}/api/schema/", server)
            # One worker: hypothesis describes strategies by parsing lambdas' source, which races between
            # threads ("AST constructor recursion depth mismatch") and would end the run with a tool error.
            command = [
                str(BIN / "st"), "--config-file", str(REPO / "scripts" / "schemathesis.toml"),
                "run", f"{base}/api/schema/", "--checks", "all",
                "-H", f"Authorization: Bearer {token}", "-H", f"X-Customer: {COMMUNITY}",
                "--max-examples", str(options.max_examples), "--workers", "1",
                "--request-timeout", "30",
            ]  # fmt: skip
            if options.seed is not None:
                command += ["--seed", str(options.seed)]
            command += options.extra
            st_env = {**env, "SCHEMATHESIS_HOOKS": "scripts.schemathesis_hooks"}
            code = subprocess.run(command, cwd=REPO, env=st_env, check=False).returncode
        finally:
            server.terminate()
            server.wait(timeout=30)
    if code != 0:
        print(f"server log: {log}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
