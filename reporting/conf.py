"""Read the product limits of ``settings.REPORTING`` through one accessor that rejects unknown keys."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, Any] = {
    "RATE_LIMIT_CAPACITY": 600,
    "RATE_LIMIT_REFILL_PER_SECOND": 10.0,
    "RATE_LIMIT_NAMESPACE": "clubinsight",
    "MAX_BODY_BYTES": 1024 * 1024,
    "INGEST_MAX_BODY_BYTES": 32 * 1024 * 1024,
    "INGEST_MAX_MEMBERS": 10_000,
    "EXTRA_PERSONAL_PROPERTY_KEYS": [],
    "EXPORT_TTL_DAYS": 7,
    "MAX_FILTER_DEPTH": 10,
    "MAX_FILTER_NODES": 200,
    "MAX_IN_VALUES": 1000,
    "MAX_PAGE_SIZE": 1000,
    "DEFAULT_PAGE_SIZE": 100,
    "STATEMENT_TIMEOUT_MS": 120_000,
    "OUTAGE_RETRY_AFTER_SECONDS": 5,
    "REDIS_TIMEOUT_SECONDS": 2.0,
    "REPLICA_MAX_LAG_SECONDS": 30.0,
    "REPLICA_CHECK_SECONDS": 5.0,
    # The longest a process answers from credentials it cached (reporting.credentials); 0: no cache.
    "CREDENTIALS_CACHE_SECONDS": 60.0,
    # Answer member aggregations from a covering rollup (False: always the member table; tests and bench).
    "ROLLUPS": True,
}

# Settings that must be positive whole numbers / positive finite numbers. A refill rate of 0 would make every
# refusal wait forever (and divide by zero); a capacity of 0 would refuse everything.
_POSITIVE_INTEGERS = (
    "RATE_LIMIT_CAPACITY",
    "MAX_BODY_BYTES",
    "INGEST_MAX_BODY_BYTES",
    "INGEST_MAX_MEMBERS",
    "EXPORT_TTL_DAYS",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_NODES",
    "MAX_IN_VALUES",
    "MAX_PAGE_SIZE",
    "DEFAULT_PAGE_SIZE",
    "STATEMENT_TIMEOUT_MS",
    "OUTAGE_RETRY_AFTER_SECONDS",
)
_POSITIVE_NUMBERS = (
    "RATE_LIMIT_REFILL_PER_SECOND",
    "REDIS_TIMEOUT_SECONDS",
    "REPLICA_MAX_LAG_SECONDS",
    "REPLICA_CHECK_SECONDS",
)
# The ones config/settings.py reads from REPORTING_<name>.
_FROM_ENVIRONMENT = {
    "RATE_LIMIT_CAPACITY",
    "RATE_LIMIT_REFILL_PER_SECOND",
    "INGEST_MAX_BODY_BYTES",
    "EXPORT_TTL_DAYS",
    "OUTAGE_RETRY_AFTER_SECONDS",
    "REDIS_TIMEOUT_SECONDS",
    "REPLICA_MAX_LAG_SECONDS",
    "REPLICA_CHECK_SECONDS",
    "CREDENTIALS_CACHE_SECONDS",
}


_checked: list[Any] = [None]  # the REPORTING dict whose keys were last found known


def reporting_setting(name: str) -> Any:
    if name not in DEFAULTS:
        raise KeyError(f"Unknown REPORTING setting {name!r}")
    configured = getattr(settings, "REPORTING", {})
    # Read a dozen times per request: the keys are checked once per settings object (tests replace it whole).
    if configured is not _checked[0]:
        unknown = set(configured) - set(DEFAULTS)
        if unknown:
            raise KeyError(f"Unknown REPORTING settings: {sorted(unknown)}")
        _checked[0] = configured
    return configured.get(name, DEFAULTS[name])


def validate_reporting_settings() -> None:
    """Refuse settings that make no sense, naming the setting and its environment variable (run at start-up by
    ReportingConfig.ready, so manage.py, gunicorn and Celery workers all refuse to start)."""
    problems = []
    for name in _POSITIVE_INTEGERS:
        value = reporting_setting(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(f"{_describe(name)} must be a whole number above 0, got {value!r}")
    for name in _POSITIVE_NUMBERS:
        value = reporting_setting(name)
        valid = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
        if not valid:
            problems.append(f"{_describe(name)} must be a finite number above 0, got {value!r}")
    cache_seconds = reporting_setting("CREDENTIALS_CACHE_SECONDS")
    if isinstance(cache_seconds, bool) or not isinstance(cache_seconds, int | float) or not cache_seconds >= 0:
        problems.append(
            f"{_describe('CREDENTIALS_CACHE_SECONDS')} must be a number of at least 0, got {cache_seconds!r}"
        )
    elif not math.isfinite(cache_seconds):
        problems.append(f"{_describe('CREDENTIALS_CACHE_SECONDS')} must be finite, got {cache_seconds!r}")
    if not problems and reporting_setting("DEFAULT_PAGE_SIZE") > reporting_setting("MAX_PAGE_SIZE"):
        problems.append(f"{_describe('DEFAULT_PAGE_SIZE')} must not exceed {_describe('MAX_PAGE_SIZE')}")
    if problems:
        raise ImproperlyConfigured("Invalid settings: " + "; ".join(problems))


def _describe(name: str) -> str:
    if name in _FROM_ENVIRONMENT:
        return f"REPORTING[{name!r}] (environment variable REPORTING_{name})"
    return f"REPORTING[{name!r}]"
