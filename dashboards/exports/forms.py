"""The start-an-export form of the admins' Exports page: a club, members or one aggregation, an optional filter.

The filter is either one condition (field, operation, value) or a JSON filter tree; either way it becomes the
same request body the API takes, validated by the same code against the report declaration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms

from reporting.exports.formats import FORMATS
from reporting.models import Community
from reporting.query.filters import LEAF_OPS, LIST_OPS
from reporting.reports.members import MEMBERS

RECORDS = "records"
_TOO_DEEP = "Not valid JSON: nested too deeply"
_FORMAT_LABELS = {"csv": "CSV", "csv_excel": "CSV for Excel (;)", "xlsx": "Excel workbook (.xlsx)"}


def _what_choices() -> list[tuple[str, str]]:
    return [(RECORDS, "Members (every record)")] + [
        (aggregation.name, f"Aggregation: {aggregation.name}") for aggregation in MEMBERS.aggregations
    ]


def _field_choices() -> list[tuple[str, str]]:
    fields = [(field.name, field.name) for field in MEMBERS.fields if field.filterable]
    keyed = [(f"{field.name}.", f"{field.name}.<key>") for field in MEMBERS.fields if field.keyed is not None]
    return [("", "No filter"), *fields, *keyed]


class ExportForm(forms.Form):
    club = forms.TypedChoiceField(coerce=int, label="Club")
    what = forms.ChoiceField(label="Export", choices=_what_choices)
    format = forms.ChoiceField(label="Format", choices=[(name, _FORMAT_LABELS[name]) for name in FORMATS])
    filter_field = forms.ChoiceField(label="Filter field", choices=_field_choices, required=False)
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

    def __init__(self, *args: Any, clubs: Sequence[Community], **kwargs: Any):
        super().__init__(*args, **kwargs)
        club = self.fields["club"]
        assert isinstance(club, forms.TypedChoiceField)
        club.choices = [(club_.id, f"{club_.name} ({club_.id})") for club_ in clubs]

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

    def export_body(self) -> dict[str, Any]:
        """The export request body of the API (validated later against the report, like any API body)."""
        data = self.cleaned_data
        body: dict[str, Any] = {"report": MEMBERS.name, "format": data["format"], "filter": data["filter"]}
        if data["what"] != RECORDS:
            body["aggregate_by"] = data["what"]
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
