"""The store of record: tenants, analytical member records, their join/leave history, places and API clients.

Nothing here holds personal data except ``Member.birth_date``, which ingestion.md allows as a private column so
that the exposed ``age`` bucket can be recomputed daily; it is in no report declaration, export or page.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed, post_delete, post_save

from reporting import enums


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown IANA timezone {value!r}")


def _in(field: str, values: tuple[str, ...], *, nullable: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__in": values})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"%(class)s_{field}_valid")


class CredentialsQuerySet(models.QuerySet):
    """Bulk changes to what API credentials resolve to (clients, communities) move the credentials epoch, so no
    process answers from credentials cached before them (reporting.credentials)."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        _credentials_changed()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        result = super().delete()
        _credentials_changed()
        return result

    # A community created in bulk may be one a cached request named before it existed (a 403 then).
    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        created = super().bulk_create(*args, **kwargs)
        _credentials_changed()
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(*args, **kwargs)
        _credentials_changed()
        return count


def _credentials_changed(*args: Any, **kwargs: Any) -> None:
    from reporting import credentials  # it reads principals, which read these models

    credentials.changed()


class Community(models.Model):
    """A loyalty club: the tenant every query is scoped to."""

    id = models.PositiveIntegerField(primary_key=True)
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, validators=[validate_timezone], default="UTC")
    # Lower-cased optin_channel -> optin_platform; wins over the default rule of ingestion.md.
    optin_platform_overrides = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CredentialsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Member(models.Model):
    """The analytical member record of the seed; one row per current member."""

    id = models.BigIntegerField(primary_key=True)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, db_index=False, related_name="+")
    optin_channel = models.TextField(null=True)
    optin_subchannel = models.TextField(null=True)
    optin_platform = models.TextField(choices=enums.choices(enums.OPTIN_PLATFORMS))
    gender = models.TextField(null=True)
    age = models.TextField(null=True, choices=enums.choices(enums.AGE_BUCKETS))
    birth_year_group = models.IntegerField(null=True)
    birth_date = models.DateField(null=True)  # private: only for the daily age refresh, never exposed
    subunit_ids = ArrayField(models.BigIntegerField(), default=list)
    group_ids = ArrayField(models.BigIntegerField(), default=list)
    favorite_stores = ArrayField(models.BigIntegerField(), default=list)
    properties = models.JSONField(default=dict)
    consents = models.JSONField(default=dict)
    marketing_via_sms = models.BooleanField(default=False)
    marketing_via_email = models.BooleanField(default=False)
    marketing_via_push = models.BooleanField(default=False)
    marketing_via_anything = models.BooleanField(default=False)
    sms_status = models.TextField(choices=enums.choices(enums.SMS_STATUSES), default="disabled")
    email_status = models.TextField(choices=enums.choices(enums.EMAIL_STATUSES), default="disabled")
    push_status = models.TextField(choices=enums.choices(enums.PUSH_STATUSES), default="disabled")
    push_devices = models.IntegerField(default=0)
    msisdn_country = models.CharField(max_length=2, null=True)
    location_country = models.CharField(max_length=2, null=True)
    city_place_id = models.TextField(null=True)
    place_id = models.TextField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # properties.interests as a set of texts, kept by PostgreSQL itself: interests_count unnests it instead of
    # de-duplicating each member's JSON list at query time (3.6x faster at a million members).
    interest_set = models.GeneratedField(
        expression=Func(
            F("properties"), function="reporting_interest_set", output_field=ArrayField(models.TextField())
        ),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )

    class Meta:
        indexes = [
            # Keyset pagination and every per-community scan walk this one. (An index covering the grouped
            # columns was measured and dropped: at a million members the planner still preferred a parallel
            # sequential scan, and every insert paid for the wider index; see docs/performance.md.)
            models.Index(fields=["community", "id"], name="member_community_id_idx"),
            GinIndex(fields=["consents"], name="member_consents_gin", opclasses=["jsonb_path_ops"]),
            GinIndex(fields=["properties"], name="member_properties_gin", opclasses=["jsonb_path_ops"]),
            GinIndex(fields=["group_ids"], name="member_group_ids_gin"),
            GinIndex(fields=["subunit_ids"], name="member_subunit_ids_gin"),
            GinIndex(fields=["favorite_stores"], name="member_favorite_stores_gin"),
            models.Index(fields=["community", "created_at"], name="member_community_created_idx"),
        ]
        constraints = [
            _in("optin_platform", enums.OPTIN_PLATFORMS),
            _in("age", enums.AGE_BUCKETS, nullable=True),
            _in("sms_status", enums.SMS_STATUSES),
            _in("email_status", enums.EMAIL_STATUSES),
            _in("push_status", enums.PUSH_STATUSES),
            models.CheckConstraint(condition=Q(push_devices__gte=0), name="member_push_devices_gte_0"),
        ]


class MemberTombstone(models.Model):
    """A member deleted by its club, so that a late, older update of that club cannot bring it back.

    One per (club, member id): a club's tombstone only ever blocks that club's own writes, so a client cannot
    stop another club from creating an id by deleting it first (docs/ingestion.md, "Clubs and ids").
    """

    id = models.BigAutoField(primary_key=True)
    member_id = models.BigIntegerField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE, db_index=False, related_name="+")
    deleted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "member_id"], name="tombstone_unique_community_member")
        ]


