"""The API's JSON parser: DRF's, with a depth limit and no NUL characters.

A body nested 100,000 deep makes ``json.loads`` raise ``RecursionError`` (a 500); one
nested a few hundred deep is accepted by the parser but costs every serializer that walks
it. No endpoint takes more than a few levels, so deeper is refused with 400, as is a NUL in
any string or key (PostgreSQL refuses it in a text value; see core.middleware for query
strings and forms).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest a request body may nest (an object in a list in an object… counts 3).
MAX_DEPTH = 16


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            data = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise ParseError(too_deep()) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        check(data)
        return data


def too_deep() -> str:
    return _("JSON nested deeper than %(depth)d levels.") % {"depth": MAX_DEPTH}


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; DRF's own parser refuses them too (strict mode).
    raise ValueError(f"{name} is not valid JSON")


def check(data: Any) -> None:
    """Refuse a value nested deeper than MAX_DEPTH or holding a NUL; iterative, so any
    depth the decoder accepted is walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("The request holds a NUL character, which no field takes."))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(too_deep())
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


class CSVParser(parsers.BaseParser):
    """A ``text/csv`` body, as bytes, for the one endpoint that takes a file (the backlog's
    import); refused past ``MAX_CSV_BYTES``. The csv module reads it (backlog.csvio)."""

    media_type = "text/csv"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:  # bytes: DRF hands the parser's answer over as request.data, whatever it is
        data: bytes = stream.read(MAX_CSV_BYTES + 1) if stream is not None else b""
        if len(data) > MAX_CSV_BYTES:
            raise ParseError(_("Send a CSV file of 5 MB at most."))
        return data


# The largest CSV file the backlog's import takes, on the page and in the API.
MAX_CSV_BYTES = 5 * 1024 * 1024
