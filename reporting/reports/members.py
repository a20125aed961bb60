"""The ``members`` report of seed-members-report.txt, and the ``members_count`` report (ours)."""

from __future__ import annotations

from dataclasses import replace

from reporting import enums, permits
from reporting.reports.declarations import (
    Aggregation,
    Field,
    FieldType,
    GroupKey,
    KeyedKind,
    Measure,
    Report,
    Source,
)

T = FieldType

MEMBER_FIELDS: tuple[Field, ...] = (
    Field("id", T.INTEGER, "m.id", "ID of member", nullable=False),
    Field(
        "community_id",
        T.INTEGER,
        "m.community_id",
        "ID of member's community (via X-Customer header; the context is the only way to scope by community)",
        filterable=False,
        nullable=False,
    ),
    Field("optin_channel", T.STRING, "m.optin_channel", "Member's optin_channel (X-Product-Name at creation)"),
    Field(
        "optin_subchannel",
        T.STRING,
        "m.optin_subchannel",
        "Member's optin_subchannel (X-Subproduct-Name at creation)",
    ),
    Field(
        "optin_platform",
        T.ENUM,
        "m.optin_platform",
        "Platform used by member to opt-in, derived from optin_channel",
        values=enums.OPTIN_PLATFORMS,
        nullable=False,
    ),
    Field("gender", T.STRING, "m.gender", "Member's gender, from the member property with key gender"),
    Field("age", T.ENUM, "m.age", "Range of member's age", values=enums.AGE_BUCKETS),
    Field(
        "birth_year_group",
        T.INTEGER,
        "m.birth_year_group",
        "5 year range in which member was born (2000: 2000-2004)",
    ),
    Field(
        "subunit_ids",
        T.INTEGER_ARRAY,
        "m.subunit_ids",
        "IDs of subunits the member is assigned to",
        nullable=False,
    ),
    Field("group_ids", T.INTEGER_ARRAY, "m.group_ids", "IDs of member groups (lists, programs)", nullable=False),
    Field(
        "favorite_stores",
        T.INTEGER_ARRAY,
        "m.favorite_stores",
        "IDs of member's favorite stores",
        nullable=False,
    ),
    Field(
        "properties",
        T.OBJECT,
        "m.properties",
        "Member's properties without personal data; keys filterable as properties.<key>",
        filterable=False,
        keyed=KeyedKind.DYNAMIC,
        nullable=False,
    ),
    Field(
        "consents",
        T.OBJECT,
        "m.consents",
        "Statuses of member's consents (name -> boolean); keys filterable as consents.<key>",
        filterable=False,
        keyed=KeyedKind.BOOLEAN,
        nullable=False,
    ),
    Field(
        "marketing_via_sms",
        T.BOOLEAN,
        "m.marketing_via_sms",
        "msisdn provided, sms_status verified and sms_marketing consent",
        nullable=False,
    ),
    Field(
        "marketing_via_email",
        T.BOOLEAN,
        "m.marketing_via_email",
        "email provided, email_status enabled or verified and email_marketing consent",
        nullable=False,
    ),
    Field(
        "marketing_via_push",
        T.BOOLEAN,
        "m.marketing_via_push",
        "at least one push device token and push_status enabled",
        nullable=False,
    ),
    Field(
        "marketing_via_anything",
        T.BOOLEAN,
        "m.marketing_via_anything",
        "any of marketing_via_sms, marketing_via_email, marketing_via_push",
        nullable=False,
    ),
    Field(
        "sms_status",
        T.ENUM,
        "m.sms_status",
        "Status of member's SMS channel",
        values=enums.SMS_STATUSES,
        nullable=False,
    ),
    Field(
        "email_status",
        T.ENUM,
        "m.email_status",
        "Status of member's email channel (unsubscribed is deprecated)",
        values=enums.EMAIL_STATUSES,
        nullable=False,
    ),
    Field(
        "push_status",
        T.ENUM,
        "m.push_status",
        "Status of member's push channel",
        values=enums.PUSH_STATUSES,
        nullable=False,
    ),
    Field(
        "push_devices",
        T.INTEGER,
        "m.push_devices",
        "Number of push provider tokens registered",
        nullable=False,
    ),
    Field(
        "msisdn_country",
        T.STRING,
        "m.msisdn_country",
        "ISO 3166-1 alpha-2 country of the msisdn's country code",
    ),
    Field(
        "location_country",
        T.STRING,
        "m.location_country",
        "ISO 3166-1 alpha-2 country from property, place or the club's country",
    ),
    Field("city_place_id", T.STRING, "m.city_place_id", "ID of the place which is member's city"),
    Field("place_id", T.STRING, "m.place_id", "ID of the place which is member's most detailed location"),
    Field("created_at", T.TIMESTAMP, "m.created_at", "Time of member's creation", nullable=False),
    Field("updated_at", T.TIMESTAMP, "m.updated_at", "Time of member's last update", nullable=False),
)

# Every member field is the reporting_member column of its name (``m.<name>``), and reads that column alone.
MEMBER_FIELDS = tuple(replace(f, reads=(f.name,)) for f in MEMBER_FIELDS)

_FIELDS = {f.name: f for f in MEMBER_FIELDS}


def _distribution(field_name: str, description: str, *, stem: str | None = None) -> tuple[Aggregation, Aggregation]:
    """The per-community and all-communities distribution of one member field.

    The aggregations are named ``<stem>_count`` and ``total_<stem>_count``; the stem is the field's name unless
    the seed names them otherwise (``place_count`` groups by ``place_id``).
    """
    source = _FIELDS[field_name]
    group = GroupKey(field_name, source.sql, source.type, source.values, reads=source.reads)
    name = stem or field_name
    return (
        Aggregation(f"{name}_count", f"Fetch distribution of {description}.", (group,)),
        Aggregation(
            f"total_{name}_count",
            f"Fetch distribution of {description} in context of all available communities.",
            (group,),
            per_community=False,
        ),
    )


