"""Random JSON at ingest_members: it never raises, counts add up, and every stored row is a whole derivation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reporting.ingestion.derive import MemberRow, derive
from reporting.ingestion.reference import load_reference
from reporting.ingestion.service import ingest_members
from reporting.models import Community, Member, MemberEvent

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
    | st.text(max_size=6)
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
stamps = st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-02", "2024-01-02T00:00:00+01:00", "2023-12-31T23:00Z"])
plausible: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(min_value=1, max_value=4),
    "community_id": st.sampled_from([235, 235, 236, 999]),
    "deleted": st.booleans(),
    "deleted_at": stamps,
    "optin_channel": st.sampled_from(["android-app", "ios", "webforms", "web", "pos"]) | st.text(max_size=6),
    "optin_subchannel": st.text(max_size=6),
    "msisdn": st.sampled_from(["+4791234567", "+46701234567", "+1", "12"]),
    "email": st.text(max_size=6),
    "sms_status": st.sampled_from(["disabled", "enabled", "verified", "barred", "verified", "other"]),
    "email_status": st.sampled_from(["disabled", "enabled", "verified", "complained", "hard_bounced", "x"]),
    "push_status": st.sampled_from(["disabled", "enabled", "x"]),
    "push_tokens": st.lists(st.text(max_size=4), max_size=3),
    "birth_date": st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2030, 1, 1)).map(dt.date.isoformat),
    "properties": st.dictionaries(st.sampled_from(["gender", "country", "email", "Name", "x"]), json_values),
    "consents": st.dictionaries(st.text(max_size=4), st.booleans() | st.none()),
    "subunit_ids": st.lists(st.integers(min_value=-(2**63), max_value=2**63), max_size=3),
    "group_ids": st.lists(st.integers(min_value=0, max_value=9), max_size=3),
    "favorite_stores": st.lists(st.integers(min_value=0, max_value=9), max_size=3),
    "place_id": st.sampled_from(["3143244", "2673730", "nowhere"]) | st.integers(min_value=0, max_value=10**8),
    "city_place_id": st.text(max_size=5),
    "created_at": stamps,
    "updated_at": stamps,
}
REQUIRED = ("id", "community_id", "created_at", "updated_at")
member_like = st.fixed_dictionaries({}, optional={key: strategy | json_values for key, strategy in plausible.items()})
# Mostly plausible members, so that many are stored and the stored rows can be checked.
nearly_valid = st.fixed_dictionaries(
    {key: plausible[key] for key in REQUIRED},
    optional={key: strategy for key, strategy in plausible.items() if key not in REQUIRED},
)
member_lists = st.lists(st.one_of(nearly_valid, nearly_valid, nearly_valid, member_like, json_values), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=member_lists)
def test_random_members_never_raise_nor_half_write(clubs: dict[int, Community], members: list[Any]) -> None:
    with transaction.atomic():
        result = ingest_members(members)
        total = result.created + result.updated + result.deleted + result.unchanged + len(result.rejected)
        assert total == len(members)
        assert [r.index for r in result.rejected] == sorted({r.index for r in result.rejected})
        event(f"created: {min(result.created, 3)}+")
        ref = load_reference()
        derived_by_id: dict[int, list[MemberRow]] = {}
        for member in members:
            row = derive(member, ref)
            if isinstance(row, MemberRow) and not row.deleted:
                derived_by_id.setdefault(row.id, []).append(row)
        for values in Member.objects.values():
            stored: dict[str, Any] = dict(values)
            candidates = derived_by_id.get(stored["id"], [])
            fields = [name for name in MemberRow._fields if name not in ("deleted", "deleted_at")]
            assert any(all(stored[name] == getattr(row, name) for name in fields) for row in candidates), stored
            assert MemberEvent.objects.filter(member_id=stored["id"], type="in").exists()
        transaction.set_rollback(True)
