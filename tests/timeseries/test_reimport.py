"""Re-importing the same file changes no history: the timeseries answers and the events stay exactly the same."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

from reporting.models import MemberEvent
from tests.timeseries import oracle


def _line(member_id: int, day: int, **changes: Any) -> str:
    member = {
        "id": member_id,
        "community_id": 235,
        "created_at": f"2024-01-{day:02d}T{member_id % 24:02d}:30:00Z",
        "updated_at": f"2024-01-{day:02d}T{member_id % 24:02d}:30:00Z",
        "optin_channel": ["ios-app", "webforms", None][member_id % 3],
        "consents": {"email_marketing": member_id % 2 == 0},
        **changes,
    }
    return json.dumps(member)


def test_reimporting_a_file_changes_no_history(tmp_path: Path, client_for: Any) -> None:
    joins = tmp_path / "joins.jsonl"
    joins.write_text("\n".join(_line(i, 1 + i % 28) for i in range(1, 61)) + "\n")
    leaves = tmp_path / "leaves.jsonl"
    leaves.write_text("\n".join(_line(i, 1, deleted=True, deleted_at=f"2024-02-{1 + i % 20:02d}T08:00:00Z",
                                      updated_at=f"2024-02-{1 + i % 20:02d}T08:00:00Z")
                                for i in range(1, 61, 4)) + "\n")  # fmt: skip
    api = client_for("235")
    bodies = [
        {"report": "member_balance", "interval": "1d", "from": "2024-01-01", "to": "2024-03-01", "aggregate_by": a}
        for a in (None, "optin_channel", "consents")
    ] + [{"report": "members_count_history", "interval": "1w", "from": "2023-12-25", "to": "2024-03-04"}]

    for source in (joins, leaves):
        call_command("import_members", str(source), stdout=io.StringIO())
    events = list(MemberEvent.objects.order_by("id").values())
    first = [api.query(body)[1] for body in bodies]
    assert first[0] == oracle.member_balance(
        oracle.read_events([235]), {235: "Europe/Oslo"}, start="2024-01-01", end="2024-03-01", interval="1d"
    )
    assert sum(sum(v for v in s["values"] if v) for s in first[0]["series"]) == 60 + 15

    for source in (joins, leaves, joins):
        out = io.StringIO()
        call_command("import_members", str(source), stdout=out)
        assert "created: 0" in out.getvalue()
    assert list(MemberEvent.objects.order_by("id").values()) == events
    assert [api.query(body)[1] for body in bodies] == first
