"""What every reporting endpoint does before its own work: permits, context, rate-limit charge."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reporting import credentials, ratelimit
from reporting.api.exceptions import MissingPermit, RateLimited
from reporting.api.renderers import FastJSONRenderer, JSONOnlyNegotiation
from reporting.context import ORGANIZATION, Context, resolve_context
from reporting.outage import dependency_outage
from reporting.principals import Principal, RequestedCommunities
from reporting.query.request import lookup_report, require_object
from reporting.reports.declarations import Report


class ReportingView(APIView):
    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    def principal(self, request: Request) -> Principal:
        principal = request.user
        assert isinstance(principal, Principal)
        return principal

    def require(self, request: Request, *permits: str) -> None:
        principal = self.principal(request)
        for permit in permits:
            if not principal.has_permit(permit):
                raise MissingPermit(permit)

    def context(self, request: Request) -> Context:
        context = resolve_context(self.principal(request), request.headers, requested=_requested(request))
        assert context is not None
        return context

    def optional_context(self, request: Request) -> Context | None:
        return resolve_context(self.principal(request), request.headers, required=False, requested=_requested(request))

    def report_request(self, request: Request, endpoint_permit: str) -> tuple[Context, dict[str, Any], Report]:
        """The handling order of docs/api.md up to the charge: endpoint permit, context, an object body, a known
        report, the report's permit."""
        self.require(request, endpoint_permit)
        context = self.context(request)
        body = require_object(request.data)
        report = lookup_report(body)
        self.require(request, report.permit)
        return context, body, report

    def charge(self, request: Request, context: Context | None, cost: int) -> None:
        """Take ``cost`` tokens from the caller's bucket or raise 429; the headers go on every later answer."""
        self.settle(request, self.begin_charge(request, context, cost))

    def begin_charge(self, request: Request, context: Context | None, cost: int) -> ratelimit.PendingCharge:
        """``charge``, sent now and settled by ``settle`` (which must follow, also when the work between fails)."""
        community_ids = context.community_ids if context else ()
        owner = context.owner if context else ORGANIZATION
        bucket = ratelimit.bucket_name(self.principal(request).key, owner, community_ids)
        return ratelimit.begin_charge(bucket, cost, expected_epoch=getattr(request, "credentials_epoch", None))

    def settle(self, request: Request, pending: ratelimit.PendingCharge) -> None:
        charge = pending.result()
        credentials.saw(charge.credentials_epoch)
        if charge.credentials_stale:
            raise _CredentialsChanged
        request.credentials_epoch = None  # type: ignore[attr-defined]  # confirmed
        request.ratelimit_charge = charge  # type: ignore[attr-defined]
        if not charge.allowed:
            raise RateLimited(charge)

    def handle_exception(self, exc: Exception) -> Response:
        request = self.request
        if _unconfirmed_credentials_changed(request, exc):
            # Start over with the credentials read from the database: the first run charged nothing.
            request.credentials_fresh = True  # type: ignore[attr-defined]
            request.credentials_epoch = None  # type: ignore[attr-defined]
            del request._user, request._auth  # type: ignore[attr-defined]  # DRF authenticates again on next read
            try:
                self.initial(request, *self.args, **self.kwargs)
                handler = getattr(self, str(request.method).lower(), self.http_method_not_allowed)
                response: Response = handler(request, *self.args, **self.kwargs)
                return response
            except Exception as again:
                return super().handle_exception(again)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        charge = getattr(request, "ratelimit_charge", None)
        if charge is not None:
            for name, value in charge.headers().items():
                response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)


class _CredentialsChanged(Exception):
    """The charge found the credentials epoch moved since the request's cached credentials were read."""


def _unconfirmed_credentials_changed(request: Request, exc: Exception) -> bool:
    """Whether ``exc`` was raised while the request ran on cached credentials that a change has made stale (a
    refusal before the charge is confirmed against the epoch now; one Redis call, on refusals only)."""
    expected = getattr(request, "credentials_epoch", None)
    if expected is None:
        return False
    if isinstance(exc, _CredentialsChanged):
        return True
    if dependency_outage(exc) is not None:
        return False  # the same outage would answer again
    return credentials.current_epoch() != expected


def _requested(request: Request) -> RequestedCommunities | None:
    """The communities read with the token (ApiTokenAuthentication), when a token authenticated the request."""
    return getattr(request, "requested_communities", None)


@contextmanager
def settled_before_sql(settle: Callable[[], object]) -> Iterator[None]:
    """Calls ``settle`` before the block's first SQL statement on any database connection, or as the block ends
    without one (also by an exception, which a refusal then replaces): a charge sent before the block is answered
    while the block validates and plans, and no statement runs for a request the charge refuses."""
    unsettled = True

    def settle_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal unsettled
        if unsettled:
            unsettled = False
            settle()
        return execute(sql, params, many, context)

    with ExitStack() as wrappers:
        for alias in connections:
            wrappers.enter_context(connections[alias].execute_wrapper(settle_first))
        try:
            yield
        finally:
            if unsettled:
                unsettled = False
                settle()
