"""JSON bodies only, parsed strictly: invalid UTF-8, NaN/Infinity or absurd nesting is malformed JSON (400)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONParser(BaseParser):
    # Every body is read as JSON whatever its Content-Type: the API speaks nothing else, and a curl user
    # who forgot the header should get the same answer as one who sent it.
    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            raise ParseError(f"Malformed JSON: body is not UTF-8 ({exc.reason})") from None
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from None
        except RecursionError:
            raise ParseError("Malformed JSON: nested too deeply") from None
