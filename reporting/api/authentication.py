"""Bearer tokens (``Authorization: Bearer`` or ``X-Client-Authorization``) and browser sessions with CSRF."""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.request import Request

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


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        token = _presented_token(request)
        if token is None:
            return None
        principal = client_principal(hash_token(token))
        if principal is None:
            raise exceptions.AuthenticationFailed("Invalid token")
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
