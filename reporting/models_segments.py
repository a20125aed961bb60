"""Segments: a named filter of one community's members, shared with the community's dashboard users.

The filter is stored as the exact tree the API's query body takes (reporting-api.md §4a) and validated by the
API's own ``parse_filter`` whenever a segment is saved; it is validated again each time it is used, because the
report declaration may have changed since. There is no second filter representation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from reporting.query.errors import ErrorTree
from reporting.query.filters import parse_filter
from reporting.reports import get_report

__all__ = ["MAX_SEGMENT_NAME", "Segment", "segment_filter_errors"]

MAX_SEGMENT_NAME = 100


def segment_filter_errors(report_name: str, raw: Any) -> dict[str, Any]:
    """The API's validation details of a segment's filter for its report (empty when valid)."""
    report = get_report(report_name)
    errors = ErrorTree()
    if report is None or report.result_type != "records":
        errors.add(("report",), "invalid_value", expected="a records report")
    elif raw is None:
        errors.add(("filter",), "required")  # a segment narrows; "every member" is the club itself
    else:
        parse_filter(raw, report, errors)
    return errors.details


class Segment(models.Model):
    community = models.ForeignKey("reporting.Community", on_delete=models.CASCADE, related_name="+")
    report = models.TextField(default="members")
    name = models.CharField(max_length=MAX_SEGMENT_NAME)
    filter = models.JSONField(help_text="The API's filter tree (reporting-api.md §4a), validated on every save")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["community_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="segment_unique_community_name"),
            models.CheckConstraint(condition=~models.Q(name=""), name="segment_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.report}, community {self.community_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every write path (the dashboards, admin, a shell) goes through the API's validator.
        details = segment_filter_errors(self.report, self.filter)
        if details:
            raise ValidationError({"filter": f"Not a valid filter of report {self.report}: {details}"})
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError({"name": "A segment needs a name."})
        details = segment_filter_errors(self.report, self.filter)
        if details:
            raise ValidationError({"filter": f"Not a valid filter of report {self.report}: {details}"})
