"""The Exports page offers every declared report: records reports with their aggregations and timeseries reports
with their aggregations, interval and window, validated by the API's export parser (a bad window or too many
buckets is a form error, never a 500); the list says each export's report, interval and window in words."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from reporting.models import Export
from reporting.reports import REPORTS
from tests.exports.test_dashboard import ARTIFACTS, PASSWORD, form, logged_in, make_user

pytestmark = pytest.mark.django_db


class Options(HTMLParser):
    """Every <option> of every <select>, by the select's name: (value, attributes)."""

    def __init__(self, html: str):
        super().__init__()
        self.selects: dict[str, list[dict[str, str]]] = {}
        self._current: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "select":
            self._current = values["name"]
            self.selects[self._current] = []
        elif tag == "option" and self._current is not None:
            self.selects[self._current].append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._current = None


def test_the_page_offers_every_declared_report(communities: Any, django_user_model: Any) -> None:
    client = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    selects = Options(client.get("/exports/").content.decode()).selects
    reports = {option["value"]: option for option in selects["report"]}
    assert set(reports) == set(REPORTS)
    assert {name for name, option in reports.items() if option["data-result-type"] == "timeseries"} == {
        "member_balance", "members_count_history", "members_count_snapshot",
    }  # fmt: skip
    aggregations = {option["value"]: option["data-reports"].split() for option in selects["what"]}
    for report in REPORTS.values():
        assert report.name in aggregations["records"]
        for aggregation in report.aggregations:
            assert report.name in aggregations[aggregation.name], (report.name, aggregation.name)
        intervals = reports[report.name]["data-intervals"].split()
        assert intervals == (["auto", *report.intervals] if report.result_type == "timeseries" else [])
        keys = reports[report.name]["data-keys"].split()
        assert ("interval" in keys) == (report.result_type == "timeseries")
    assert [option["value"] for option in selects["interval"]] == ["auto", "5m", "1h", "1d", "1w", "1mo"]
    fields = {option["value"]: option.get("data-reports", "").split() for option in selects["filter_field"]}
    assert "members_count_history" in fields["grouping_type"]
    assert "members" not in fields["grouping_type"]


WINDOW = {"from_date": "2024-10-01", "to_date": "2024-11-20"}
STARTS: list[tuple[dict[str, str], dict[str, Any], str]] = [
    ({"report": "members_grouped_count"}, {"report": "members_grouped_count", "filter": None},
     "Members grouped count"),
    ({"report": "members_grouped_count", "what": "by_grouping_type_and_value", "interval": "1d", **WINDOW},
     {"report": "members_grouped_count", "filter": None, "aggregate_by": "by_grouping_type_and_value"},
     "Members grouped count · by_grouping_type_and_value"),  # a records report ignores the window fields
    ({"report": "members_count"}, {"report": "members_count", "filter": None}, "Members count"),
    ({"report": "member_balance", "what": "gender", "interval": "1w", **WINDOW},
     {"report": "member_balance", "filter": None, "aggregate_by": "gender", "interval": "1w",
      "from": "2024-10-01", "to": "2024-11-20"},
     "Member balance · gender · by week, 1 Oct 2024 to 20 Nov 2024"),
    ({"report": "members_count_history", "interval": "auto", "from_date": "2024-10-26T12:00",
      "to_date": "2024-10-28", "filter_field": "grouping_type", "filter_value": "gender"},
     {"report": "members_count_history", "interval": "auto", "from": "2024-10-26T12:00", "to": "2024-10-28",
      "filter": {"type": "equal", "field": "grouping_type", "value": "gender"}},
     "Members count history · automatic interval, 26 Oct 2024 12:00 to 28 Oct 2024"),
    ({"report": "members_count_snapshot", "interval": "1d", "from_date": "2024-10-01T00:00:00+02:00",
      "to_date": "2024-10-08"},
     {"report": "members_count_snapshot", "filter": None, "interval": "1d", "from": "2024-10-01T00:00:00+02:00",
      "to": "2024-10-08"},
     "Members count snapshot · by day, 1 Oct 2024 00:00 +02:00 to 8 Oct 2024"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "query", "words"), STARTS)