class MemberEvent(models.Model):
    """A join (``in``) or leave (``out``) with the member's attributes at that time."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, db_index=False, related_name="+")
    member_id = models.BigIntegerField()
    type = models.TextField(choices=enums.choices(enums.EVENT_TYPES))
    occurred_at = models.DateTimeField()
    optin_channel = models.TextField(null=True)
    optin_subchannel = models.TextField(null=True)
    optin_platform = models.TextField()
    gender = models.TextField(null=True)
    age = models.TextField(null=True)
    consents = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["community", "occurred_at"], name="event_community_time_idx")]
        constraints = [
            # Per club: a club re-using an id another club released still records its own join at any instant.
            models.UniqueConstraint(
                fields=["community", "member_id", "type", "occurred_at"], name="event_unique_club_occurrence"
            ),
            _in("type", enums.EVENT_TYPES),
        ]


class MemberCountSnapshot(models.Model):
    """How many members a community had per grouping value at the start of one 15-minute period (UTC-aligned).

    Written only by ``reporting.snapshots.snapshots_take`` (one set-based statement per run, first run of a
    period wins); read by ``members_grouped_count`` (the latest period) and ``members_count_snapshot`` (the last
    value in each bucket). A value a community once had and no longer has carries on with ``members_count = 0``,
    so a series drops to zero instead of ending. See docs/snapshots.md.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, db_index=False, related_name="+")
    grouping_type = models.TextField(choices=enums.choices(enums.GROUPING_TYPES))
    grouping_value = models.TextField(null=True)
    members_count = models.BigIntegerField()
    taken_at = models.DateTimeField()  # the period start, not the clock time of the run
    changed_at = models.DateTimeField()  # when members_count last differed from the previous snapshot

    class Meta:
        indexes = [
            # "The latest period of these communities" (members_grouped_count, freshness check).
            models.Index(fields=["community", "-taken_at"], name="snapshot_community_taken_idx"),
        ]
        constraints = [
            # Also the index of every timeseries read: community, grouping, value, then time.
            models.UniqueConstraint(
                fields=["community", "grouping_type", "grouping_value", "taken_at"],
                name="snapshot_unique_period_value",
                nulls_distinct=False,
            ),
            _in("grouping_type", enums.GROUPING_TYPES),
            models.CheckConstraint(condition=Q(members_count__gte=0), name="snapshot_members_count_gte_0"),
        ]


class Place(models.Model):
    """GeoNames country or city; ids as reporting-api.md §10 (alpha-2 for countries, GeoNames id otherwise)."""

    id = models.TextField(primary_key=True)
    type = models.TextField(choices=enums.choices(enums.PLACE_TYPES))
    name = models.TextField()
    country = models.CharField(max_length=2)
    parent_id = models.TextField(null=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    timezone = models.TextField(null=True)
    population = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["type", "country"], name="place_type_country_idx"),
            models.Index(fields=["parent_id"], name="place_parent_idx"),
            models.Index(OpClass(Lower("name"), name="text_pattern_ops"), name="place_lower_name_idx"),
        ]
        constraints = [_in("type", enums.PLACE_TYPES)]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class ApiClient(models.Model):
    """A system that calls the Reporting API with a bearer token. Only the token's SHA-256 is stored."""

    name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12, help_text="First characters of the token, to recognise it")
    permits = ArrayField(models.TextField(), default=list)
    all_communities = models.BooleanField(default=False)
    communities = models.ManyToManyField(Community, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the token was last replaced (rotate_api_token, admin action); the old token stopped working then.
    token_rotated_at = models.DateTimeField(null=True, blank=True)
    # Revocation is final: the token is refused from the next request on, and it cannot be re-activated.
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CredentialsQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"


for _model in (Community, ApiClient):
    post_save.connect(_credentials_changed, sender=_model, dispatch_uid=f"credentials.save.{_model.__name__}")
    post_delete.connect(_credentials_changed, sender=_model, dispatch_uid=f"credentials.delete.{_model.__name__}")
m2m_changed.connect(_credentials_changed, sender=ApiClient.communities.through, dispatch_uid="credentials.grants")


class CommunityAccess(models.Model):
    """A dashboard user's access to one community, with a role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_access")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    role = models.TextField(choices=enums.choices(enums.ROLES), default="marketer")

    class Meta:
        verbose_name_plural = "community access"
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="access_unique_user_community"),
            _in("role", enums.ROLES),
        ]


class RateLimitBucket(models.Model):
    """Token bucket state when no Redis is configured; charged with one atomic statement."""

    key = models.TextField(primary_key=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()
    last_charged = models.BooleanField(default=True)


from reporting.models_audit import *  # noqa: E402,F403 - the audit log lives in its own module
from reporting.models_exports import *  # noqa: E402,F403 - export models live in their own module
from reporting.models_segments import *  # noqa: E402,F403 - segments live in their own module


class EventDailyRollup(models.Model):
    """Join/leave events counted per club, local date (in the club's time zone) and the attributes the history
    reports group and filter by; maintained by PostgreSQL triggers on ``reporting_memberevent`` in the writing
    transaction (``reporting/rollups/events.py``, docs/performance.md "Daily event rollups").

    Column names are the event table's, so a filter compiled for the events runs on this table unchanged. ``slot``
    spreads concurrent writers of the same day over different rows; readers sum over it. ``events`` is never 0:
    a row whose events all went is removed.
    """

    community_id = models.BigIntegerField()
    local_date = models.DateField()
    type = models.TextField(choices=enums.choices(enums.EVENT_TYPES))
    optin_channel = models.TextField(null=True)
    optin_subchannel = models.TextField(null=True)
    optin_platform = models.TextField()
    gender = models.TextField(null=True)
    slot = models.SmallIntegerField(default=0)
    events = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index of every read: community, then the local date range.
            models.UniqueConstraint(
                fields=[
                    "community_id", "local_date", "type", "optin_channel", "optin_subchannel", "optin_platform",
                    "gender", "slot",
                ],
                name="event_daily_unique_key",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(events__gt=0), name="event_daily_events_gt_0"),
        ]  # fmt: skip
