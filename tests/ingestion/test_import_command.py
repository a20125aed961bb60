"""`manage.py import_members`: files and stdin, rejected-line reports, exit status, the parallel pipeline."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reporting.ingestion import pipeline
from reporting.ingestion.service import import_lines
from reporting.models import Community, Member, MemberEvent, MemberTombstone
from tests.conftest import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]


def line(member_id: int, **changes: Any) -> str:
    member = {
        "id": member_id,
        "community_id": 235,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        "email": f"person{member_id}@example.com",
        **changes,
    }
    return json.dumps(member)


GOOD_AND_BAD = [
    line(1),
    "{not json at all, +4799887766",
    line(2, sms_status="sms-status-secret"),
    "",
    "[1, 2]",
    line(3, community_id=999),
    json.dumps({"community_id": 235, "updated_at": "2024-01-01", "msisdn": "+4799887766"}),
    line(4),
    line(5, deleted=True, created_at=None),
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def rejected_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text().splitlines()]


def test_good_lines_imported_bad_lines_reported(tmp_path: Path, clubs: dict[int, Community]) -> None:
    source = write(tmp_path / "members.jsonl", GOOD_AND_BAD)
    out = io.StringIO()
    with pytest.raises(CommandError, match="5 line"):
        call_command("import_members", str(source), stdout=out)
    assert out.getvalue().splitlines()[1:] == ["created: 2", "updated: 0", "deleted: 0", "unchanged: 1", "rejected: 5"]
    assert sorted(Member.objects.values_list("id", flat=True)) == [1, 4]
    assert MemberTombstone.objects.filter(member_id=5).exists()
    records = rejected_records(tmp_path / "members.jsonl.rejected.jsonl")
    assert [(r["line"], r["id"], r["error"]) for r in records] == [
        (2, None, "invalid JSON"),
        (3, 2, "sms_status: invalid_value"),
        (5, None, "invalid_type"),
        (6, 3, "community_id: unknown"),
        (7, None, "id: required"),
    ]
    assert records[1]["details"] == {
        "sms_status": [{"error": "invalid_value", "options": {"values": ["disabled", "enabled", "verified", "barred"]}}]
    }
    text = (tmp_path / "members.jsonl.rejected.jsonl").read_text()
    for secret in ("sms-status-secret", "4799887766", "not json", "example.com"):
        assert secret not in text


def test_clean_file_removes_a_stale_rejected_report(tmp_path: Path, clubs: dict[int, Community]) -> None:
    source = write(tmp_path / "ok.jsonl", [line(1), line(2)])
    stale = tmp_path / "ok.jsonl.rejected.jsonl"
    stale.write_text('{"line": 1}\n')
    out = io.StringIO()
    call_command("import_members", str(source), stdout=out)
    assert "created: 2" in out.getvalue()
    assert not stale.exists()
    out = io.StringIO()
    call_command("import_members", str(source), stdout=out)  # again: idempotent
    assert out.getvalue().splitlines()[1:] == ["created: 0", "updated: 0", "deleted: 0", "unchanged: 2", "rejected: 0"]


def test_missing_file(clubs: dict[int, Community]) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", "/nonexistent/members.jsonl")


def _manage(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": subprocess_database_url()}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=300
    )


def test_exit_status_and_stdin(tmp_path: Path, tx_clubs: dict[int, Community]) -> None:
    source = write(tmp_path / "m.jsonl", GOOD_AND_BAD)
    done = _manage("import_members", str(source))
    assert done.returncode == 1, done.stderr
    assert b"created: 2" in done.stdout
    assert b"5 line(s) rejected" in done.stderr
    assert len(rejected_records(tmp_path / "m.jsonl.rejected.jsonl")) == 5

    clean = _manage("import_members", "-", stdin=(line(10) + "\n" + line(11) + "\n").encode())
    assert clean.returncode == 0, clean.stderr
    assert b"created: 2" in clean.stdout

    piped = _manage("import_members", "-", stdin=b'{"id": 12}\n' + line(13).encode() + b"\n")
    assert piped.returncode == 1
    reports = [json.loads(text) for text in piped.stderr.decode().splitlines() if text.startswith("{")]
    assert [(r["line"], r["id"]) for r in reports] == [(1, 12)]
    assert sorted(Member.objects.values_list("id", flat=True)) == [1, 4, 10, 11, 13]


def test_parallel_pipeline_matches_an_oracle(
    tmp_path: Path, tx_clubs: dict[int, Community], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes and two loader connections, several batches: same result as applying lines in order."""
    monkeypatch.setattr(pipeline, "CHUNK_LINES", 7)
    lines: list[bytes] = []
    expected: dict[int, str | None] = {}  # id -> optin_channel, or None once deleted
    for n in range(1, 301):
        lines.append(line(n, optin_channel=f"c{n}").encode())
        expected[n] = f"c{n}"
        if n % 10 == 0:  # a later update of an earlier member, sometimes in another batch
            lines.append(line(n - 5, optin_channel=f"u{n}", updated_at="2024-01-03T00:00:00Z").encode())
            expected[n - 5] = f"u{n}"
        if n % 25 == 0:
            lines.append(json.dumps({"id": n - 1, "community_id": 235, "deleted": True,
                                     "updated_at": "2024-02-01T00:00:00Z"}).encode())  # fmt: skip
            expected[n - 1] = None
        if n % 40 == 0:
            lines.append(b"garbage")
    rejected: list[Any] = []
    summary = import_lines(lines, on_rejected=rejected.append, batch_size=50, workers=2, loaders=2)
    stored = dict(Member.objects.values_list("id", "optin_channel"))
    assert stored == {k: v for k, v in expected.items() if v is not None}
    deleted = sum(1 for v in expected.values() if v is None)
    assert (summary.created, summary.deleted, summary.rejected) == (300, deleted, 7)
    assert summary.created + summary.updated + summary.deleted + summary.unchanged + summary.rejected == len(lines)
    assert [r.index for r in rejected] == [n for n, text in enumerate(lines, 1) if text == b"garbage"]
    assert MemberEvent.objects.filter(type="in").count() == 300
    assert MemberEvent.objects.filter(type="out").count() == deleted


def test_a_failing_batch_stops_the_run_without_hanging(
    tx_clubs: dict[int, Community], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error in a loader thread reaches the caller; batches committed before it stay committed."""
    monkeypatch.setattr(pipeline, "CHUNK_LINES", 5)
    real_load = pipeline.load_batch
    calls: list[int] = []

    def failing_load(rows: Any, **options: Any) -> Any:
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_load(rows, **options)

    monkeypatch.setattr(pipeline, "load_batch", failing_load)
    lines = [line(n).encode() for n in range(1, 101)]
    with pytest.raises(RuntimeError, match="disk full"):
        import_lines(lines, on_rejected=lambda rejection: None, batch_size=20, workers=2, loaders=1)
    assert Member.objects.count() == 40  # the first two batches of 20
    assert sorted(Member.objects.values_list("id", flat=True)) == list(range(1, 41))