def test_each_report_kind_starts_an_export(
    communities: Any, django_user_model: Any, overrides: dict[str, str], query: dict[str, Any], words: str
) -> None:
    client = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    response = client.post("/exports/", form(**overrides))
    assert response.status_code == 302, response.content.decode()
    export = Export.objects.get()
    assert (export.report, export.query, export.community_ids) == (query["report"], query, [235])
    listing = client.get("/exports/").content.decode()
    assert re.findall(r'data-field="what">([^<]*)<', listing) == [words]


ERRORS: list[tuple[dict[str, str], str]] = [
    ({"report": "member_balance", "from_date": "2024-11-20", "to_date": "2024-10-01"},
     "to: invalid_value (reason: must be later than from)"),
    ({"report": "member_balance", "from_date": "2024-11-20", "to_date": "2024-11-20"}, "must be later than from"),
    ({"report": "member_balance", "from_date": "", "to_date": "2024-10-01"}, "from: required"),
    ({"report": "members_count_history", "from_date": "yesterday", "to_date": "2024-10-01"}, "from: invalid_value"),
    # The cheap bound of the parser refuses it at once...
    ({"report": "member_balance", "interval": "1h", **WINDOW}, "interval: too_many_time_points"),
    # ...and 152 days of 1d, under the cheap bound, is counted in SQL and refused there.
    ({"report": "members_count_history", "interval": "1d", "from_date": "2024-01-01", "to_date": "2024-06-01"},
     "interval: too_many_time_points (max: 150, buckets: 152"),
    ({"report": "member_balance", "interval": "2d", **WINDOW}, "Select a valid choice"),
    ({"report": "members_count_snapshot", "interval": "5m", **WINDOW}, "interval: invalid_value"),
    ({"report": "member_balance", "what": "gender_count", **WINDOW}, "aggregate_by: invalid_value"),
    ({"report": "members_grouped_count", "filter_field": "age", "filter_value": "20-24"}, "filter.field: unknown"),
    ({"report": "nope"}, "Select a valid choice"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), ERRORS)
def test_timeseries_form_errors(
    communities: Any, django_user_model: Any, overrides: dict[str, str], message: str
) -> None:
    client = logged_in(make_user(django_user_model, "ada", {235: "admin"}))
    response = client.post("/exports/", form(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Export.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_form_follows_the_chosen_report(live_server: Any, communities: Any, django_user_model: Any) -> None:
    """The page's script shows a report's own aggregations, intervals and the window only where they apply."""
    from playwright.sync_api import sync_playwright

    make_user(django_user_model, "ada", {235: "admin"})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}/exports/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/exports/")
        window = page.locator("fieldset.export-window")

        def offered(select: str) -> list[str]:
            return page.eval_on_selector_all(f"{select} option", "options => options.filter(o => !o.hidden)"
                                             ".map(o => o.value)")  # fmt: skip

        assert window.is_hidden()
        assert "gender_count" in offered("#id_what")
        page.select_option("#id_report", "members_count_snapshot")
        assert window.is_visible()
        assert offered("#id_interval") == ["auto", "1h", "1d", "1w", "1mo"]
        assert offered("#id_what") == ["records"]
        page.select_option("#id_report", "member_balance")
        assert offered("#id_interval") == ["auto", "5m", "1h", "1d", "1w", "1mo"]
        assert "gender_count" not in offered("#id_what")
        assert "grouping_type" not in offered("#id_filter_field")
        page.select_option("#id_what", "gender")
        page.select_option("#id_interval", "1w")
        page.fill("#id_from_date", "2024-10-01")
        page.fill("#id_to_date", "2024-11-20")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "exports-timeseries-form.png"), full_page=True)
        page.click("#start-export")
        page.locator(".export-row").first.wait_for()
        words = page.locator('.export-row [data-field="what"]').first.inner_text()
        assert words == "Member balance · gender · by week, 1 Oct 2024 to 20 Nov 2024"
        assert errors == [], errors  # (the refused form below answers 422, which Chromium logs)
        page.select_option("#id_report", "members_count_history")
        page.select_option("#id_interval", "1h")
        page.fill("#id_from_date", "2024-01-01")
        page.fill("#id_to_date", "2024-03-01")
        page.click("#start-export")
        assert "interval: too_many_time_points" in page.locator(".export-errors").inner_text()
        assert page.locator("#id_report").input_value() == "members_count_history"
        assert window.is_visible(), "a refused timeseries form keeps its window shown"
        browser.close()
    assert Export.objects.count() == 1
