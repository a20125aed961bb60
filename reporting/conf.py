"""Read the product limits of ``settings.REPORTING`` through one accessor that rejects unknown keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings

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
}


def reporting_setting(name: str) -> Any:
    if name not in DEFAULTS:
        raise KeyError(f"Unknown REPORTING setting {name!r}")
    configured = getattr(settings, "REPORTING", {})
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"Unknown REPORTING settings: {sorted(unknown)}")
    return configured.get(name, DEFAULTS[name])
