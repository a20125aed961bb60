"""Synthetic operational members for demos and benchmarks: deterministic for a seed and an end date.

:func:`demo_member_lines` yields JSON lines exactly like an operational export (ingestion.md), personal data
included (fake names, e-mails, phone numbers, tokens, addresses), as a change feed in time order: each
member's line at the time it joined, and for those who left a ``deleted`` line at the time they left. The
lines go through the product's own ingestion path, so every derived field (and each event's attributes and age
on its own day) is the product's.

The two years have the shape a marketer recognises (:func:`join_intensity`): growth, a December peak, a June
summer campaign, the July holiday dip and a January lull, more sign-ups at weekends. Churn is early-heavy
(time to leave is exponential, so most leavers go in their first months) and campaign joiners leave twice as
often; about 7% of all joiners have left by the end, so 55,000 joins keep over 50,000 members.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

import orjson

UTC = dt.UTC
T = TypeVar("T")
HISTORY_DAYS = 730
LEAVE_SHARE = 0.085  # of ordinary joiners who would leave given time; censored at the end of the history
CAMPAIGN_LEAVE_SHARE = 0.17  # summer-campaign joiners: a prize draw brings members who do not stay
MEAN_DAYS_TO_LEAVE = 110.0
FOREIGN_PLACE_SHARE = 0.07
NO_PLACE_SHARE = 0.08


@dataclass(frozen=True)
class DemoCommunity:
    id: int
    slug: str
    name: str
    country: str
    timezone: str
    share: float


DEMO_COMMUNITIES = (
    DemoCommunity(235, "oslo-city", "Oslo City Club", "NO", "Europe/Oslo", 0.6),
    DemoCommunity(236, "stockholm-city", "Stockholm City Club", "SE", "Europe/Stockholm", 0.4),
)
# "kiosk" contains "ios", so ingestion.md's default rule would call kiosk sign-ups iOS: the demo clubs override it.
DEMO_PLATFORM_OVERRIDES = {"kiosk": "other"}
NEIGHBOURS = {"NO": ("SE", "DK", "FI"), "SE": ("NO", "FI", "DK"), "DK": ("SE", "NO", "DE"), "FI": ("SE", "NO")}

# Calling code and national mobile number shapes (first digits, total national length) that phonenumbers
# accepts as valid; the numbers themselves are random.
MOBILE = {
    "NO": ("+47", ("40", "41", "46", "47", "48", "9"), 8),
    "SE": ("+46", ("70", "72", "73", "76"), 9),
    "DK": ("+45", ("26", "27", "28"), 8),
    "FI": ("+358", ("40", "41", "44", "50"), 9),
    "DE": ("+49", ("151", "160", "170", "176"), 11),
    "US": ("+1", ("201555", "212555"), 10),
}

CHANNELS = ("android-app", "ios-app", "webforms", "website", "pos", "kiosk", None)
CHANNEL_WEIGHTS = tuple(accumulate((28, 25, 15, 12, 8, 5, 7)))
GENDERS = ("woman", "man", "other", None)
GENDER_WEIGHTS = tuple(accumulate((48, 40, 2, 10)))
# Age-bucket shares of the seed's buckets (peak 25-45); ages inside a bucket are uniform.
AGE_RANGES = ((10, 14), (15, 19), (20, 24), (25, 29), (30, 34), (35, 39), (40, 44), (45, 49), (50, 54),
              (55, 59), (60, 64), (65, 69), (70, 74), (75, 79), (80, 94))  # fmt: skip
AGE_WEIGHTS = tuple(accumulate((1, 4, 8, 12, 14, 14, 12, 9, 7, 6, 5, 4, 2, 1, 1)))
INTERESTS = (
    "fashion", "food_and_drink", "sports", "health_and_fitness", "beauty", "home_and_garden", "electronics",
    "travel", "kids_and_family", "books", "music", "movies", "gaming", "pets", "outdoor", "cooking",
    "dietary_and_nutrition", "art_and_design", "cars", "photography", "sustainability", "jewellery",
    "wine", "coffee", "events",
)  # fmt: skip
INTEREST_WEIGHTS = tuple(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(INTERESTS))))
SMS_STATUSES = ("verified", "enabled", "disabled", "barred")
SMS_WEIGHTS = tuple(accumulate((70, 10, 15, 5)))
EMAIL_STATUSES = ("verified", "enabled", "disabled", "complained", "hard_bounced", "unsubscribed")
EMAIL_WEIGHTS = tuple(accumulate((55, 20, 10, 2, 5, 8)))
CONSENTS = (("sms_marketing", 0.62), ("email_marketing", 0.7), ("push_marketing", 0.55),
            ("dmp_profiling", 0.45), ("cookie_tracking", 0.6))  # fmt: skip
FIRST_NAMES = ("Ingrid", "Ola", "Kari", "Lars", "Emma", "Erik", "Sofia", "Johan", "Nora", "Anders", "Maja",
               "Oskar", "Sara", "Magnus", "Ida", "Henrik", "Linnea", "Jonas", "Astrid", "Nils")  # fmt: skip
LAST_NAMES = ("Hansen", "Johansson", "Olsen", "Andersson", "Larsen", "Karlsson", "Nilsen", "Nilsson", "Berg",
              "Lindqvist", "Haugen", "Eriksson", "Dahl", "Persson", "Bakken", "Svensson")  # fmt: skip
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
SUBCHANNELS = {
    "android-app": ("app-home", "app-checkout", None),
    "ios-app": ("app-home", "app-checkout", None),
    "webforms": ("newsletter", "competition", "wifi-portal"),
    "website": ("signup-page", None),
}


@dataclass(frozen=True)
class CityPool:
    """One country's cities with cumulative population weights, in id order (deterministic)."""

    ids: tuple[str, ...]
    cum_weights: tuple[float, ...]


