"""Token buckets of reporting-api.md §4, charged atomically across processes.

With ``REDIS_URL`` a Lua script does read-refill-charge in one Redis call; otherwise one PostgreSQL
statement (INSERT … ON CONFLICT DO UPDATE) does the same under the row lock. A request that finds fewer tokens
than its cost is refused and charged nothing. ``remaining`` is the whole tokens the bucket holds, never negative
(what a client can still spend; ``Retry-After`` says when the refused cost fits).

While Redis is unreachable nothing is charged and nothing is admitted: the connection error reaches
reporting.outage, which answers 503 (docs/api.md, "Rate limits").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from reporting.conf import reporting_setting


@dataclass(frozen=True)
class Charge:
    bucket: str
    cost: int
    limit: int
    remaining: int
    allowed: bool
    retry_after: int
    # The credentials epoch read in the same Redis call (reporting.credentials); None without Redis.
    credentials_epoch: str | None = None
    # The request's cached credentials were older than the epoch: nothing was charged, the view must resolve the
    # credentials again from the database and start over.
    credentials_stale: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "ratelimit-bucket": self.bucket,
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-cost": str(self.cost),
        }


def bucket_name(principal_key: str, owner: str, community_ids: tuple[int, ...]) -> str:
    if owner == "Customer" and len(community_ids) == 1:
        return f"{principal_key}:Customer:{community_ids[0]}"
    return f"{principal_key}:Organization"


def charge(bucket: str, cost: int, *, expected_epoch: str | None = None) -> Charge:
    """Take ``cost`` tokens from ``bucket``. With ``expected_epoch`` (the epoch cached credentials were read
    under) nothing is charged when the credentials epoch has moved since: the answer says ``credentials_stale``."""
    return begin_charge(bucket, cost, expected_epoch=expected_epoch).result()


def begin_charge(bucket: str, cost: int, *, expected_epoch: str | None = None) -> PendingCharge:
    """``charge``, sent now and answered by ``result()``: with Redis, the caller's work that needs no database
    overlaps the round trip. ``result()`` must be called, also when that work fails."""
    return PendingCharge(bucket, cost, expected_epoch)


class PendingCharge:
    def __init__(self, bucket: str, cost: int, expected_epoch: str | None):
        self.bucket, self.cost = bucket, cost
        self.capacity = float(reporting_setting("RATE_LIMIT_CAPACITY"))
        self.rate = float(reporting_setting("RATE_LIMIT_REFILL_PER_SECOND"))
        # A full bucket always admits one request, however costly, so no request is refused forever.
        self.effective = min(float(cost), self.capacity)
        self._call: _ScriptCall | None = None
        self._result: Charge | None = None
        if settings.REDIS_URL:
            self._call = _send_charge(bucket, self.capacity, self.rate, self.effective, expected_epoch or "")
        else:
            # Buckets in PostgreSQL are charged now, in autocommit, as before: deferred, the charge would join the
            # transaction of the request's first statement and be undone with it (a query that times out).
            self._result = self._charged(*_charge_database(bucket, self.capacity, self.rate, self.effective))

    def result(self) -> Charge:
        if self._result is None:
            assert self._call is not None
            allowed, tokens, epoch = _charge_answer(self._call)
            if allowed is None:
                stale = Charge(self.bucket, self.cost, int(self.capacity), 0, False, 0, epoch, credentials_stale=True)
                self._result = stale
            else:
                self._result = self._charged(allowed, tokens, epoch)
        return self._result

    def _charged(self, allowed: bool, tokens: float, epoch: str | None = None) -> Charge:
        # Refused: the bucket holds what is available; charged: what is left. Either way what the client can spend.
        remaining = max(0, math.floor(tokens))
        retry_after = 0 if allowed else max(1, math.ceil((self.effective - tokens) / self.rate))
        return Charge(
            bucket=self.bucket,
            cost=self.cost,
            limit=int(self.capacity),
            remaining=remaining,
            allowed=allowed,
            retry_after=retry_after,
            credentials_epoch=epoch,
        )


_DATABASE_SQL = """
INSERT INTO reporting_ratelimitbucket AS b (key, tokens, updated_at, last_charged)
VALUES (%(key)s, %(capacity)s - %(cost)s, statement_timestamp(), TRUE)
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(%(capacity)s, b.tokens + %(rate)s * EXTRACT(EPOCH FROM statement_timestamp() - b.updated_at))
        - CASE WHEN LEAST(%(capacity)s, b.tokens + %(rate)s * EXTRACT(EPOCH FROM statement_timestamp() - b.updated_at))
                    >= %(cost)s THEN %(cost)s ELSE 0 END,
    last_charged = LEAST(%(capacity)s, b.tokens + %(rate)s * EXTRACT(EPOCH FROM statement_timestamp() - b.updated_at))
        >= %(cost)s,
    updated_at = statement_timestamp()
