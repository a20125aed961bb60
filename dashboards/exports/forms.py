"""The start-an-export form of the admins' Exports page: a club, a report (records or timeseries), plain or one of
its aggregations, a timeseries' interval and window, an optional filter.

Every choice comes from the report declarations and the result-type registry: the reports, their aggregations,
intervals and filterable fields, and which body keys a report's result type takes. The filter is either one
condition (field, operation, value) or a JSON filter tree; either way the form builds the same request body the
API takes, validated by the same parser against the report declaration (so a wrong aggregation, interval or window
is the API's error, shown on the form).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms

from reporting.exports.formats import FORMATS
from reporting.models import Community
from reporting.query.filters import LEAF_OPS, LIST_OPS
from reporting.query.intervals import AUTO, INTERVALS
from reporting.reports import REPORTS, all_reports
from reporting.reports.declarations import Report
from reporting.reports.members import MEMBERS
from reporting.results import result_type_of

RECORDS = "records"  # "no aggregation": every record of a records report, the plain series of a timeseries one
_TOO_DEEP = "Not valid JSON: nested too deeply"
_FORMAT_LABELS = {"csv": "CSV", "csv_excel": "CSV for Excel (;)", "xlsx": "Excel workbook (.xlsx)"}
INTERVAL_LABELS = {AUTO: "Automatic", "5m": "5 minutes", "1h": "Hour", "1d": "Day", "1w": "Week", "1mo": "Month"}
MAIN_FIELDS = ("club", "report", "what", "format")
WINDOW_FIELDS = ("interval", "from_date", "to_date")


def report_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class OptionDataSelect(forms.Select):
    """A select whose options carry data attributes (which reports an option belongs to), for static/js/exports.js."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.option_data: dict[str, dict[str, str]] = {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"].update(self.option_data.get(str(option["value"]), {}))
        return option


def _names(reports: Sequence[Report]) -> str:
    return " ".join(report.name for report in reports)


