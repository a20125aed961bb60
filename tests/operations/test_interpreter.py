"""Every process that loads the project sets the interpreter's thread switch interval from
``PYTHON_SWITCH_INTERVAL`` (docs/performance.md, "The GIL and the overview's second thread")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings


def test_this_process_runs_with_the_configured_interval() -> None:
    assert sys.getswitchinterval() == pytest.approx(settings.PYTHON_SWITCH_INTERVAL)


@pytest.mark.parametrize(("variable", "expected"), [(None, 0.001), ("0.0025", 0.0025)])
def test_a_process_started_with_or_without_the_variable(variable: str | None, expected: float) -> None:
    script = "import sys, django; django.setup(); print(sys.getswitchinterval())"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_SWITCH_INTERVAL"}
    # settings only: django.setup() opens no connection, and a URL keeps the embedded server out of it
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    if variable is not None:
        env["PYTHON_SWITCH_INTERVAL"] = variable
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert float(output.strip().splitlines()[-1]) == pytest.approx(expected)
