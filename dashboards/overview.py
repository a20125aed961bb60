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
from dashboards.labels import display
from dashboards.selectors import OverviewData
from dashboards.urlfilters import JOINED_FROM, JOINED_TO, NULL_TOKEN, ViewFilter, token_value, value_token
from reporting.reports.members import MEMBERS
from reporting.selectors import report_metadata

Clubs = Mapping[int, str]


def _cities(data: OverviewData, clubs: Clubs) -> charts.Chart:
    return charts.cities_chart(data.cities, data.places(), clubs, members=_members(data))


def _members(data: OverviewData) -> dict[int, int] | None:
    """Each compared club's members (bars become shares), None for one club."""
    return data.club_members if data.scope.multi else None


def _bars(
    key: str, title: str, heading: str, field_name: str, dist: str
) -> Callable[[OverviewData, Clubs], charts.Chart]:
    def build(data: OverviewData, clubs: Clubs) -> charts.Chart:
        return charts.bar_chart(key, title, heading, field_name, getattr(data, dist), clubs, members=_members(data))

    return build


def _consents(data: OverviewData, clubs: Clubs) -> charts.Chart:
    return charts.consents_chart(
        data.consents,
        data.kpis.totals["members"],
        per_club=data.consents_per_club,
        club_members=data.club_members,
        clubs=clubs,
    )


def _map(data: OverviewData, clubs: Clubs) -> charts.Chart:
    return charts.map_chart(data.cities.totals, data.places())


CHARTS: dict[str, Callable[[OverviewData, Clubs], charts.Chart]] = {
    "reachability": lambda d, c: charts.reachability_chart(d.kpis, c),
    "gender": lambda d, c: charts.donut_chart("gender", "Gender", "Gender", "gender", d.gender, c),
    "age": lambda d, c: charts.pyramid_chart(d.pyramid, d.pyramid_per_club, c),
    "platform": lambda d, c: charts.donut_chart(
        "platform", "Opt-in platform", "Platform", "optin_platform", d.platform, c
    ),
    "channel": _bars("channel", "Opt-in channel (top 20)", "Channel", "optin_channel", "channel"),
    "subchannel": _bars("subchannel", "Opt-in subchannel (top 20)", "Subchannel", "optin_subchannel", "subchannel"),
    "consents": _consents,
    "interests": _bars("interests", "Interests (top 20)", "Interest", "properties.interests", "interests"),
    "cities": _cities,
    "map": _map,
}


@dataclass(frozen=True)
class Control:
    """One picker of the filter bar; ``name`` is the URL parameter it sets. A ``multiple`` picker holds any number
    of values (the URL repeats the parameter: ``age=20-24&age=25-29``), and always shows every applied one."""

    name: str
    label: str
    kind: str  # "select" or "date"
    options: list[tuple[str, str]] = field(default_factory=list)
    selected: tuple[str, ...] = ()
    multiple: bool = False

    @property
    def size(self) -> int:
        return min(5, max(2, len(self.options)))


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
    "segment": "Segment",
    JOINED_FROM: "Joined from",
    JOINED_TO: "Joined until",
}
YES_NO = [("true", "yes"), ("false", "no")]
CONSENT_VALUES = [("true", "given"), ("false", "refused"), (NULL_TOKEN, "unknown")]


def _options(values: list[Any], names: Callable[[Any], str] = display) -> list[tuple[str, str]]:
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
        return _options(values) + ([(NULL_TOKEN, charts.UNKNOWN)] if name == "age" else [])

    def control(name: str, options: list[tuple[str, str]], label: str | None = None) -> Control:
        return Control(name, label or FIELD_LABELS.get(name, name), "select", options)

    def many(name: str, options: list[tuple[str, str]]) -> Control:
        return Control(name, FIELD_LABELS.get(name, name), "select", options, multiple=True)

    people = [
        many("gender", _options(picker_values.get("gender", []))),
        many("age", enum("age")),
    ]
    origin = [
        many("optin_platform", enum("optin_platform")),
        many("optin_channel", _options(picker_values.get("optin_channel", []))),
        many("optin_subchannel", _options(picker_values.get("optin_subchannel", []))),
    ]
    reach = [control(f"marketing_via_{c}", YES_NO) for c in ("sms", "email", "push", "anything")]
    consents = [
        control(f"consents.{key}", CONSENT_VALUES, f"Consent: {key}")
        for key in sorted(picker_values.get("consents", []))
    ]
    more = [
        many("properties.interests", _options(picker_values.get("properties.interests", []))),
        many("city_place_id", _options(picker_values.get("city_place_id", []), city)),
        Control(JOINED_FROM, FIELD_LABELS[JOINED_FROM], "date"),
        Control(JOINED_TO, FIELD_LABELS[JOINED_TO], "date"),
    ]
    groups = [("Members", people), ("Origin", origin), ("Reachability", reach), ("Consents", consents),
              ("Interests, places, dates", more)]  # fmt: skip
    groups = [(title, [_select(c, view_filter) for c in controls]) for title, controls in groups if controls]
    shown = {(c.name, value) for _, controls in groups for c in controls for value in c.selected}
    hidden = [(name, value) for name, value in view_filter.params if (name, value) not in shown]
    chips = [
        Chip(_chip_label(name, value, city), urlencode([*keep, *view_filter.without(name, value)]))
        for name, value in view_filter.params
    ]
    return FilterBar(groups, hidden, chips)


def _select(control: Control, view_filter: ViewFilter) -> Control:
    """The control showing the view's values: all of them for a multiple picker, else its one value (several
    values of a single picker stay as hidden fields and chips). A value the picker does not list is added."""
    values = view_filter.values(control.name)
    if not values or (len(values) > 1 and not control.multiple):
        return control
    listed = {value for value, _ in control.options}
    extra = [(v, display(token_value(v))) for v in values if v not in listed] if control.kind == "select" else []
    return Control(
        control.name, control.label, control.kind, [*control.options, *extra], tuple(values), control.multiple
    )


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
        shown = display(token_value(value))
    return f"{FIELD_LABELS.get(name, name)}: {shown}"
