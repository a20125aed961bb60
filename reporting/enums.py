"""Closed value sets of the analytical member record (seed-members-report.txt)."""

from __future__ import annotations

OPTIN_PLATFORMS = ("android", "ios", "website", "webforms", "other")
AGE_BUCKETS = (
    "-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-",
)  # fmt: skip
SMS_STATUSES = ("disabled", "enabled", "verified", "barred")
# "unsubscribed" is deprecated upstream but still arrives from older systems, so it stays accepted.
EMAIL_STATUSES = ("disabled", "enabled", "verified", "complained", "hard_bounced", "unsubscribed")
PUSH_STATUSES = ("disabled", "enabled")
EVENT_TYPES = ("in", "out")
ROLES = ("marketer", "admin")
PLACE_TYPES = ("country", "city")
# reporting-api.md §5.3: what a count snapshot (and members_grouped_count) groups members by. "total" is the
# whole community (grouping_value NULL); the marketing_via_* values are the texts "true"/"false".
GROUPING_TYPES = (
    "total", "optin_channel", "optin_subchannel", "optin_platform", "gender", "age", "location_country",
    "marketing_via_sms", "marketing_via_email", "marketing_via_push", "marketing_via_anything",
)  # fmt: skip


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]
