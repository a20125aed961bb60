"""Permit names of reporting-api.md §3."""

from __future__ import annotations

QUERY = "Reporting:Api:Query"
EXPORT = "Reporting:Api:Export"
TENANTS_EXPORT = "Reporting:Api:TenantsExport"
INGEST = "Reporting:Api:Ingest"
GEO_PLACES = "Geo:Api:Places"
REPORT_PREFIX = "Reporting:Api:Report:"

REPORT_SUFFIXES = (
    "Members",
    "MembersCount",
    "MembersGroupedCount",
    "MemberBalance",
    "MembersCountSnapshot",
    "MembersCountHistory",
)

ALL = (QUERY, EXPORT, TENANTS_EXPORT, INGEST, GEO_PLACES, *(REPORT_PREFIX + s for s in REPORT_SUFFIXES))


def report_permit(suffix: str) -> str:
    return REPORT_PREFIX + suffix
