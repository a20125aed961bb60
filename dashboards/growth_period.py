"""The growth section's period picker: readable URL parameters -> the API's ``from``/``to``/``interval``.

``period=30d|90d|12m|2y|custom`` (default ``12m``), ``from``/``to`` (``YYYY-MM-DD``, both days included, with
``custom``) and ``interval=auto|1d|1w|1mo`` (default ``auto``). Only values that differ from the defaults go into
the shared URL. The range is whole local days: ``from`` and ``to`` are sent without an offset, so the API reads
them in the club's time zone (each club's own, in a mixed-time-zone comparison); the buckets themselves are
the engine's. Only "today" is computed here, as one date in the club's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PERIOD, FROM, TO, INTERVAL = "period", "from", "to", "interval"
PARAMS = frozenset({PERIOD, FROM, TO, INTERVAL})
PERIODS = {"30d": "30 days", "90d": "90 days", "12m": "12 months", "2y": "2 years", "custom": "Custom"}
INTERVALS = {"auto": "Auto", "1d": "Day", "1w": "Week", "1mo": "Month"}
DEFAULT_PERIOD, DEFAULT_INTERVAL = "12m", "auto"
MAX_CUSTOM_DAYS = 366 * 10
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """A chosen period: local days ``[first, last]``, the requested interval, and its URL parameters."""

    key: str
    first: dt.date
    last: dt.date
    interval: str
    params: tuple[tuple[str, str], ...]
    error: str | None = None

    @property
    def api_from(self) -> str:
        return f"{self.first.isoformat()}T00:00:00"

    @property
    def api_to(self) -> str:
        return f"{(self.last + dt.timedelta(days=1)).isoformat()}T00:00:00"

    @property
    def months(self) -> tuple[dt.date, dt.date]:
        """The whole months the period touches (cohorts are join months): first and last day."""
        after = _months_back(self.last, -1)
        return self.first.replace(day=1), after - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.first:%d %b %Y} to {self.last:%d %b %Y}"


def local_today(timezone: str, *, now: dt.datetime | None = None) -> dt.date:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def _months_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(query: Mapping[str, Any], *, today: dt.date) -> Period:
    """The period of a request's query (``QueryDict`` or a mapping of single values)."""

    def one(name: str) -> str:
        value = query.get(name)
        return str(value).strip() if value is not None else ""

    key = one(PERIOD) or DEFAULT_PERIOD
    interval = one(INTERVAL) or DEFAULT_INTERVAL
    default = Period(DEFAULT_PERIOD, _months_back(today, 11), today, DEFAULT_INTERVAL, ())
    if key not in PERIODS:
        return _error(default, f"The period “{key}” is not one of {', '.join(PERIODS)}.")
    if interval not in INTERVALS:
        return _error(default, f"The interval “{interval}” is not one of {', '.join(INTERVALS)}.")
    params: list[tuple[str, str]] = [] if key == DEFAULT_PERIOD else [(PERIOD, key)]
    if key == "custom":
        first, last = _date(one(FROM)), _date(one(TO))
        if first is None or last is None:
            return _error(default, "A custom period needs “from” and “to” dates written as YYYY-MM-DD.")
        if first > last:
            return _error(default, "The period's “from” date is after its “to” date.")
        if (last - first).days > MAX_CUSTOM_DAYS:
            return _error(default, "A custom period can span at most ten years.")
        params += [(FROM, first.isoformat()), (TO, last.isoformat())]
    elif key in ("30d", "90d"):
        first, last = today - dt.timedelta(days=int(key[:-1]) - 1), today
    else:
        first, last = _months_back(today, 11 if key == "12m" else 23), today
    if interval != DEFAULT_INTERVAL:
        params.append((INTERVAL, interval))
    return Period(key, first, last, interval, tuple(params))


def _date(text: str) -> dt.date | None:
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _error(default: Period, message: str) -> Period:
    return Period(default.key, default.first, default.last, default.interval, (), message)
