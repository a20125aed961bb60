"""Opaque, tamper-proof page cursors bound to one query in one context.

A cursor carries the sort-key values of the last row returned (keyset pagination, never an offset) and a
fingerprint of the report, filter, aggregation and communities. Django's signing (HMAC over SECRET_KEY) makes
it tamper-proof; a cursor from another query or context is ``invalid_cursor``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import signing

_SALT = "reporting.cursor.v1"
_COMPRESS_TEXT_OVER = 64


def fingerprint(*, report: str, filter_raw: Any, aggregate_by: str | None, community_ids: Sequence[int]) -> str:
    canonical = json.dumps(
        [report, filter_raw, aggregate_by, sorted(community_ids)], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def encode(*, query_fingerprint: str, keys: Sequence[Any]) -> str:
    # Setting up zlib costs more than the rest of a records page's cursor work, and numeric keys do not shrink:
    # only long text keys are compressed (decode reads either form).
    payload = {"q": query_fingerprint, "k": list(keys)}
    if any(isinstance(key, str) and len(key) > _COMPRESS_TEXT_OVER for key in keys):
        return signing.dumps(payload, salt=_SALT, compress=True)
    return _signed(json.dumps(payload, separators=(",", ":")).encode("latin-1"))


def _signed(data: bytes) -> str:
    """``signing.dumps(..., salt=_SALT)`` of serialised ``data``, the same text: Django's TimestampSigner derives
    the HMAC key from the salt and SECRET_KEY on every call, which was most of a records page's cursor."""
    value = f"{signing.b64_encode(data).decode()}:{signing.b62_encode(int(time.time()))}"
    mac = hmac.new(_signing_key(settings.SECRET_KEY), value.encode(), hashlib.sha256).digest()
    return f"{value}:{signing.b64_encode(mac).decode()}"


@functools.lru_cache(maxsize=4)
def _signing_key(secret: str | bytes) -> bytes:
    """django.utils.crypto.salted_hmac's derived key for a Signer salted with ``_SALT`` (keyed by the secret, so
    a changed SECRET_KEY signs with the new one)."""
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(f"{_SALT}signer".encode() + secret_bytes).digest()


def decode(token: Any, *, query_fingerprint: str, key_count: int) -> list[Any] | None:
    """The keys of a valid cursor for this query, or None when it is not one."""
    # Cursors we issue are URL-safe ASCII; anything else (a lone surrogate would crash the HMAC) is not one.
    if not isinstance(token, str) or len(token) > 4096 or not token.isascii():
        return None
    try:
        payload = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("q") != query_fingerprint:
        return None
    keys = payload.get("k")
    if not isinstance(keys, list) or len(keys) != key_count:
        return None
    return keys
