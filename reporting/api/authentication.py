"""Bearer tokens (``Authorization: Bearer`` or ``X-Client-Authorization``) and browser sessions with CSRF."""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from reporting import credentials
from reporting.context import ContextError, parse_customer_header
from reporting.principals import Principal, client_principal, hash_token, user_principal


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'")
        return token.strip()
    header = request.headers.get("X-Client-Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else header.strip()
        if not token:
            raise exceptions.AuthenticationFailed("Invalid X-Client-Authorization header")
        return token
    return None


def _requested_ids(request: Request) -> tuple[int, ...]:
    """The community ids an X-Customer id list names, read with the token; any other header is left to
    reporting.context, which answers it in the view's order of checks."""
    customer = request.headers.get("X-Customer")
    if customer is None:
        return ()
    try:
        return parse_customer_header(customer).ids
    except ContextError:
        return ()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        token = _presented_token(request)
        if token is None:
            return None
        token_hash, wanted = hash_token(token), _requested_ids(request)
        entry = None if getattr(request, "credentials_fresh", False) else credentials.lookup(token_hash, wanted)
        if entry is not None:
            principal, requested = entry.principal, entry.requested
            # Confirmed by the rate-limit charge (or before a refusal) against the epoch now: ReportingView.
            request.credentials_epoch = entry.epoch  # type: ignore[attr-defined]
        else:
            tag = credentials.seen_epoch()  # before the read: a change committed after it moves the epoch past it
            found = client_principal(token_hash, wanted)
            if found is None:
                raise exceptions.AuthenticationFailed("Invalid token")
            credentials.remember(token_hash, wanted, found, tag)
            principal, requested = found
        # reporting.context decides access from these rows instead of asking the database again.
        request.requested_communities = requested  # type: ignore[attr-defined]
        return principal, None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="reporting"'


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """The logged-in dashboard user, CSRF enforced as DRF intends for session auth."""

    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        return user_principal(result[0]), None