def load_city_pools(countries: Sequence[str]) -> dict[str, CityPool]:
    """The Place table's cities of ``countries`` weighted by population (countries without cities left out)."""
    from reporting.models import Place

    pools: dict[str, CityPool] = {}
    for country in countries:
        rows = list(Place.objects.filter(type="city", country=country).order_by("id").values_list("id", "population"))
        if rows:
            ids = tuple(row[0] for row in rows)
            pools[country] = CityPool(ids, tuple(accumulate(max(row[1], 1) for row in rows)))
    return pools


def in_summer_campaign(day: dt.date) -> bool:
    return day.month == 6 and 8 <= day.day <= 28


def join_intensity(day: dt.date, *, progress: float) -> float:
    """Relative sign-ups on ``day``, ``progress`` (0..1) through the history: trend times season times weekday."""
    trend = 0.55 + 0.9 * progress
    season = 1.0
    if day.month == 12 and day.day <= 24:
        season += 1.6 * math.exp(-(((day.day - 16) / 6.0) ** 2))  # the Christmas shopping peak
    elif day.month == 11 and day.day >= 24:
        season += 0.7  # Black Friday week
    elif day.month == 1 or (day.month == 12 and day.day > 24):
        season *= 0.7  # the post-Christmas lull
    if in_summer_campaign(day):
        season += 1.5
    elif (day.month == 7 and day.day >= 5) or (day.month == 8 and day.day <= 5):
        season *= 0.45  # fellesferie / industrisemester: the clubs' towns empty out
    weekday = 1.2 if day.weekday() >= 5 else 1.0
    return trend * season * weekday


