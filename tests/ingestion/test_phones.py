"""The fast msisdn path must give exactly what phonenumbers.parse + is_valid_number give."""

from __future__ import annotations

import random

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from reporting.ingestion.phones import msisdn_country, msisdn_country_by_parsing

CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)


def oracle(msisdn: str) -> str | None:
    """ingestion.md's rule spelled out with the library's public API only."""
    try:
        number = phonenumbers.parse(msisdn, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return region if len(region) == 2 and region.isalpha() else None


def test_agrees_with_the_library_on_every_calling_code() -> None:
    rng = random.Random(20240409)
    numbers = []
    for code in CODES:
        for _ in range(60):
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(4, 13)))
            numbers.append(f"+{code}{digits}")
    # Real-looking mobile numbers too, so that many of them are valid.
    for prefix, length in (("+479", 7), ("+474", 7), ("+4670", 7), ("+1201555", 4), ("+447911", 6), ("+3906", 8)):
        numbers += [prefix + "".join(rng.choice("0123456789") for _ in range(length)) for _ in range(300)]
    valid = 0
    for number in numbers:
        expected = oracle(number)
        assert msisdn_country(number) == expected, number
        assert msisdn_country_by_parsing(number) == expected, number
        valid += expected is not None
    assert valid > 1500  # the sample exercises the valid branch a lot, not only rejections


@settings(max_examples=3000, deadline=None)
@given(st.from_regex(r"\A\+[0-9]{1,16}\Z") | st.text(alphabet="+0123456789 -()", max_size=20))
def test_agrees_with_the_library_on_random_digit_strings(msisdn: str) -> None:
    assert msisdn_country(msisdn) == oracle(msisdn)


def test_known_answers() -> None:
    assert msisdn_country("+4791234567") == "NO"
    assert msisdn_country("+14165550123") == "US"  # Canada shares +1; the library's main region is US
    assert msisdn_country("+390612345678") == "IT"  # Italian leading zero: decided by parse
    assert msisdn_country("+80012345678") is None
    assert msisdn_country("") is None
    assert msisdn_country(None) is None
