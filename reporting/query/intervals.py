"""The closed table of timeseries intervals and how each buckets time in a time zone, in SQL.

Every SQL text here is a constant chosen by an interval's name from this table; the time zone (an IANA name
from the community row) and the range always travel as parameters or columns, never as SQL text.

Two ways to cut time into buckets, both computed by PostgreSQL:

- **wall clock**: the bucket is the local timestamp truncated (``date_trunc`` for days, weeks from Monday, months
  from the 1st; ``date_bin`` from a local midnight for 5m and 1h). A local day is 23 or 25 hours long across a
  DST change. Used for calendar intervals always, and for every interval in the mixed-time-zone ("local") form,
  where buckets are wall-clock times without an offset.
- **elapsed time**: fixed-length buckets (5m, 1h) of one time zone are cut on the time line from a local
  midnight (``date_bin`` over ``timestamptz``), so the repeated hour of an autumn DST change is two buckets with
  two offsets, the skipped spring hour none, and Asia/Kathmandu's hours start at :15 UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

AUTO = "auto"


@dataclass(frozen=True)
class Interval:
    name: str
    step_sql: str  # a constant SQL interval
    calendar_unit: str | None  # date_trunc unit of calendar intervals; None for fixed-length ones
    longest: dt.timedelta  # the longest one bucket can be (a 25-hour day; a wall-clock hour repeated at DST)
    shortest: dt.timedelta  # the shortest (a 23-hour day, a February)
    order: int

    @property
    def fixed_length(self) -> bool:
        return self.calendar_unit is None


INTERVALS: dict[str, Interval] = {
    interval.name: interval
    for interval in (
        Interval("5m", "interval '5 minutes'", None, dt.timedelta(minutes=65), dt.timedelta(minutes=5), 0),
        Interval("1h", "interval '1 hour'", None, dt.timedelta(hours=2), dt.timedelta(hours=1), 1),
        Interval("1d", "interval '1 day'", "day", dt.timedelta(hours=25), dt.timedelta(hours=23), 2),
        Interval("1w", "interval '1 week'", "week", dt.timedelta(days=7, hours=1), dt.timedelta(days=7, hours=-1), 3),
        Interval(
            "1mo", "interval '1 month'", "month", dt.timedelta(days=31, hours=1), dt.timedelta(days=28, hours=-1), 4
        ),
    )
}

# reporting-api.md §6: to - from <= 12 h -> 5m, <= 3 days -> 1h, else 1d.
_AUTO_STEPS = ((dt.timedelta(hours=12), "5m"), (dt.timedelta(days=3), "1h"))


def auto_interval(span: dt.timedelta, allowed: tuple[str, ...], *, max_buckets: int) -> Interval:
    """The interval ``auto`` picks for a range: §6's rule, bumped to the report's smallest allowed interval at least
    as long, and further (1w, then 1mo) while the range could hold more than ``max_buckets`` of it. The spec's rule
    stops at 1d; ours goes on, so that ``auto`` answers a year or two instead of refusing it (docs/api.md)."""
    name = next((step for limit, step in _AUTO_STEPS if span <= limit), "1d")
    wanted = INTERVALS[name].order
    candidates = [i for i in sorted((INTERVALS[n] for n in allowed), key=lambda i: i.order) if i.order >= wanted]
    if not candidates:
        return max((INTERVALS[n] for n in allowed), key=lambda i: i.order)
    return next((i for i in candidates if span // i.shortest + 2 <= max_buckets), candidates[-1])


@dataclass(frozen=True)
class Bucketing:
    """The SQL of one interval in one form. Expressions read the zone's columns ``z.zone`` (IANA name),
    ``z.lo``/``z.hi`` (the range as instants) and ``z.origin`` (the local midnight starting the range)."""

    interval: Interval
    wall_clock: bool

    @classmethod
    def of(cls, interval: Interval, *, local_form: bool) -> Bucketing:
        return cls(interval, wall_clock=local_form or not interval.fixed_length)

    def _truncate_wall(self, local_sql: str) -> str:
        if self.interval.calendar_unit is not None:
            return f"date_trunc('{self.interval.calendar_unit}', {local_sql})"
        # A Monday midnight as origin: 5 minutes and 1 hour both divide a day, so any midnight aligns them.
        return f"date_bin({self.interval.step_sql}, {local_sql}, TIMESTAMP '2000-01-03 00:00')"

    def key_of(self, time_sql: str) -> str:
        """The bucket key of a row's instant ``time_sql`` (a local timestamp, or an instant, per the form)."""
        if self.wall_clock:
            return self._truncate_wall(f"({time_sql} AT TIME ZONE z.zone)")
        return f"date_bin({self.interval.step_sql}, {time_sql}, z.origin)"

    def key_of_local_date(self, date_sql: str) -> str:
        """The bucket key of a local date ``date_sql`` (a day, week or month holds whole days)."""
        assert self.wall_clock
        assert self.interval.calendar_unit is not None
        return self._truncate_wall(f"({date_sql})::timestamp")

    def series(self) -> str:
        """A FROM item ``s(key)`` listing every bucket key of the zone's range, in order."""
        step = self.interval.step_sql
        if self.wall_clock:
            start = self._truncate_wall("(z.lo AT TIME ZONE z.zone)")
            stop = "((z.hi AT TIME ZONE z.zone) - interval '1 microsecond')"
        else:
            start = f"date_bin({step}, z.lo, z.origin)"
            stop = "(z.hi - interval '1 microsecond')"
        return f"generate_series({start}, {stop}, {step}) AS s(key)"

    def exists(self) -> str:
        """Whether bucket ``s.key`` is a time the zone's clocks show: the 5m and 1h wall-clock buckets of a skipped
        spring hour are not (a day is, even where its midnight is skipped)."""
        if self.wall_clock and self.interval.fixed_length:
            return "((s.key AT TIME ZONE z.zone) AT TIME ZONE z.zone) = s.key"
        return "TRUE"

    def start_at(self) -> str:
        """The instant a bucket ``s.key`` starts at."""
        return "(s.key AT TIME ZONE z.zone)" if self.wall_clock else "s.key"

    def end_at(self) -> str:
        step = self.interval.step_sql
        return f"((s.key + {step}) AT TIME ZONE z.zone)" if self.wall_clock else f"(s.key + {step})"

    def local_start(self) -> str:
        return "s.key" if self.wall_clock else "(s.key AT TIME ZONE z.zone)"
