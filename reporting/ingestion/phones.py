"""msisdn -> ISO 3166-1 alpha-2 country with the ``phonenumbers`` library (ingestion.md ``msisdn_country``).

The rule: a number that ``phonenumbers.parse`` + ``phonenumbers.is_valid_number`` accept gives the main region
of its country calling code (``region_code_for_country_code``: +1 -> US, +47 -> NO); anything else gives None.

:func:`msisdn_country_by_parsing` is that rule word for word. :func:`msisdn_country` gives the same answer
faster for the common shape ``+digits`` (the phone-number step was half of an import's Python time): it splits
the country code itself and evaluates the library's own metadata patterns (the same regular expressions, the
same length filters, the same region choice) with one pre-combined expression per region and length instead
of up to ten separate look-ups. Where the shortcut could differ from ``parse`` (a national number that starts
with 0 or with the region's national prefix) it calls ``parse``. tests/ingestion/test_phones.py checks both
agree on many thousands of numbers.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

_E164_RE = re.compile(r"\+[1-9][0-9]{6,14}", re.ASCII)
# The number types _number_type_helper tries before fixed line and mobile; any match makes a number valid.
_OTHER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")
_NO_MATCH = re.compile(r"(?!)")
_type_patterns: dict[tuple[int, int], re.Pattern[str]] = {}
_general_patterns: dict[tuple[int, int], re.Pattern[str]] = {}
_prefix_patterns: dict[int, re.Pattern[str] | None] = {}
_leading_patterns: dict[int, re.Pattern[str] | None] = {}


def _country(region: str) -> str | None:
    # Non-geographic calling codes (+800, +882, …) have the pseudo-region "001": no country.
    return region if len(region) == 2 and region.isalpha() else None


def msisdn_country_by_parsing(msisdn: str) -> str | None:
    try:
        number = phonenumbers.parse(msisdn, None)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _country(phonenumbers.region_code_for_country_code(number.country_code or 0))


def _desc_pattern(desc: Any, length: int) -> str | None:
    """The desc's pattern when a national number of ``length`` digits can match it (_is_number_matching_desc)."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return str(desc.national_number_pattern)


def _general(metadata: Any, length: int) -> re.Pattern[str]:
    key = (id(metadata), length)
    pattern = _general_patterns.get(key)
    if pattern is None:
        source = _desc_pattern(metadata.general_desc, length)
        pattern = _general_patterns[key] = _NO_MATCH if source is None else re.compile(source)
    return pattern


def _any_type(metadata: Any, length: int) -> re.Pattern[str]:
    """One expression that fully matches exactly when one of _number_type_helper's type checks succeeds."""
    key = (id(metadata), length)
    pattern = _type_patterns.get(key)
    if pattern is None:
        descs = [getattr(metadata, name) for name in (*_OTHER_TYPES, "fixed_line")]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.append(metadata.mobile)
        sources = [source for desc in descs if (source := _desc_pattern(desc, length)) is not None]
        pattern = re.compile("|".join(f"(?:{source})" for source in sources)) if sources else _NO_MATCH
        _type_patterns[key] = pattern
    return pattern


def _is_valid_for(national: str, metadata: Any) -> bool:
    length = len(national)
    return bool(_general(metadata, length).fullmatch(national) and _any_type(metadata, length).fullmatch(national))


def _compiled(cache: dict[int, re.Pattern[str] | None], metadata: Any, source: str | None) -> re.Pattern[str] | None:
    key = id(metadata)
    if key not in cache:
        cache[key] = None if source is None else re.compile(source)
    return cache[key]


def _region_for(code: int, national: str) -> str | None:
    """region_code_for_number for a number without leading zeros."""
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return regions[0]
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            leading = _compiled(_leading_patterns, metadata, metadata.leading_digits)
            if leading is not None and leading.match(national):
                return region
        elif _is_valid_for(national, metadata):
            return region
    return None


def _e164_country(msisdn: str) -> str | bool | None:
    """The rule for a ``+digits`` number, or False when only ``parse`` can decide it exactly."""
    digits = msisdn[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None  # parse raises INVALID_COUNTRY_CODE
    country = _country(phonenumbers.region_code_for_country_code(code))
    if country is None:
        return None
    national = digits[size:]
    if national[0] == "0":
        return False  # parse keeps Italian-style leading zeros or strips a national prefix
    main = PhoneMetadata.metadata_for_region_or_calling_code(code, country)
    if main is None:
        return False
    prefix = _compiled(_prefix_patterns, main, main.national_prefix_for_parsing)
    if prefix is not None and prefix.match(national):
        return False  # parse may strip it as a national prefix
    region = _region_for(code, national)
    if region is None:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
    if metadata is None:
        return None
    return country if _is_valid_for(national, metadata) else None


def msisdn_country(msisdn: str | None) -> str | None:
    """The main region of a valid number's country code (+1 -> US); None for a missing or invalid number."""
    if not msisdn:
        return None
    if _E164_RE.fullmatch(msisdn):
        decided = _e164_country(msisdn)
        if decided is not False:
            return decided  # type: ignore[return-value]
    return msisdn_country_by_parsing(msisdn)
