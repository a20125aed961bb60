from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import permits
from reporting.api import schema
from reporting.api.base import ReportingView
from reporting.conf import reporting_setting
from reporting.ingestion.service import ingest_members
from reporting.observability.metrics import record_ingestion
from reporting.query import errors
from reporting.query.errors import ErrorTree
from reporting.query.request import reject_unknown_keys, require_object


class IngestMembersView(ReportingView):
    """Operational members in, analytical records out (ingestion.md); bad members are rejected one by one."""

    @extend_schema(**schema.INGEST)
    def post(self, request: Request) -> Response:
        self.require(request, permits.INGEST)
        body = require_object(request.data)
        errors_ = ErrorTree()
        reject_unknown_keys(body, {"members"}, errors_)
        members = body.get("members")
        maximum: int = reporting_setting("INGEST_MAX_MEMBERS")
        if "members" not in body:
            errors_.add(("members",), errors.REQUIRED)
        elif not isinstance(members, list):
            errors_.add(("members",), errors.INVALID_TYPE, expected="array")
        elif len(members) > maximum:
            errors_.add(("members",), errors.TOO_MANY, max_items=maximum)
        else:
            # The body's shape is checked here; each member's content is checked on its own (`rejected`).
            for index, member in enumerate(members):
                if not isinstance(member, dict):
                    errors_.add(("members", index), errors.INVALID_TYPE, expected="object")
        errors_.raise_if_any()
        assert isinstance(members, list)
        self.charge(request, None, 1)
        principal = self.principal(request)
        allowed = None if principal.all_communities else principal.community_ids
        result = ingest_members(members, allowed_community_ids=allowed)
        record_ingestion(lines=len(members), rejected=len(result.rejected))
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
                "rejected": [{"index": r.index, "details": r.details} for r in result.rejected],
            }
        )
