"""Reading what a query string or a form names: ids, numbers, dates and choices.

Every page and every API endpoint reads its parameters here, so that a value is either
what the parameter takes or a 400 naming the parameter: never a 500 (``int("²")`` fails
although ``"²".isdigit()`` is true; an id past 2**63 overflows SQLite; a date past 9999
overflows ``datetime``) and never a silent "no filter". An absent or empty parameter is
None (or the default). ``BadInput`` is Django's ``BadRequest``: pages answer 400, and the
API's exception handler (``config.api``) answers it as a field error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from core.fields import day_in_range, out_of_range_message

# The largest id a bigint column holds: a larger one names no object, and SQLite
# overflows on it.
MAX_ID = 2**63 - 1


class BadInput(BadRequest):
    """A parameter whose value isn't one it takes: nothing was read, nothing was written."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def _digits(raw: str) -> bool:
    # ASCII digits only: "²" and "٣" are digits to str.isdigit but not to int() or SQL.
    return raw.isascii() and raw.isdigit()


def parse_id(raw: str | None, name: str) -> int | None:
    """An object's id (1 to 2**63-1), None when empty."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not _digits(raw) or not 0 < int(raw) <= MAX_ID:
        raise BadInput(name, _("Give an object's id (a whole number)."))
    return int(raw)


def parse_int(
    raw: str | None, name: str, *, default: int, minimum: int = 0, maximum: int = MAX_ID
) -> int:
    """A whole number in ``minimum..maximum``; ``default`` when empty."""
    raw = (raw or "").strip()
    if not raw:
        return default
    if not _digits(raw.removeprefix("-")) or not minimum <= int(raw) <= maximum:
        raise BadInput(
            name,
            _("Give a whole number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum},
        )
    return int(raw)


def parse_date(raw: str | None, name: str) -> dt.date | None:
    """A day as ``YYYY-MM-DD`` inside the range every date is held to (core.fields)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadInput(name, _("Give a date as YYYY-MM-DD.")) from None
    if not day_in_range(day):
        raise BadInput(name, out_of_range_message())
    return day


def parse_moment(raw: str | None, name: str) -> dt.datetime | None:
    """A day (its midnight in UTC) or an ISO 8601 time (UTC when it names no zone), inside
    the dates' range."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(name, _("Give a date (YYYY-MM-DD) or a time in ISO 8601.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if not day_in_range(moment):
        raise BadInput(name, out_of_range_message())
    return moment


def parse_choice(raw: str | None, name: str, choices: Iterable[str]) -> str | None:
    """One of ``choices`` (a TextChoices' ``values``), None when empty."""
    raw = (raw or "").strip()
    if not raw:
        return None
    allowed = [str(choice) for choice in choices]
    if raw not in allowed:
        raise BadInput(name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    return raw


# The same, read from a QueryDict (request.GET, request.POST, request.query_params).


def id_param(params: Mapping[str, str], name: str) -> int | None:
    return parse_id(params.get(name), name)


def id_list(params: Mapping[str, str], name: str) -> list[int]:
    """Every value of a repeated parameter (``stories=1&stories=2``) as ids; empty ones skipped."""
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name, "")]
    return [pk for raw in values if (pk := parse_id(raw, name)) is not None]


def int_param(
    params: Mapping[str, str],
    name: str,
    *,
    default: int,
    minimum: int = 0,
    maximum: int = MAX_ID,
) -> int:
    return parse_int(params.get(name), name, default=default, minimum=minimum, maximum=maximum)


def date_param(params: Mapping[str, str], name: str) -> dt.date | None:
    return parse_date(params.get(name), name)


def moment_param(params: Mapping[str, str], name: str) -> dt.datetime | None:
    return parse_moment(params.get(name), name)


def choice_param(params: Mapping[str, str], name: str, choices: Iterable[str]) -> str | None:
    return parse_choice(params.get(name), name, choices)


def toggle_param(params: Mapping[str, str], name: str, choices: Iterable[str], default: str) -> str:
    """A page's view switch (``?layout=lanes``): the default when absent, 400 when unknown."""
    return parse_choice(params.get(name), name, choices) or default