def _pick(rng: random.Random, values: Sequence[T], cum_weights: Sequence[float]) -> T:
    return rng.choices(values, cum_weights=cum_weights)[0]


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Generator:
    def __init__(self, *, n: int, seed: int, communities: Sequence[DemoCommunity], first_id: int, until: dt.date):
        self.rng = random.Random(seed)
        self.n = n
        self.first_id = first_id
        self.communities = tuple(communities)
        self.community_weights = tuple(accumulate(c.share for c in communities))
        self.end = dt.datetime.combine(until, dt.time(), tzinfo=UTC)
        self.start = self.end - dt.timedelta(days=HISTORY_DAYS)
        self.until = until
        countries = {c.country for c in communities}
        for country in list(countries):
            countries.update(NEIGHBOURS.get(country, ()))
        self.pools = load_city_pools(sorted(countries))
        first_day = self.start.date()
        self.day_weights = [
            join_intensity(first_day + dt.timedelta(days=d), progress=d / HISTORY_DAYS) for d in range(HISTORY_DAYS)
        ]
        self.cum_day_weights = list(accumulate(self.day_weights))

    def joined_at(self, index: int) -> dt.datetime:
        # Quantiles of the sign-up curve, increasing with the index, so lines come out in time order.
        target = (index + self.rng.random()) / self.n * self.cum_day_weights[-1]
        day = min(bisect_left(self.cum_day_weights, target), HISTORY_DAYS - 1)
        before = self.cum_day_weights[day - 1] if day else 0.0
        within = min(max((target - before) / self.day_weights[day], 0.0), 1.0 - 1e-9)
        return self.start + dt.timedelta(days=day, seconds=within * 86400)

    def phone(self, country: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:
            return "+47" + str(rng.randrange(100, 99999))  # too short: invalid
        if roll < 0.03:
            country = "US"
        elif country not in MOBILE:
            country = "NO"
        code, prefixes, length = MOBILE[country]
        prefix = rng.choice(prefixes)
        digits = length - len(prefix)
        return f"{code}{prefix}{rng.randrange(10**digits):0{digits}d}"

    def place(self, country: str) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < NO_PLACE_SHARE:
            return None
        if roll < NO_PLACE_SHARE + FOREIGN_PLACE_SHARE:
            options = [c for c in NEIGHBOURS.get(country, ()) if c in self.pools]
            if options:
                country = rng.choice(options)
        pool = self.pools.get(country)
        if pool is None:
            return None
        return str(_pick(rng, pool.ids, pool.cum_weights))

    def member(self, index: int, joined: dt.datetime, last_change: dt.datetime) -> dict[str, object]:
        rng = self.rng
        community = _pick(rng, self.communities, self.community_weights)
        channel = _pick(rng, CHANNELS, CHANNEL_WEIGHTS)
        if channel in ("pos", "kiosk"):
            subchannel: str | None = f"store-{rng.randrange(1, 41):03d}"
        else:
            subchannel = rng.choice(SUBCHANNELS.get(channel or "", (None,)))
        app = channel in ("android-app", "ios-app")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        home = community.country if rng.random() < 0.93 else rng.choice(NEIGHBOURS[community.country])
        birth_date = None
        if rng.random() < 0.9:
            low, high = _pick(rng, AGE_RANGES, AGE_WEIGHTS)
            days = rng.randrange(low * 365, high * 365 + 365)
            birth_date = (self.until - dt.timedelta(days=days)).isoformat()
        properties: dict[str, object] = {
            "interests": sorted({str(_pick(rng, INTERESTS, INTEREST_WEIGHTS)) for _ in range(rng.randrange(5))}),
            "bonus_points": int(rng.expovariate(1 / 400)),
            "first_name": first,  # personal: ingestion drops it
            "zip_code": f"{rng.randrange(10000):04d}",  # personal: ingestion drops it
        }
        gender = _pick(rng, GENDERS, GENDER_WEIGHTS)
        if gender is not None:
            properties["gender"] = gender
        if rng.random() < 0.03:
            properties["country"] = home
        if rng.random() < 0.3:
            properties["newsletter_frequency"] = rng.choice(("weekly", "monthly"))
        consents = {name: rng.random() < share for name, share in CONSENTS if rng.random() < 0.9}
        city = self.place(home)
        tokens = []
        if app and rng.random() < 0.8:
            tokens = [f"{rng.getrandbits(128):032x}" for _ in range(rng.choice((1, 1, 2)))]
        base = community.id * 100
        return {
            "id": self.first_id + index,
            "community_id": community.id,
            "optin_channel": channel,
            "optin_subchannel": subchannel,
            "first_name": first,
            "last_name": last,
            "address": f"{last}gata {rng.randrange(1, 120)}",
            "msisdn": self.phone(home) if rng.random() < 0.88 else None,
            "email": f"{first}.{last}{index}@{rng.choice(MAIL_DOMAINS)}".lower() if rng.random() < 0.8 else None,
            "sms_status": _pick(rng, SMS_STATUSES, SMS_WEIGHTS),
            "email_status": _pick(rng, EMAIL_STATUSES, EMAIL_WEIGHTS),
            "push_status": "enabled" if tokens and rng.random() < 0.85 else "disabled",
            "push_tokens": tokens,
            "birth_date": birth_date,
            "properties": properties,
            "consents": consents,
            "subunit_ids": sorted({base + rng.randrange(1, 13) for _ in range(rng.choice((0, 1, 1, 2)))}),
            "group_ids": sorted({base * 10 + rng.randrange(1, 41) for _ in range(rng.randrange(6))}),
            "favorite_stores": sorted({base + 100 + rng.randrange(1, 41) for _ in range(rng.randrange(4))}),
            "city_place_id": city,
            "place_id": city,
            "created_at": _iso(joined),
            "updated_at": _iso(last_change),
        }

    def lines(self) -> Iterator[bytes]:
        rng = self.rng
        leaves: list[tuple[dt.datetime, int, bytes]] = []
        for index in range(self.n):
            joined = self.joined_at(index)
            while leaves and leaves[0][0] <= joined:
                yield heapq.heappop(leaves)[2]
            share = CAMPAIGN_LEAVE_SHARE if in_summer_campaign(joined.date()) else LEAVE_SHARE
            left = None
            if rng.random() < share:
                stay = dt.timedelta(seconds=60 + rng.expovariate(1 / MEAN_DAYS_TO_LEAVE) * 86400)
                left = joined + stay if joined + stay < self.end else None  # not yet gone at the end
            horizon = ((left or self.end) - joined).total_seconds()
            changed = joined + dt.timedelta(seconds=rng.random() * min(horizon / 2, 30 * 86400))
            record = self.member(index, joined, changed)
            yield orjson.dumps(record) + b"\n"
            if left is not None:
                stamp = _iso(left)
                deletion = {
                    "id": record["id"],
                    "community_id": record["community_id"],
                    "deleted": True,
                    "deleted_at": stamp,
                    "updated_at": stamp,
                }
                heapq.heappush(leaves, (left, index, orjson.dumps(deletion) + b"\n"))
        while leaves:
            yield heapq.heappop(leaves)[2]


def demo_member_lines(
    n: int,
    *,
    seed: int = 42,
    communities: Sequence[DemoCommunity] = DEMO_COMMUNITIES,
    first_id: int = 1_000_001,
    until: dt.date | None = None,
) -> Iterator[bytes]:
    """``n`` members as operational JSON lines (plus a deletion line for each leaver), in time order.

    Deterministic for (n, seed, communities, first_id, until); ``until`` (default: today, UTC) is the end of
    the two-year history. Needs the Place table (cities are drawn from it by population).
    """
    end = until or dt.datetime.now(UTC).date()
    return _Generator(n=n, seed=seed, communities=communities, first_id=first_id, until=end).lines()
