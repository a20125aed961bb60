"""The admins' Exports page: access rules, starting an export with a filter, seeing only one's clubs' exports,
status polling, cancel and delete; and a real browser that watches a real worker finish and downloads the file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from reporting.models import CommunityAccess, Export
from tests.exports.conftest import wait_for
from tests.exports.helpers import column_types, csv_matches_records, member_rows

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "a-long-test-password-1"


def make_user(django_user_model: Any, name: str, roles: dict[int, str]) -> Any:
    user = django_user_model.objects.create_user(name, password=PASSWORD)
    for community_id, role in roles.items():
        CommunityAccess.objects.create(user=user, community_id=community_id, role=role)
    return user


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: str) -> dict[str, str]:
    data = {"club": "235", "what": "records", "format": "csv", "filter_field": "", "filter_key": "",
            "filter_op": "equal", "filter_value": "", "filter_json": ""}  # fmt: skip
    data.update(overrides)
    return data


def test_login_required(client: Client) -> None:
    for path in ("/exports/", "/exports/status"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_marketers_get_403(communities: Any, django_user_model: Any) -> None:
    marketer = logged_in(make_user(django_user_model, "mia", {235: "marketer"}))
    export = Export.objects.create(owner_key="user:1", report="members", query={"report": "members"},
                                   community_ids=[235], request_fingerprint="x")  # fmt: skip
    assert marketer.get("/exports/").status_code == 403
    assert marketer.post("/exports/", form()).status_code == 403
    assert marketer.get("/exports/status").status_code == 403
    assert marketer.get(f"/exports/{export.id}/download").status_code == 403
    assert marketer.post(f"/exports/{export.id}/cancel").status_code == 403
    assert Export.objects.get(id=export.id).status == Export.Status.PENDING


def test_admin_starts_an_export_with_a_filter(communities: Any, django_user_model: Any) -> None:
    admin = make_user(django_user_model, "ada", {235: "admin", 236: "marketer"})
    client = logged_in(admin)
    page = client.get("/exports/")
    assert page.status_code == 200
    assert b"Oslo City (235)" in page.content
    assert b"Bergen Sentrum (236)" not in page.content, "only clubs the user administers are offered"

    response = client.post("/exports/", form(what="gender_count", format="xlsx", filter_field="age",
                                             filter_op="in", filter_value="20-24, 25-29, null"))  # fmt: skip
    assert response.status_code == 302
    export = Export.objects.get()
    assert (export.owner_key, export.community_ids, export.format, export.aggregate_by) == (
        f"user:{admin.pk}", [235], "xlsx", "gender_count",
    )  # fmt: skip
    assert export.query["filter"] == {"type": "in", "field": "age", "value": ["20-24", "25-29", None]}
    response = client.post("/exports/", form(filter_field="consents.", filter_key="sms_marketing", filter_value="true"))
    assert response.status_code == 302
    assert Export.objects.latest("created_at").query["filter"] == {
        "type": "equal", "field": "consents.sms_marketing", "value": True,
    }  # fmt: skip
    response = client.post("/exports/", form(filter_json='{"type": "not_equal", "field": "gender", "value": null}'))
    assert response.status_code == 302
    assert Export.objects.count() == 3
    listing = client.get("/exports/").content.decode()
    assert listing.count('class="export-row"') == 3
    # Each export's filter in words, so the three rows tell apart.
    words = re.findall(r'data-field="filter">([^<]*)<', listing)
    assert sorted(words) == sorted(["Age is 20-24, 25-29 or (unknown)", "Consent sms marketing is yes",
                                    "Gender is not (unknown)"])  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"filter_json": "{nope"}, "Not valid JSON"),
        ({"filter_field": "age", "filter_value": "7"}, "filter.value"),
        ({"filter_json": '{"type": "equal", "field": "nope", "value": 1}'}, "filter.field: unknown"),
        ({"club": "236"}, "Select a valid choice"),
        ({"format": "pdf"}, "Select a valid choice"),
        # Nesting deeper than the JSON parser goes: a form error, not a 500.
        ({"filter_json": "[" * 50_000 + "]" * 50_000}, "nested too deeply"),
        (
            {"filter_field": "properties.", "filter_key": "k", "filter_value": "[" * 5_000 + "]" * 5_000},
            "nested too deeply",
        ),
        (
            {
                "filter_field": "properties.",
                "filter_key": "k",
                "filter_op": "in",
                "filter_value": "1," + "[" * 4_000 + "]" * 4_000,
            },
            "nested too deeply",
        ),
        # Parseable but deep: the report validation refuses it like any API body. (How deep Python's parser goes
        # depends on the stack the request already uses, so this stays well below the recursion limit.)
        (
            {"filter_json": '{"type": "equal", "field": "properties.k", "value": ' + "[" * 200 + "]" * 200 + "}"},
            "filter.value",
        ),
        (
            {
                "filter_json": '{"type": "and", "operations": [' * 300
                + '{"type": "equal", "field": "age", "value": 1}'
                + "]}" * 300
            },
            "too_deep",
        ),
    ],
)
def test_admin_form_errors(communities: Any, django_user_model: Any, overrides: dict[str, str], message: str) -> None:
    client = logged_in(make_user(django_user_model, "ada", {235: "admin", 236: "marketer"}))
    response = client.post("/exports/", form(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Export.objects.exists()


def test_admins_see_only_their_clubs_exports(communities: Any, django_user_model: Any) -> None:
    ada = make_user(django_user_model, "ada", {235: "admin"})
    bea = make_user(django_user_model, "bea", {235: "admin", 236: "admin"})
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)

    def create(owner: str, ids: list[int]) -> Export:
        return Export.objects.create(owner_key=owner, report="members", query={"report": "members"},
                                     community_ids=ids, request_fingerprint="x")  # fmt: skip

    by_bea_235 = create(f"user:{bea.pk}", [235])
    by_bea_236 = create(f"user:{bea.pk}", [236])
    by_bea_both = create(f"user:{bea.pk}", [235, 236])
    by_client = create("client:1", [235])

    def visible(user: Any) -> set[str]:
        payload = logged_in(user).get("/exports/status").json()
        return {item["id"] for item in payload["exports"]}

    assert visible(ada) == {str(by_bea_235.id)}
    assert visible(bea) == {str(by_bea_235.id), str(by_bea_236.id), str(by_bea_both.id)}
    assert visible(root) == {str(by_bea_235.id), str(by_bea_236.id), str(by_bea_both.id)}
    client = logged_in(ada)
    for hidden in (by_bea_236, by_bea_both, by_client):
        assert client.get(f"/exports/{hidden.id}/download").status_code == 404
        assert client.post(f"/exports/{hidden.id}/cancel").status_code == 404
        assert client.post(f"/exports/{hidden.id}/delete").status_code == 404
    assert str(by_bea_236.id) not in client.get("/exports/").content.decode()


def test_status_cancel_and_delete(communities: Any, django_user_model: Any) -> None:
    client = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    client.post("/exports/", form())
    export = Export.objects.get()
    (state,) = client.get("/exports/status").json()["exports"]
    assert state == {"id": str(export.id), "status": "pending", "progress": 0.0, "rows_done": 0, "rows_total": None,
                     "size_bytes": None, "downloadable": False, "error": None, "notice": None}  # fmt: skip
    download = client.get(f"/exports/{export.id}/download")
    assert (download.status_code, download["Retry-After"]) == (409, "5")
    assert client.post(f"/exports/{export.id}/delete").status_code == 302
    assert Export.objects.filter(id=export.id).exists(), "a running export is cancelled first, not deleted"
    assert client.post(f"/exports/{export.id}/cancel").status_code == 302
    assert Export.objects.get(id=export.id).status == Export.Status.CANCELLED
    assert client.get(f"/exports/{export.id}/download").status_code == 409
    assert client.post(f"/exports/{export.id}/delete").status_code == 302
    assert not Export.objects.exists()
    assert client.get(f"/exports/{export.id}/cancel").status_code == 405


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_browser_admin_exports_and_downloads(
    live_server: Any, worker_factory: Any, django_user_model: Any, insert_members: Any, api: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    insert_members(member_rows(2400, seed=31, community_ids=(235, 236)))
    make_user(django_user_model, "ada", {235: "admin"})
    worker = worker_factory(EXPORTS_TEST_ROW_DELAY="0.003")  # a few seconds, so the bar visibly moves
    ARTIFACTS.mkdir(exist_ok=True)
    seen: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )  # fmt: skip
            page = browser.new_page(accept_downloads=True)
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(f"{live_server.url}/exports/")
            page.fill("#id_username", "ada")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/exports/")
            page.select_option("#id_club", "235")
            page.select_option("#id_what", "records")
            page.select_option("#id_format", "csv")
            page.click("#start-export")
            row = page.locator(".export-row").first
            row.wait_for()
            status = row.locator('[data-field="status"]')
            bar = row.locator('[data-field="progress"]')
            for _ in range(1200):
                seen.append(float(bar.evaluate("element => element.value")))
                if status.inner_text() == "succeeded":
                    break
                page.wait_for_timeout(100)
            page.screenshot(path=str(ARTIFACTS / "exports-page.png"), full_page=True)
            assert status.inner_text() == "succeeded"
            assert float(bar.evaluate("element => element.value")) == 1.0
            assert row.locator('[data-field="rows"]').inner_text() == "1,200 / 1,200"
            assert row.locator('[data-field="percent"]').inner_text() == "100%"
            assert row.locator('[data-field="filter"]').inner_text() == "All members"
            assert row.locator('[data-action="cancel"]').is_hidden()
            with page.expect_download() as download_info:
                row.locator('[data-action="download"]').click()
            download = download_info.value
            assert download.suggested_filename.startswith("members-")
            assert download.suggested_filename.endswith(".csv")
            target = tmp_path / download.suggested_filename
            download.save_as(target)
            assert errors == [], errors
            # On a phone the whole row fits: Download is reachable without sideways scrolling.
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            box = page.locator(".export-row").first.locator('[data-action="download"]').bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 390
            page.screenshot(path=str(ARTIFACTS / "exports-phone.png"), full_page=True)
            browser.close()
    finally:
        worker.stop()
    assert any(0 < value < 1 for value in seen), f"the bar never showed progress in between: {seen[:50]}"
    assert seen == sorted(seen), "progress only moves forward"
    export = wait_for(Export.objects.get().id)
    assert export.status == Export.Status.SUCCEEDED
    data = target.read_bytes()
    records = api.walk({"report": "members", "limit": 1000}, **{"X-Customer": "235"})
    assert len(records) == 2400 // 2
    csv_matches_records(data, records, column_types("members", None))
    assert len(list(csv.reader(io.StringIO(data.decode())))) == 1201
