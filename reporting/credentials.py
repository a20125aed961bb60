"""Resolved API credentials (token -> client, permits, grants, the named communities' time zones) kept per process,
so a request whose token was seen lately skips the database's credentials statement.

Never a stale answer beyond one bound (docs/api.md, "Credentials cache"):
- Every change to API clients, their grants or communities moves a *credentials epoch* in Redis (signals and the
  CredentialsQuerySet's update()/delete(), at once and again on commit). An entry is tagged with the epoch this
  process had seen before it read the database, and the rate-limit charge, which every answer needs, reads the
  epoch in the same Lua call: when it moved, nothing is charged and the view resolves the credentials again from
  the database (reporting.api.base). A refusal given before the charge (a permit, a context, a bad body) with
  cached credentials is confirmed against the epoch first.
- A change made behind the application's back (SQL by hand, a restored backup) is seen within
  ``REPORTING_CREDENTIALS_CACHE_SECONDS``, the longest an entry is used (0 turns the cache off).
- Without Redis (rate limits in PostgreSQL) there is no epoch and no cache.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from reporting import ratelimit
from reporting.conf import reporting_setting
from reporting.outage import dependency_outage
from reporting.principals import Principal, RequestedCommunities

logger = logging.getLogger("reporting.credentials")

_MAX_ENTRIES = 1024


@dataclass(frozen=True)
class Entry:
    principal: Principal
    requested: RequestedCommunities
    epoch: str
    read_at: float


_lock = threading.Lock()
_entries: OrderedDict[tuple[str, tuple[int, ...]], Entry] = OrderedDict()
# The newest epoch this process has read from Redis (None: none yet, so nothing can be tagged).
_seen_epoch: str | None = None


def _seconds() -> float:
    if not settings.REDIS_URL:
        return 0.0
    return float(reporting_setting("CREDENTIALS_CACHE_SECONDS"))


def lookup(token_hash: str, wanted: tuple[int, ...]) -> Entry | None:
    """The cached credentials of this token and X-Customer id list, if read less than the bound ago."""
    seconds = _seconds()
    if seconds <= 0:
        return None
    key = (token_hash, wanted)
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.read_at >= seconds:
            del _entries[key]
            return None
        _entries.move_to_end(key)
        return entry


def seen_epoch() -> str | None:
    """Read before the database: any change committed after that read moves the epoch past this value."""
    return _seen_epoch


def remember(
    token_hash: str, wanted: tuple[int, ...], found: tuple[Principal, RequestedCommunities], epoch: str | None
) -> None:
    if epoch is None or _seconds() <= 0:
        return
    with _lock:
        _entries[(token_hash, wanted)] = Entry(found[0], found[1], epoch, time.monotonic())
        _entries.move_to_end((token_hash, wanted))
        while len(_entries) > _MAX_ENTRIES:
            _entries.popitem(last=False)


def saw(epoch: str | None) -> None:
    """The epoch a charge just read (the newest this process knows)."""
    global _seen_epoch
    if epoch is not None:
        _seen_epoch = epoch


def forget_all() -> None:
    global _seen_epoch
    with _lock:
        _entries.clear()
        _seen_epoch = None


def current_epoch() -> str | None:
    """The epoch now (one Redis call; None when Redis does not answer): for refusals given before the charge."""
    try:
        value = ratelimit.redis_client().get(ratelimit.credentials_epoch_key())
    except Exception as exc:
        if dependency_outage(exc) is None:
            raise
        return None
    return value.decode() if isinstance(value, bytes) else value


def changed() -> None:
    """Credentials changed: every process's entries are stale. Moved now (tests and this process see it at once)
    and again on commit (a reader that read the old rows between the two gets an entry the second move stales)."""
    forget_all()
    if not settings.REDIS_URL:
        return
    _move_epoch()
    transaction.on_commit(_move_epoch)


def _move_epoch() -> None:
    try:
        ratelimit.redis_client().set(ratelimit.credentials_epoch_key(), uuid.uuid4().hex)
    except Exception as exc:
        if dependency_outage(exc) is None:
            raise
        # While Redis is away every request is refused (503); afterwards the time bound still holds.
        logger.warning("could not move the credentials epoch: Redis unreachable")