class ExportForm(forms.Form):
    club = forms.TypedChoiceField(coerce=int, label="Club")
    report = forms.ChoiceField(label="Report", required=False, widget=OptionDataSelect)
    what = forms.ChoiceField(label="Aggregation", widget=OptionDataSelect)
    format = forms.ChoiceField(label="Format", choices=[(name, _FORMAT_LABELS[name]) for name in FORMATS])
    interval = forms.ChoiceField(label="Interval", required=False, initial=AUTO, widget=OptionDataSelect)
    from_date = forms.CharField(
        label="From", required=False, max_length=64, widget=forms.DateInput(attrs={"type": "date"})
    )
    to_date = forms.CharField(
        label="To (not included)", required=False, max_length=64, widget=forms.DateInput(attrs={"type": "date"})
    )
    filter_field = forms.ChoiceField(label="Filter field", required=False, widget=OptionDataSelect)
    filter_key = forms.CharField(label="Key (consents.<key> / properties.<key>)", required=False, max_length=64)
    filter_op = forms.ChoiceField(label="Operation", choices=[(op, op) for op in LEAF_OPS], required=False)
    filter_value = forms.CharField(
        label="Value",
        required=False,
        max_length=10_000,
        help_text='JSON (5, true, null, "text") or plain text; for in/not_in, comma-separated',
    )
    filter_json = forms.CharField(
        label="Or a JSON filter tree",
        required=False,
        max_length=100_000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": '{"type": "equal", "field": "gender", "value": "woman"}'}
        ),
    )

    def __init__(self, *args: Any, clubs: Sequence[Community], reports: Sequence[Report] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        reports = list(reports) if reports is not None else all_reports()
        club = self.fields["club"]
        assert isinstance(club, forms.TypedChoiceField)
        club.choices = [(club_.id, f"{club_.name} ({club_.id})") for club_ in clubs]
        self._choose("report", [(r.name, report_label(r.name)) for r in reports], {
            r.name: {
                "data-result-type": r.result_type,
                "data-keys": " ".join(sorted(result_type_of(r).export_keys)),
                "data-intervals": " ".join([AUTO, *r.intervals]) if r.intervals else "",
            }
            for r in reports
        })  # fmt: skip
        aggregations: dict[str, list[Report]] = {}
        for report in reports:
            for aggregation in report.aggregations:
                aggregations.setdefault(aggregation.name, []).append(report)
        self._choose(
            "what",
            [(RECORDS, "None (every record, or the plain series)")] + [(name, name) for name in aggregations],
            {RECORDS: {"data-reports": _names(reports)}}
            | {name: {"data-reports": _names(owners)} for name, owners in aggregations.items()},
        )
        intervals = [name for name in (AUTO, *INTERVALS) if name == AUTO or any(name in r.intervals for r in reports)]
        self._choose("interval", [(name, INTERVAL_LABELS.get(name, name)) for name in intervals], {})
        fields: dict[str, list[Report]] = {}
        for report in reports:
            for field in report.fields:
                if field.filterable:
                    fields.setdefault(field.name, []).append(report)
                if field.keyed is not None:  # consents.<key>, properties.<key>
                    fields.setdefault(f"{field.name}.", []).append(report)
        self._choose(
            "filter_field",
            [("", "No filter")] + [(name, f"{name}<key>" if name.endswith(".") else name) for name in fields],
            {name: {"data-reports": _names(owners)} for name, owners in fields.items()},
        )

    def _choose(self, name: str, choices: list[tuple[str, str]], option_data: dict[str, dict[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if isinstance(field.widget, OptionDataSelect):
            field.widget.option_data = option_data

    def fields_named(self, names: Sequence[str]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def main_fields(self) -> list[forms.BoundField]:
        return self.fields_named(MAIN_FIELDS)

    def window_fields(self) -> list[forms.BoundField]:
        return self.fields_named(WINDOW_FIELDS)

    def filter_fields(self) -> list[forms.BoundField]:
        return [field for field in self if field.name not in MAIN_FIELDS + WINDOW_FIELDS]

    def clean_report(self) -> str:
        return self.cleaned_data["report"] or MEMBERS.name  # the page's first and long-standing export

    def clean_filter_json(self) -> Any:
        text = self.cleaned_data["filter_json"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None
        except RecursionError:
            raise forms.ValidationError(_TOO_DEEP) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                cleaned["filter"] = self._filter()
            except RecursionError:
                self.add_error("filter_value", _TOO_DEEP)
        return cleaned

    def chosen_report(self) -> Report:
        return REPORTS[self.cleaned_data["report"]]

    def export_body(self) -> dict[str, Any]:
        """The export request body of the API (validated later against the report, like any API body): only the
        keys the report's result type takes, so a records report ignores a window left on the form."""
        data = self.cleaned_data
        report = self.chosen_report()
        optional = {
            "aggregate_by": None if data["what"] == RECORDS else data["what"],
            "interval": data.get("interval") or None,
            "from": data.get("from_date", "").strip() or None,
            "to": data.get("to_date", "").strip() or None,
        }
        keys = result_type_of(report).export_keys
        body: dict[str, Any] = {"report": report.name, "format": data["format"], "filter": data["filter"]}
        body.update({key: value for key, value in optional.items() if key in keys and value is not None})
        return body

    def _filter(self) -> Any:
        data = self.cleaned_data
        if data.get("filter_json") is not None:
            return data["filter_json"]
        field = data.get("filter_field")
        if not field:
            return None
        if field.endswith("."):
            field += data.get("filter_key", "").strip()
        op = data.get("filter_op") or "equal"
        raw = data.get("filter_value", "")
        value: Any = [_value(part) for part in raw.split(",")] if op in LIST_OPS else _value(raw)
        return {"type": op, "field": field, "value": value}


def _value(text: str) -> Any:
    """A typed value from text: JSON when it parses (5, true, null, "x", [1, 2]), else the text itself.

    Nesting too deep for the parser raises RecursionError, which the form reports (it is not plain text either)."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe_errors(details: Any, path: str = "") -> list[str]:
    """One readable line per leaf of a 422 details tree (``filter.value: invalid_value``)."""
    if isinstance(details, list):
        return [
            f"{path or 'request'}: {item.get('error')} {_options(item.get('options'))}".rstrip() for item in details
        ]
    lines: list[str] = []
    for key, child in details.items():
        lines += describe_errors(child, f"{path}.{key}" if path else str(key))
    return lines


def _options(options: Any) -> str:
    if not options:
        return ""
    return "(" + ", ".join(f"{key}: {value}" for key, value in options.items()) + ")"
