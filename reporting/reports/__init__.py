"""The report registry: every report the API, exports and dashboards know, each declared once."""

from __future__ import annotations

from reporting.reports.declarations import Report
from reporting.reports.grouped_count import MEMBERS_GROUPED_COUNT
from reporting.reports.history import MEMBER_BALANCE, MEMBERS_COUNT_HISTORY, MEMBERS_COUNT_SNAPSHOT
from reporting.reports.members import MEMBERS, MEMBERS_COUNT

REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        MEMBERS,
        MEMBERS_COUNT,
        MEMBERS_GROUPED_COUNT,
        MEMBER_BALANCE,
        MEMBERS_COUNT_SNAPSHOT,
        MEMBERS_COUNT_HISTORY,
    )
}


def get_report(name: str) -> Report | None:
    return REPORTS.get(name)


def all_reports() -> list[Report]:
    return list(REPORTS.values())
