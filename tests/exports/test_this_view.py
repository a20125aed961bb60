"""Export this view: a dashboard's Export buttons start an export of what it shows, with its filters.

The produced files are compared with the API's rows for the same query, the filter tree written out here by
hand from the URL (never taken from the product), fetched with a token through ``/v1/reporting/query``. A real
Celery worker runs the exports; a real Chromium clicks the buttons and watches the Exports page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from reporting.models import Export
from tests.exports.conftest import wait_for
from tests.exports.helpers import column_types, csv_matches_records, member_rows
from tests.exports.test_dashboard import PASSWORD, logged_in, make_user

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WOMEN_BY_EMAIL = {
    "type": "and",
    "operations": [
        {"type": "equal", "field": "gender", "value": "woman"},
        {"type": "equal", "field": "marketing_via_email", "value": True},
    ],
}


def download(client: Client, export: Export) -> bytes:
    response = client.get(f"/exports/{export.id}/download")
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_only_admins_of_every_club_in_view_get_the_buttons(django_user_model: Any, insert_members: Any) -> None:
    insert_members(member_rows(200, seed=7, community_ids=(235, 236)))
    make_user(django_user_model, "mia", {235: "marketer", 236: "marketer"})
    make_user(django_user_model, "ada", {235: "admin", 236: "marketer"})
    mia = logged_in(django_user_model.objects.get(username="mia"))
    ada = logged_in(django_user_model.objects.get(username="ada"))
    assert b'class="export-view"' not in mia.get("/clubs/235/").getvalue()
    page = ada.get("/clubs/235/?gender=woman").getvalue().decode()
    assert page.count('class="export-view"') >= 9
    assert 'name="query" value="gender=woman"' in page
    # A comparison with a club ada only markets: no buttons, and the endpoint refuses as well.
    assert b'class="export-view"' not in ada.get("/clubs/?ids=235,236").getvalue()
    post = {"ids": "235,236", "what": "gender", "query": ""}
    assert ada.post("/exports/view", post).status_code == 403
    assert mia.post("/exports/view", {**post, "ids": "235"}).status_code == 403
    assert ada.post("/exports/view", {**post, "ids": "240"}).status_code == 403
    assert Export.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"ids": "235", "what": "nonsense", "query": ""}, "out of date"),
        ({"ids": "235;236", "what": "gender", "query": ""}, "out of date"),
        ({"ids": "235", "what": "gender", "query": "", "format": "pdf"}, "out of date"),
        ({"ids": "235", "what": "gender", "query": "age=200"}, "“age=200” has a value that is not allowed"),
    ],
)
def test_bad_posts_are_400_and_start_nothing(
    communities: Any, django_user_model: Any, post: dict[str, str], message: str
) -> None:
    ada = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    response = ada.post("/exports/view", post)
    assert response.status_code == 400
    assert message in response.getvalue().decode()
    assert Export.objects.count() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_compare_view_aggregation_with_multi_value_filter_equals_the_api(
    worker: Any, django_user_model: Any, insert_members: Any, api: Any
) -> None:
    insert_members(member_rows(900, seed=41, community_ids=(235, 236)))
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    client = logged_in(boss)
    query = urlencode([("age", "20-24"), ("age", "80-"), ("optin_platform", "ios")])
    page = client.get(f"/clubs/?ids=235,236&{query}").getvalue().decode()
    assert f'name="query" value="{query.replace("&", "&amp;")}"' in page
    response = client.post("/exports/view", {"ids": "235,236", "what": "platform", "query": query})
    assert response.status_code == 302
    export = Export.objects.get()
    assert response["Location"] == f"/exports/#export-{export.id}"
    assert export.community_ids == [235, 236]
    assert wait_for(export.id).status == Export.Status.SUCCEEDED
    body = {
        "report": "members",
        "aggregate_by": "optin_platform_count",
        "filter": {
            "type": "and",
            "operations": [
                {"type": "in", "field": "age", "value": ["20-24", "80-"]},
                {"type": "equal", "field": "optin_platform", "value": "ios"},
            ],
        },
        "limit": 1000,
    }
    records = api.walk(body)
    assert records
    assert {r["community_id"] for r in records} == {235, 236}
    csv_matches_records(download(client, export), records, column_types("members", "optin_platform_count"))


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_browser_one_click_exports_a_chart_and_the_members_of_the_view(
    live_server: Any, worker: Any, django_user_model: Any, insert_members: Any, api: Any
) -> None:
    from playwright.sync_api import sync_playwright

    insert_members(member_rows(1200, seed=43, community_ids=(235, 236)))
    ada = make_user(django_user_model, "ada", {235: "admin"})
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}/clubs/235/?gender=woman&marketing_via_email=true")
        page.fill("#id_username", "ada")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        exported = {}
        for what in ("channel", "records"):
            page.goto(f"{live_server.url}/clubs/235/?gender=woman&marketing_via_email=true")
            with page.expect_navigation():
                page.locator(f'form.export-view[data-export="{what}"] button').click()
            assert page.url.startswith(f"{live_server.url}/exports/#export-")
            export_id = page.url.rsplit("#export-", 1)[1]
            row = page.locator(f"#export-{export_id}")
            status = row.locator('[data-field="status"]')
            for _ in range(1200):
                if status.inner_text() == "succeeded":
                    break
                page.wait_for_timeout(100)
            assert status.inner_text() == "succeeded"
            exported[what] = export_id
        page.screenshot(path=str(ARTIFACTS / "exports-this-view.png"), full_page=True)
        assert errors == [], errors
        browser.close()
    client = logged_in(ada)
    channel = Export.objects.get(id=exported["channel"])
    assert channel.aggregate_by == "total_optin_channel_count"
    records = api.walk(
        {"report": "members", "aggregate_by": "total_optin_channel_count", "filter": WOMEN_BY_EMAIL, "limit": 1000},
        **{"X-Customer": "235"},
    )
    assert records
    csv_matches_records(download(client, channel), records, column_types("members", "total_optin_channel_count"))
    members = Export.objects.get(id=exported["records"])
    records = api.walk({"report": "members", "filter": WOMEN_BY_EMAIL, "limit": 1000}, **{"X-Customer": "235"})
    assert 0 < len(records) < 600
    csv_matches_records(download(client, members), records, column_types("members", None))
