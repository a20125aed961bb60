"""A tenants export runs once per community with a context narrowed to it, but the segment it names was accepted
for the whole export's context: each community's rows are the segment's members there (plain SQL)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from django.db import connection

from reporting.exports.formats import get_format
from reporting.exports.runner import Progress, write_plan
from reporting.exports.sources import build_plan
from reporting.models import Segment
from reporting.reports.members import MEMBERS
from tests.dashboards.dataset import member_rows

pytestmark = pytest.mark.django_db(transaction=True)

APP = {"type": "equal", "field": "optin_channel", "value": "app"}


def test_a_tenants_export_applies_a_segment_of_one_community_to_each(communities, insert_members, tmp_path):
    insert_members(member_rows())
    segment = Segment.objects.create(community=communities[235], name="App", filter=APP)
    body = {"report": "members", "segment": segment.id}
    plan = build_plan(report=MEMBERS, body=body, community_ids=[235, 236], tenants=True)
    path = tmp_path / "export.csv"
    rows = write_plan(plan=plan, export_format=get_format("csv"), path=path, progress=Progress())
    with path.open(newline="") as handle:
        written = Counter(int(line["community_id"]) for line in csv.DictReader(handle))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT community_id, count(*) FROM reporting_member WHERE community_id IN (235, 236)"
            " AND optin_channel = 'app' GROUP BY 1"
        )
        expected = Counter(dict(cursor.fetchall()))
    assert written == expected
    assert expected[236] > 0
    assert rows == sum(expected.values())