# Consents that are not JSON booleans cannot exist after ingestion; the guard keeps a cast error impossible.
_CONSENTS_LATERAL = (
    "CROSS JOIN LATERAL (SELECT c.key, c.value::boolean FROM jsonb_each(m.consents) AS c(key, value)"
    " WHERE jsonb_typeof(c.value) = 'boolean') AS consent(key, value)"
)
# interest_set is properties.interests as a set of texts (a generated column), so a member listing an
# interest twice still counts once for it.
_INTERESTS_LATERAL = "CROSS JOIN LATERAL unnest(m.interest_set) AS interest(value)"
_CONSENTS, _INTERESTS = ("consents",), ("interest_set",)
_CONSENT_GROUPS = (
    GroupKey("consent_key", "consent.key", T.STRING),
    GroupKey("consent_value", "consent.value", T.BOOLEAN),
)
_AGE_GENDER_GROUPS = (
    GroupKey("age", "m.age", T.ENUM, enums.AGE_BUCKETS, reads=("age",)),
    GroupKey("gender", "m.gender", T.STRING, reads=("gender",)),
)
_INTEREST_GROUPS = (GroupKey("interest", "interest.value", T.STRING),)

MEMBER_AGGREGATIONS: tuple[Aggregation, ...] = (
    Aggregation("count", "Fetch number of members.", every_community=True),
    Aggregation("total_count", "Fetch number of members in context of all available communities.", per_community=False),
    *_distribution("gender", "gender"),
    *_distribution("age", "age"),
    *_distribution("optin_channel", "optin_channel"),
    *_distribution("optin_subchannel", "optin_subchannel"),
    *_distribution("optin_platform", "optin_platform"),
    *_distribution("marketing_via_anything", "marketing_via_anything"),
    *_distribution("place_id", "places", stem="place"),
    *_distribution("city_place_id", "cities", stem="city_place"),
    Aggregation(
        "consents_count",
        "Fetch distribution of consents.",
        _CONSENT_GROUPS,
        lateral=_CONSENTS_LATERAL,
        lateral_reads=_CONSENTS,
    ),
    Aggregation(
        "total_consents_count",
        "Fetch distribution of consents in context of all communities.",
        _CONSENT_GROUPS,
        per_community=False,
        lateral=_CONSENTS_LATERAL,
        lateral_reads=_CONSENTS,
    ),
    Aggregation(
        "interests_count",
        "Fetch distribution of interests.",
        _INTEREST_GROUPS,
        lateral=_INTERESTS_LATERAL,
        lateral_reads=_INTERESTS,
    ),
    Aggregation(
        "total_interests_count",
        "Fetch distribution of interests in context of all communities.",
        _INTEREST_GROUPS,
        per_community=False,
        lateral=_INTERESTS_LATERAL,
        lateral_reads=_INTERESTS,
    ),
    # Ours, beyond the seed: reachability per channel (the dashboards' KPI tiles) like marketing_via_anything,
    # and the age pyramid (age x gender) in one scan instead of one query per gender.
    *_distribution("marketing_via_sms", "marketing_via_sms"),
    *_distribution("marketing_via_email", "marketing_via_email"),
    *_distribution("marketing_via_push", "marketing_via_push"),
    Aggregation("age_gender_count", "Fetch distribution of age and gender together.", _AGE_GENDER_GROUPS),
    Aggregation(
        "total_age_gender_count",
        "Fetch distribution of age and gender together in context of all communities.",
        _AGE_GENDER_GROUPS,
        per_community=False,
    ),
)

MEMBERS = Report(
    name="members",
    result_type="records",
    permit=permits.report_permit("Members"),
    cost=10,
    description="Current members of the loyalty clubs in context, without personal data.",
    source=Source(from_sql="reporting_member AS m", scope_sql="m.community_id = ANY(%s)"),
    fields=MEMBER_FIELDS,
    order_by=("community_id", "id"),
    aggregations=MEMBER_AGGREGATIONS,
)

MEMBERS_COUNT = Report(
    name="members_count",
    result_type="records",
    permit=permits.report_permit("MembersCount"),
    cost=2,
    description="Number of current members per community in context; updated_at is when the count last changed.",
    source=Source(
        from_sql=(
            "(SELECT c.id AS community_id,"
            " (SELECT count(*) FROM reporting_member AS x WHERE x.community_id = c.id) AS members_count,"
            " (SELECT max(e.occurred_at) FROM reporting_memberevent AS e WHERE e.community_id = c.id) AS updated_at"
            " FROM reporting_community AS c WHERE c.id = ANY(%s)) AS m"
        ),
        scope_sql="TRUE",
    ),
    fields=(
        Field(
            "community_id",
            T.INTEGER,
            "m.community_id",
            "ID of the community",
            filterable=False,
            nullable=False,
        ),
        Field("members_count", T.INTEGER, "m.members_count", "Number of current members", nullable=False),
        Field("updated_at", T.TIMESTAMP, "m.updated_at", "When the count last changed (last join or leave)"),
    ),
    order_by=("community_id",),
    aggregations=(
        Aggregation(
            "total",
            "Number of members summed over the communities in context.",
            per_community=False,
            # sum(bigint) is numeric; the cast keeps the count a JSON integer, as every other count is.
            measure=Measure("sum", "COALESCE(sum(m.members_count), 0)::bigint"),
        ),
    ),
)
