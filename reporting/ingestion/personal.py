"""What counts as personal data inside ``properties``: keys by meaning, values by shape (docs/ingestion.md).

Two independent defences, because neither is enough alone:

* **Keys** are compared in a canonical form (case-folded, every separator and non-alphanumeric character
  removed), so ``firstName``, ``First-Name``, ``first name`` and ``FIRST_NAME`` are one key. A key is personal
  when its canonical form is in :data:`PERSONAL_KEYS` (the spec's list, synonyms and a setting's additions) or
  contains one of :data:`PERSONAL_STEMS` (``workEmail``, ``mobilePhoneNumber``, ``billingAddress``, …).
* **Values** (and keys) are dropped when they look like an e-mail address, a phone number (8-15 digits, with
  the usual separators, that is not a date) or a payment card number (13-19 digits passing the Luhn check),
  whatever key they are under, at any depth.

Pure Python, no Django: it runs in the import's worker processes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# Canonical forms: see canonical_key. The first row is ingestion.md's list.
PERSONAL_KEYS = frozenset(
    {
        "firstname", "lastname", "name", "fullname", "email", "msisdn", "phone", "phonenumber", "birthdate",
        "birthday", "dateofbirth", "address", "street", "streetaddress", "zip", "zipcode", "postalcode", "ssn",
        "nationalid", "passport",
        # synonyms
        "surname", "givenname", "forename", "familyname", "middlename", "maidenname", "nickname", "username",
        "mail", "emailaddress", "mobile", "mobilenumber", "mobileno", "cell", "cellphone", "tel", "telephone",
        "fax", "dob", "postcode", "plz", "housenumber", "pushtoken", "pushtokens",
        "devicetoken", "iban", "bic", "pan", "cardnumber", "creditcard", "cvv", "ip", "ipaddress", "personnummer",
        "fodselsnummer", "personalnumber", "personalidentitynumber", "socialsecuritynumber", "taxid", "nin",
        "driverslicense", "licenseplate", "passportnumber", "geolocation", "latitude", "longitude",
    }
)  # fmt: skip
# A canonical key containing one of these is personal: distinctive enough that a longer key holding it is too.
PERSONAL_STEMS = (
    "email", "phone", "msisdn", "mobilenumber", "birth", "firstname", "lastname", "surname", "fullname",
    "givenname", "familyname", "address", "zipcode", "postcode", "postalcode", "passport", "nationalid",
    "socialsecurity", "creditcard", "cardnumber", "pushtoken", "devicetoken",
)  # fmt: skip

_NOT_ALNUM = re.compile(r"[\W_]+")
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\W\d_]{2,}")
# A run of digits with phone separators, not glued to letters or digits on either side (so the digit groups
# of a UUID or a product code are not runs of their own).
_DIGIT_RUN = re.compile(r"(?<![\w\-./])(?:\+|\b)\d(?:[ ().\-/]{0,2}\d){7,18}(?![\w])")
_SEPARATED_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_NON_DIGITS = re.compile(r"\D")


def canonical_key(key: str) -> str:
    """``firstName``, ``first-name``, ``First Name`` -> ``firstname``."""
    return _NOT_ALNUM.sub("", key.casefold())


def canonical_keys(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(canonical_key(str(key)) for key in keys)


@functools.lru_cache(maxsize=16384)
def is_personal_key(key: str, personal_keys: frozenset[str]) -> bool:
    """``personal_keys`` in canonical form (a Reference's); keys repeat across members, hence the cache."""
    canonical = canonical_key(key)
    return canonical in personal_keys or any(stem in canonical for stem in PERSONAL_STEMS) or looks_personal(key)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def looks_personal(text: str) -> bool:
    """An e-mail address, a phone number or a payment card number anywhere in ``text``."""
    # Property values repeat (interests, tiers, genders): short ones are answered from a bounded cache.
    return _looks_personal_short(text) if len(text) <= 64 else _looks_personal(text)


def _looks_personal(text: str) -> bool:
    if "@" in text and _EMAIL.search(text):
        return True
    if len(text) < 8:
        return False
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        digits = _NON_DIGITS.sub("", run)
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True  # a card number
        if 8 <= len(digits) <= 15 and not _SEPARATED_DATE.fullmatch(run):
            return True  # a phone number
    return False


_looks_personal_short = functools.lru_cache(maxsize=1 << 16)(_looks_personal)