RETURNING tokens, last_charged
"""


def _charge_database(bucket: str, capacity: float, rate: float, cost: float) -> tuple[bool, float]:
    with connection.cursor() as cursor:
        cursor.execute(_DATABASE_SQL, {"key": bucket, "capacity": capacity, "rate": rate, "cost": cost})
        tokens, charged = cursor.fetchone()
    # When refused, the row holds the tokens available; when charged, what is left after the charge.
    return bool(charged), float(tokens)


# KEYS[2] is the credentials epoch (reporting.credentials), read here so that confirming cached credentials costs
# no round trip of its own. A missing epoch (a new or flushed Redis) is set to one no earlier epoch can equal.
_LUA = """
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  local started = redis.call('TIME')
  epoch = 'start-' .. started[1] .. '-' .. started[2]
  redis.call('SET', KEYS[2], epoch)
end
if ARGV[4] ~= '' and ARGV[4] ~= epoch then
  return {-1, '0', epoch}
end
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return {allowed, tostring(tokens), epoch}
"""


@functools.cache
def _redis_script(url: str) -> Any:
    import redis

    # Bounded waits: a Redis that hangs (rather than refuses) must become a 503, not a stuck worker.
    timeout = float(reporting_setting("REDIS_TIMEOUT_SECONDS"))
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    return client.register_script(_LUA)


def redis_client() -> Any:
    """The Redis client of the rate limits (bounded waits), shared by reporting.credentials."""
    return _redis_script(settings.REDIS_URL).registered_client


def credentials_epoch_key() -> str:
    return f"{reporting_setting('RATE_LIMIT_NAMESPACE')}:credentials:epoch"


def _send_charge(bucket: str, capacity: float, rate: float, cost: float, expected_epoch: str) -> _ScriptCall:
    namespace = reporting_setting("RATE_LIMIT_NAMESPACE")
    keys = (f"{namespace}:ratelimit:{bucket}", credentials_epoch_key())
    return _ScriptCall(_redis_script(settings.REDIS_URL), keys, (capacity, rate, cost, expected_epoch))


def _charge_answer(call: _ScriptCall) -> tuple[bool | None, float, str]:
    allowed, tokens, epoch = call.answer()
    epoch = epoch.decode() if isinstance(epoch, bytes) else str(epoch)
    if int(allowed) < 0:
        return None, 0.0, epoch
    return bool(int(allowed)), float(tokens), epoch


class _ScriptCall:
    """One EVALSHA on a pooled connection, sent now, its answer read by ``answer()``.

    Every API request pays for this call, and redis-py's per-command layers (retries with backoff, operation
    metrics) were a third of it. Nothing is retried here: a Lua charge is not idempotent, and an unreachable
    Redis must answer 503 at once (reporting.outage). The pool still replaces a connection a restarted Redis
    closed before handing it out; a Redis that lost its scripts (NOSCRIPT) gets this one loaded again."""

    def __init__(self, script: Any, keys: tuple[str, ...], args: tuple[Any, ...]):
        self.script, self.arguments = script, (len(keys), *keys, *args)
        self.pool = script.registered_client.connection_pool
        self.connection = self.pool.get_connection()
        try:
            self.connection.send_command("EVALSHA", script.sha, *self.arguments)
        except BaseException:
            self._release(broken=True)
            raise

    def answer(self) -> Any:
        from redis.exceptions import NoScriptError

        try:
            try:
                answer = self.connection.read_response()
            except NoScriptError:
                self.script.sha = self.script.registered_client.script_load(self.script.script)
                self.connection.send_command("EVALSHA", self.script.sha, *self.arguments)
                answer = self.connection.read_response()
        except BaseException:
            self._release(broken=True)
            raise
        self._release(broken=False)
        return answer

    def _release(self, *, broken: bool) -> None:
        if broken:
            # A command whose answer was not read (a timeout, an interrupt) would leave it for the next caller.
            self.connection.disconnect()
        self.pool.release(self.connection)
