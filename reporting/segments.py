"""Segments (reporting.models_segments.Segment): reads and writes for the dashboards and the API.

A segment is a named filter tree of one community. The API uses it through ``"segment": id`` in a records query
body (``reporting.query.request``), only while its community is in the request's context; the dashboards list,
open, compare and delete the segments of a club the user may open. Member counts come from the API's own
compiler and source scope (``compile_filter`` over ``scoped_rows``): one statement for all of a club's segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reporting import audit
from reporting.context import Context
from reporting.models_segments import MAX_SEGMENT_NAME, Segment, segment_filter_errors
from reporting.query.compiler import compile_filter
from reporting.query.errors import ErrorTree
from reporting.query.filters import Condition, FieldRef, Node, parse_filter
from reporting.query.plan import scoped_rows
from reporting.query.request import MAX_SEGMENT_ID, StoredSegment
from reporting.query.sql import Fragment, any_of, join
from reporting.reports import get_report
from reporting.reports.members import MEMBERS

MAX_SEGMENTS_PER_COMMUNITY = 100  # the list counts them all in one statement; a bound keeps it one small scan
REACHABLE_FIELD = "marketing_via_anything"


class SegmentRefused(ValueError):
    """A segment that cannot be saved; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class ContextSegments:
    """The segments a request's context may use: those of its communities (``SegmentSource`` of the parser)."""

    def __init__(self, context: Context):
        self.community_ids = context.community_ids

    def find(self, segment_id: int) -> StoredSegment | None:
        row = (
            Segment.objects.filter(id=segment_id, community_id__in=self.community_ids)
            .values_list("id", "report", "filter")
            .first()
        )
        return StoredSegment(id=row[0], report=row[1], filter_raw=row[2]) if row else None


def segment_filter_for_cost(body: dict[str, Any], context: Context) -> Any:
    """The filter tree of the segment a body names when the context may use it (else None): it is charged like
    a filter written out. An invalid ``segment`` costs nothing here and is refused by the parser."""
    raw = body.get("segment")
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_SEGMENT_ID:
        return None
    found = ContextSegments(context).find(raw)
    return found.filter_raw if found else None


def segments_of(*, community_id: int) -> list[Segment]:
    return list(Segment.objects.filter(community_id=community_id).select_related("created_by").order_by("name", "id"))


def segment_of(*, community_id: int, segment_id: int) -> Segment | None:
    """The segment of this community, else None: another community's segment is as absent as an unknown id."""
    if not 1 <= segment_id <= MAX_SEGMENT_ID:
        return None
    return Segment.objects.filter(id=segment_id, community_id=community_id).first()


def parsed_filter(segment: Segment) -> Node | None:
    """The segment's filter parsed by the API's parser now, or None when the declaration no longer accepts it."""
    report = get_report(segment.report)
    if report is None:
        return None
    errors = ErrorTree()
    node = parse_filter(segment.filter, report, errors)
    return None if errors else node


@dataclass(frozen=True)
class SegmentCount:
    members: int
    reachable: int

    @property
    def reachable_share(self) -> float | None:
        return self.reachable / self.members if self.members else None


def segment_counts(*, community_id: int, segments: Sequence[Segment]) -> dict[int, SegmentCount]:
    """Members and members reachable by any channel (``marketing_via_anything`` true) of each segment, in one
    statement over the club's members; a segment whose saved filter no longer parses is left out."""
    from reporting.selectors import fetch_rows  # selectors import this module's caller side; keep the edge one-way

    conditions = [(s.id, compile_filter(node)) for s in segments if (node := parsed_filter(s)) is not None]
    if not conditions:
        return {}
    field = MEMBERS.get_field(REACHABLE_FIELD)
    assert field is not None
    reachable = compile_filter(Condition("equal", FieldRef(field), True))
    columns = []
    for index, (_, condition) in enumerate(conditions):
        columns.append(Fragment("count(*) FILTER (WHERE ") + condition + Fragment(f') AS "m{index}"'))
        columns.append(
            Fragment("count(*) FILTER (WHERE ")
            + condition
            + Fragment(" AND ")
            + reachable
            + Fragment(f') AS "r{index}"')
        )
    statement = (
        Fragment("SELECT ")
        + join(columns, ", ")
        + Fragment(" FROM ")
        + scoped_rows(MEMBERS, [community_id], any_of([condition for _, condition in conditions]))
    )
    (row,) = fetch_rows(statement)
    return {
        segment_id: SegmentCount(members=row[f"m{index}"], reachable=row[f"r{index}"])
        for index, (segment_id, _) in enumerate(conditions)
    }


