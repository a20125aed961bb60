"""The README's API examples run as written: each curl of "The API in brief" against a live server.

Only the host is replaced (the live server's instead of 127.0.0.1:8000) and $TOKEN is a real client's token; the
commands with a placeholder (<id>) need an earlier answer and are left to the export tests.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from reporting.models import Place
from reporting.places import place_rows

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.django_db(transaction=True)


def api_block() -> str:
    text = README.read_text()
    section = text[text.index("## The API in brief") :]
    return section[section.index("```sh") + len("```sh") : section.index("```", section.index("```sh") + 5)]


def curls(block: str) -> list[str]:
    """Each curl command with its continuation lines (a line ending in \\ or an open quote)."""
    commands, current, quotes = [], "", 0
    for line in block.splitlines():
        if not current and not line.startswith("curl "):
            continue
        current += line + "\n"
        quotes += line.count("'")
        if not line.endswith("\\") and quotes % 2 == 0:
            commands.append(current)
            current, quotes = "", 0
    return commands


def test_readme_api_curls_answer(live_server: Any, insert_members: Any, communities: Any) -> None:
    if not Place.objects.exists():
        Place.objects.bulk_create((Place(**row) for row in place_rows()), batch_size=5000, ignore_conflicts=True)
    insert_members([{"id": 1, "community_id": 235}])
    out = io.StringIO()
    call_command("create_api_client", "readme", "--communities", "all", "--permits", "all", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    block = api_block()
    variables = dict(re.findall(r"^(API|GEO)=(\S+)$", block, flags=re.MULTILINE))
    assert set(variables) == {"API", "GEO"}
    env = {name: value.replace("http://127.0.0.1:8000", live_server.url) for name, value in variables.items()}
    env["TOKEN"] = token
    commands = [c for c in curls(block) if "<id>" not in c]
    assert len(commands) >= 9
    answers = {}
    for command in commands:
        body = run(command, env)
        if command.startswith("curl -si"):
            status = int(body.split()[1])
            assert 200 <= status < 300, (command, body)
            continue
        answer = json.loads(body)
        assert "error" not in answer, (command, answer)
        answers[command] = answer
    assert len(answers) >= 6
    geo = [c for c in commands if "$GEO" in c]
    assert len(geo) == 3
    assert answers[geo[1]]["name"] == "Oslo"
    assert {loc["place_id"] for loc in answers[geo[2]]["locations"]} == {"3143244", "3161732"}
    members = answers[next(c for c in commands if '{"report": "members"}' in c)]
    assert members["report"] == "members"
    assert {"fields", "aggregations"} <= set(members)


def run(command: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["bash", "-c", command], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, (command, result.stderr)
    return result.stdout
