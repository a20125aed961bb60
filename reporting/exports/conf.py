"""Export limits from ``settings.EXPORTS`` through one accessor that rejects unknown keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "PARTIAL_DIR": "",
    "SOFT_TIME_LIMIT_SECONDS": 6 * 3600,
    "TIME_LIMIT_SECONDS": 6 * 3600 + 300,
    "PROGRESS_EVERY_SECONDS": 0.5,
    "STALL_SECONDS": 60.0,
    "PENDING_REQUEUE_SECONDS": 600.0,
    "WAITING_NOTICE_SECONDS": 120.0,
    "MAX_ATTEMPTS": 5,
    # Excel's sheet limit (rows including the header); past it an export continues on a new sheet.
    "XLSX_SHEET_MAX_ROWS": 1_048_576,
    "TEST_ROW_DELAY": 0.0,
}


def exports_setting(name: str) -> Any:
    if name not in DEFAULTS:
        raise KeyError(f"Unknown EXPORTS setting {name!r}")
    configured = getattr(settings, "EXPORTS", {})
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"Unknown EXPORTS settings: {sorted(unknown)}")
    return configured.get(name, DEFAULTS[name])
