"""Settings that make no sense are refused when the process starts, with a message naming the setting.

A refill rate of 0 used to answer 500 on the first refusal (a division by zero); it and its kind are refused
by every entry point: manage.py, the WSGI application gunicorn loads, and Celery workers (all run django.setup()).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reporting.conf import validate_reporting_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"RATE_LIMIT_REFILL_PER_SECOND": 0}, "RATE_LIMIT_REFILL_PER_SECOND"),
        ({"RATE_LIMIT_REFILL_PER_SECOND": -1}, "RATE_LIMIT_REFILL_PER_SECOND"),
        ({"RATE_LIMIT_REFILL_PER_SECOND": float("nan")}, "RATE_LIMIT_REFILL_PER_SECOND"),
        ({"RATE_LIMIT_REFILL_PER_SECOND": float("inf")}, "RATE_LIMIT_REFILL_PER_SECOND"),
        ({"RATE_LIMIT_CAPACITY": 0}, "RATE_LIMIT_CAPACITY"),
        ({"RATE_LIMIT_CAPACITY": -5}, "RATE_LIMIT_CAPACITY"),
        ({"RATE_LIMIT_CAPACITY": 2.5}, "RATE_LIMIT_CAPACITY"),
        ({"MAX_BODY_BYTES": 0}, "MAX_BODY_BYTES"),
        ({"INGEST_MAX_BODY_BYTES": -1}, "INGEST_MAX_BODY_BYTES"),
        ({"OUTAGE_RETRY_AFTER_SECONDS": 0}, "OUTAGE_RETRY_AFTER_SECONDS"),
        ({"CREDENTIALS_CACHE_SECONDS": -1}, "CREDENTIALS_CACHE_SECONDS"),
        ({"CREDENTIALS_CACHE_SECONDS": float("nan")}, "CREDENTIALS_CACHE_SECONDS"),
        ({"CREDENTIALS_CACHE_SECONDS": float("inf")}, "CREDENTIALS_CACHE_SECONDS"),
        ({"CREDENTIALS_CACHE_SECONDS": "60"}, "CREDENTIALS_CACHE_SECONDS"),
    ],
)
def test_nonsense_values_are_refused(settings, overrides, message):
    settings.REPORTING = {**settings.REPORTING, **overrides}
    with pytest.raises(ImproperlyConfigured, match=message):
        validate_reporting_settings()


def test_the_defaults_are_accepted(settings):
    validate_reporting_settings()


def test_a_credentials_cache_of_zero_seconds_is_accepted(settings):
    """0 turns the cache off (docs/api.md): a valid choice, unlike the limits above."""
    settings.REPORTING = {**settings.REPORTING, "CREDENTIALS_CACHE_SECONDS": 0}
    validate_reporting_settings()


def run_with(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REPORTING_RATE_LIMIT_REFILL_PER_SECOND", "0"),
        ("REPORTING_RATE_LIMIT_CAPACITY", "0"),
        ("REPORTING_RATE_LIMIT_CAPACITY", "lots"),
    ],
)
def test_the_wsgi_application_refuses_to_start(variable, value):
    done = run_with({variable: value}, "import config.wsgi")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert variable in done.stderr


def test_manage_py_check_refuses_too():
    done = run_with(
        {"REPORTING_RATE_LIMIT_REFILL_PER_SECOND": "0"},
        "from django.core.management import execute_from_command_line; execute_from_command_line(['manage.py', 'check'])",
    )
    assert done.returncode != 0
    assert "REPORTING_RATE_LIMIT_REFILL_PER_SECOND" in done.stderr


def test_sane_values_start(tmp_path):
    done = run_with({"REPORTING_RATE_LIMIT_REFILL_PER_SECOND": "0.5"}, "import config.wsgi")
    assert done.returncode == 0, done.stderr
