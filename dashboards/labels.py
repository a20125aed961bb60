"""How a group value is shown on a chart, in a table or a filter chip; the raw value stays in tooltips, CSVs
and URLs (``urlfilters.value_token``), so humanising never changes what the API or a CSV returns.

- null is "(unknown)", the empty string "(empty)": both are real groups a marketer can drill into;
- leading and trailing spaces are drawn as "␠", so " pos" and "pos" never look alike;
- snake_case keys read as words (``food_and_drink`` -> "Food and drink"), the open-ended age bucket ``80-``
  reads "80+" and ``-14`` reads "≤14";
- labels of one chart are made unique: two raw values that would read alike keep their raw spelling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

UNKNOWN = "(unknown)"
EMPTY_VALUE = "(empty)"
SPACE = "␠"
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_OPEN_AGE = re.compile(r"^(\d+)-$")
_UP_TO_AGE = re.compile(r"^-(\d+)$")


def display(value: Any) -> str:
    if value is None:
        return UNKNOWN
    text = str(value)
    if text == "":
        return EMPTY_VALUE
    core = text.strip(" ")
    if core != text:
        lead = len(text) - len(text.lstrip(" "))
        trail = len(text) - len(text.rstrip(" "))
        return SPACE * lead + core + SPACE * trail
    if _SNAKE.match(text):
        return text.replace("_", " ").capitalize()
    if match := _OPEN_AGE.match(text):
        return f"{match.group(1)}+"
    if match := _UP_TO_AGE.match(text):
        return f"≤{match.group(1)}"
    return text


def raw(value: Any) -> str:
    """The exact stored value, for tooltips: JSON spelling, so quotes show spaces and null reads null."""
    return json.dumps(value, ensure_ascii=False)


def unique_labels(values: Iterable[Any], shown: Any = display) -> list[str]:
    """Display labels for one chart's values; a label shared by two values falls back to the raw spelling."""
    values = list(values)
    labels = [shown(v) for v in values]
    seen: dict[str, int] = {}
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
    return [f"{text} [{raw(v)}]" if seen[text] > 1 else text for text, v in zip(labels, values, strict=True)]
