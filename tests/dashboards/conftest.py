from __future__ import annotations

from typing import Any

import pytest

from reporting.models import CommunityAccess
from tests.dashboards.dataset import member_rows

PASSWORD = "a-long-test-password-42"


@pytest.fixture
def dataset(insert_members) -> list[dict[str, Any]]:
    rows = member_rows()
    insert_members(rows)
    return rows


@pytest.fixture
def make_user(django_user_model, communities):
    def make(username: str, access: dict[int, str], **extra: Any):
        user = django_user_model.objects.create_user(username, password=PASSWORD, **extra)
        for community_id, role in access.items():
            CommunityAccess.objects.create(user=user, community=communities[community_id], role=role)
        return user

    return make


@pytest.fixture
def marketer(make_user):
    """Marketer of 235 and 236 (not 240)."""
    return make_user("marketer", {235: "marketer", 236: "marketer"})


# The browser fixtures (one Chromium per module, the console watcher, the places table) for every browser test
# file; imported last because that module reads PASSWORD from here.
from tests.dashboards.test_browser import browser, console, places  # noqa: E402, F401
