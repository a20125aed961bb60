"""Personal data in ``properties`` is recognised by key meaning and by value shape (docs/ingestion.md)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from reporting.ingestion.derive import MemberRow, derive
from reporting.ingestion.personal import luhn_valid
from tests.ingestion.test_derive import REF, member

VARIANT_KEYS = [
    "firstName", "FirstName", "first-name", "First Name", "lastName", "surname", "Surname", "given_name",
    "phoneNumber", "phone-number", "mobile", "Mobile", "mobileNumber", "e-mail", "E-Mail", "email_address",
    "emailAddress", "workEmail", "birthDate", "birth-date", "DOB", "zipCode", "zip code", "postcode", "postCode",
    "homeAddress", "billing_address", "pushToken", "ip_address", "cardNumber", "creditCard", "passportNumber",
]  # fmt: skip
SHAPED_VALUES = [
    "kari.nordmann@example.com", "contact: KARI@EXAMPLE.NO!", "+4791234567", "+47 912 34 567", "91234567",
    "073-024 68 13", "(0)22 33 44 55", "0046 70 123 45 67", "4111 1111 1111 1111", "5555-5555-5555-4444",
    "call +47 912 34 567 after 5", "10.0.120.201",
]  # fmt: skip
KEPT_VALUES = [
    "woman", "fashion", "2024-05-17", "17.05.2024", "2024-05-17T10:00:00Z", "1234567", "v1.2.3", "NO",
    "550e8400-e29b-41d4-a716-446655440000", "SKU-12345678-AB", "4111111111111112", "gold tier", "x@y",
]  # fmt: skip


def properties_of(properties: dict[str, Any]) -> dict[str, Any]:
    derived = derive(member(properties=properties), REF)
    assert isinstance(derived, MemberRow), derived
    return derived.properties


@pytest.mark.parametrize("key", VARIANT_KEYS)
def test_variant_spellings_of_personal_keys_are_dropped(key: str) -> None:
    assert properties_of({key: "x", "nested": {key: {"deep": 1}}, "list": [{key: 2}], "kept": 1}) == {
        "nested": {},
        "list": [{}],
        "kept": 1,
    }


@pytest.mark.parametrize("value", SHAPED_VALUES)
def test_personal_shaped_values_are_dropped_under_any_key(value: str) -> None:
    assert properties_of({"note": value, "deep": {"x": [value, "keep"]}, value: True, "kept": 1}) == {
        "deep": {"x": ["keep"]},
        "kept": 1,
    }


@pytest.mark.parametrize("value", KEPT_VALUES)
def test_ordinary_values_are_kept(value: str) -> None:
    assert properties_of({"note": value, "list": [value]}) == {"note": value, "list": [value]}


def test_ordinary_keys_are_kept() -> None:
    properties = {"gender": "man", "interests": ["golf"], "country": "NO", "bonus_points": 10, "tier": "gold"}
    assert properties_of(properties) == properties


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("79927398710")


def test_a_number_beyond_a_double_rejects_the_line() -> None:
    derived = derive(member(properties={"points": math.inf, "deep": [1, -math.inf]}), REF)
    assert derived == {
        "properties": {
            "points": [{"error": "invalid_value", "options": {"reason": "number out of range"}}],
            "deep": {"1": [{"error": "invalid_value", "options": {"reason": "number out of range"}}]},
        }
    }
