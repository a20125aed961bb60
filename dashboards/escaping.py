"""HTML written in Python for the templates' hottest loops, escaped exactly as the template's autoescape would."""

from __future__ import annotations

import html
import re
from typing import Any

_SPECIAL = re.compile("[&<>\"']")  # what html.escape replaces


def autoescaped(value: Any) -> str:
    """What the template's autoescape writes (``conditional_escape``), without its lazy-string wrapper, which was
    most of the cost of a few thousand cells; text with nothing to escape (numbers, most labels) is returned as it
    is instead of going through ``html.escape``'s five replacements."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    text = str(value)
    return html.escape(text) if _SPECIAL.search(text) else text
