"""The overview dashboard: which charts it shows, fed from which data set, and its filter bar.

``CHARTS`` maps a chart key to the function that turns an ``OverviewData`` into a ``charts.Chart``; the page
builds them all, the CSV endpoint one, so a chart's table and its CSV are the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from dashboards import charts
from dashboards.selectors import OverviewData
from dashboards.urlfilters import JOINED_FROM, JOINED_TO, NULL_TOKEN, ViewFilter, value_token
from reporting.reports.members import MEMBERS
from reporting.selectors import report_metadata

Clubs = Mapping[int, str]


def _cities(data: OverviewData, clubs: Clubs) -> charts.Chart:
    return charts.cities_chart(data.cities, data.places(), clubs)


def _map(data: OverviewData, clubs: Clubs) -> charts.Chart:
    return charts.map_chart(data.cities.totals, data.places())


CHARTS: dict[str, Callable[[OverviewData, Clubs], charts.Chart]] = {
    "reachability": lambda d, c: charts.reachability_chart(d.kpis, c),
    "gender": lambda d, c: charts.donut_chart("gender", "Gender", "Gender", "gender", d.gender, c),
    "age": lambda d, c: charts.pyramid_chart(d.pyramid),
    "platform": lambda d, c: charts.donut_chart(
        "platform", "Opt-in platform", "Platform", "optin_platform", d.platform, c
    ),
    "channel": lambda d, c: charts.bar_chart(
        "channel", "Opt-in channel (top 20)", "Channel", "optin_channel", d.channel, c
    ),
    "subchannel": lambda d, c: charts.bar_chart(
        "subchannel", "Opt-in subchannel (top 20)", "Subchannel", "optin_subchannel", d.subchannel, c
    ),
    "consents": lambda d, c: charts.consents_chart(d.consents, d.kpis.totals["members"]),
    "interests": lambda d, c: charts.bar_chart(
        "interests", "Interests (top 20)", "Interest", "properties.interests", d.interests, c
    ),
    "cities": _cities,
    "map": _map,
}


@dataclass(frozen=True)
class Control:
    """One picker of the filter bar; ``name`` is the URL parameter it sets."""

    name: str
    label: str
    kind: str  # "select" or "date"
    options: list[tuple[str, str]] = field(default_factory=list)
    selected: str = ""


@dataclass(frozen=True)
class Chip:
    label: str
    remove_query: str


@dataclass(frozen=True)
class FilterBar:
    groups: list[tuple[str, list[Control]]]
    hidden: list[tuple[str, str]]
    chips: list[Chip]


FIELD_LABELS = {
    "gender": "Gender",
    "age": "Age",
    "optin_platform": "Platform",
    "optin_channel": "Channel",
    "optin_subchannel": "Subchannel",
    "properties.interests": "Interest",
    "city_place_id": "City",
    "place_id": "Place",
    "marketing_via_sms": "Reachable by SMS",
    "marketing_via_email": "Reachable by e-mail",
    "marketing_via_push": "Reachable by push",
    "marketing_via_anything": "Reachable by any channel",
    JOINED_FROM: "Joined from",
    JOINED_TO: "Joined until",
}
YES_NO = [("true", "yes"), ("false", "no")]
CONSENT_VALUES = [("true", "given"), ("false", "refused"), (NULL_TOKEN, "unknown")]


def _options(values: list[Any], names: Callable[[Any], str] = charts.label) -> list[tuple[str, str]]:
    return [(value_token(v), names(v)) for v in values]


def filter_bar(
    *,
    view_filter: ViewFilter,
    picker_values: Mapping[str, list[Any]],
    places: Mapping[str, dict[str, Any]],
    keep: Sequence[tuple[str, str]] = (),
) -> FilterBar:
    """Pickers from the report declaration (enum values) and field metadata (values present in the clubs)."""
    declared = {f["name"]: f for f in report_metadata(MEMBERS)["fields"]}
    city = charts.city_name(places)

    def enum(name: str) -> list[tuple[str, str]]:
        values = list(declared[name].get("values", []))
        return [(v, v) for v in values] + ([(NULL_TOKEN, charts.UNKNOWN)] if name == "age" else [])

    def control(name: str, options: list[tuple[str, str]], label: str | None = None) -> Control:
        return Control(name, label or FIELD_LABELS.get(name, name), "select", options)

    people = [
        control("gender", _options(picker_values.get("gender", []))),
        control("age", enum("age")),
    ]
    origin = [
        control("optin_platform", enum("optin_platform")),
        control("optin_channel", _options(picker_values.get("optin_channel", []))),
    ]
    reach = [control(f"marketing_via_{c}", YES_NO) for c in ("sms", "email", "push", "anything")]
    consents = [
        control(f"consents.{key}", CONSENT_VALUES, f"Consent: {key}")
        for key in sorted(picker_values.get("consents", []))
    ]
    more = [
        control("properties.interests", _options(picker_values.get("properties.interests", []))),
        control("city_place_id", _options(picker_values.get("city_place_id", []), city)),
        Control(JOINED_FROM, FIELD_LABELS[JOINED_FROM], "date"),
        Control(JOINED_TO, FIELD_LABELS[JOINED_TO], "date"),
    ]
    groups = [("Members", people), ("Origin", origin), ("Reachability", reach), ("Consents", consents),
              ("Interests, places, dates", more)]  # fmt: skip
    groups = [(title, [_select(c, view_filter) for c in controls]) for title, controls in groups if controls]
    shown = {c.name for _, controls in groups for c in controls if c.selected}
    hidden = [(name, value) for name, value in view_filter.params if name not in shown]
    chips = [
        Chip(_chip_label(name, value, city), urlencode([*keep, *view_filter.without(name, value)]))
        for name, value in view_filter.params
    ]
    return FilterBar(groups, hidden, chips)


def _select(control: Control, view_filter: ViewFilter) -> Control:
    """The control with the view's value selected when the view has exactly one value for it."""
    values = view_filter.values(control.name)
    if len(values) != 1:
        return control
    options = control.options
    if control.kind == "select" and values[0] not in {value for value, _ in options}:
        options = [*options, (values[0], values[0])]
    return Control(control.name, control.label, control.kind, options, values[0])


def _chip_label(name: str, value: str, city: Callable[[Any], str]) -> str:
    if name.startswith("consents."):
        shown = dict(CONSENT_VALUES).get(value, value)
        return f"Consent {name.partition('.')[2]}: {shown}"
    if value == NULL_TOKEN:
        shown = charts.UNKNOWN
    elif name in ("city_place_id", "place_id"):
        shown = city(value)
    elif name.startswith("marketing_via_"):
        shown = dict(YES_NO).get(value, value)
    else:
        shown = value
    return f"{FIELD_LABELS.get(name, name)}: {shown}"