def _check(*, community_id: int, name: str, filter_raw: Any, exclude_id: int | None = None) -> str:
    """The name to save (stripped) when ``name`` and ``filter_raw`` may be saved, else SegmentRefused; create and
    update share it, so an edited segment is held to what a new one is."""
    name = (name or "").strip()
    if not name:
        raise SegmentRefused("name", "Give the segment a name.")
    if len(name) > MAX_SEGMENT_NAME:
        raise SegmentRefused("name", f"A segment name has at most {MAX_SEGMENT_NAME} characters.")
    if segment_filter_errors(MEMBERS.name, filter_raw):
        raise SegmentRefused("filter", "Only a filtered view can be saved as a segment: choose some filters first.")
    same_name = Segment.objects.filter(community_id=community_id, name=name)
    if (same_name.exclude(id=exclude_id) if exclude_id is not None else same_name).exists():
        raise SegmentRefused("name", _taken(name))
    return name


def _taken(name: str) -> str:
    return f"This club already has a segment named “{name}”: choose another name."


def segment_create(*, actor_key: str, user: Any, community_id: int, name: str, filter_raw: Any) -> Segment:
    """Save a members segment of one community; SegmentRefused names the field at fault."""
    name = _check(community_id=community_id, name=name, filter_raw=filter_raw)
    if Segment.objects.filter(community_id=community_id).count() >= MAX_SEGMENTS_PER_COMMUNITY:
        raise SegmentRefused("name", f"A club has at most {MAX_SEGMENTS_PER_COMMUNITY} segments: delete one first.")
    try:
        with transaction.atomic():
            segment = Segment.objects.create(
                community_id=community_id, report=MEMBERS.name, name=name, filter=filter_raw, created_by=user
            )
            audit.segment_changed(action=audit.AuditAction.SEGMENT_CREATED, actor=actor_key, segment=segment)
    except IntegrityError as error:  # a concurrent save of the same name
        raise SegmentRefused("name", _taken(name)) from error
    except ValidationError as error:
        raise SegmentRefused("filter", "This filter cannot be saved as a segment.") from error
    return segment


KEEP_FILTER: Any = object()


def segment_update(*, actor_key: str, segment: Segment, name: str, filter_raw: Any = KEEP_FILTER) -> Segment:
    """Rename a segment, and give it a new filter tree unless ``filter_raw`` is ``KEEP_FILTER``; validated as a
    new segment is (None, an unfiltered view, is refused). SegmentRefused names the field at fault; the segment
    is then unchanged."""
    new_filter = segment.filter if filter_raw is KEEP_FILTER else filter_raw
    name = _check(community_id=segment.community_id, name=name, filter_raw=new_filter, exclude_id=segment.id)
    old_name, old_filter = segment.name, segment.filter
    segment.name, segment.filter = name, new_filter
    try:
        with transaction.atomic():
            segment.save(update_fields=["name", "filter", "updated_at"])
            audit.segment_changed(action=audit.AuditAction.SEGMENT_UPDATED, actor=actor_key, segment=segment)
    except IntegrityError as error:  # a concurrent save of the same name
        segment.name, segment.filter = old_name, old_filter
        raise SegmentRefused("name", _taken(name)) from error
    except ValidationError as error:
        segment.name, segment.filter = old_name, old_filter
        raise SegmentRefused("filter", "This filter cannot be saved as a segment.") from error
    return segment


@transaction.atomic
def segment_delete(*, actor_key: str, segment: Segment) -> None:
    audit.segment_changed(action=audit.AuditAction.SEGMENT_DELETED, actor=actor_key, segment=segment)
    segment.delete()
