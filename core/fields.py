"""Text fields with a length limit, and date fields with a range, that every edge enforces.

The limit is the field's ``max_length`` and a ``MaxLengthValidator``: model forms and DRF
model serializers take ``max_length`` from the field, ``full_clean`` runs the validator,
and hand-written form and serializer fields name the same constants.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _

# The most characters a Markdown field holds (a story's description, a vision, notes…):
# about eight pages. Jira's text fields stop at 32,767 characters, GitHub's issue bodies
# at 65,536. Rendering is linear in the text (tests/bench/markdown.py); the limit bounds
# what one edit may make every reader download and render.
MARKDOWN_MAX_LENGTH = 20_000
# The most characters of a plain-text field of several lines (a daily entry, a retro
# card, a sprint goal, an impediment's reason).
TEXT_MAX_LENGTH = 5_000

# The return types name the TextField's set and get types (those of a plain
# ``models.TextField()``): django-stubs types a field made by a function by its declared
# type, and a bare ``TextField`` would make every such column ``Any``.
TextColumn = models.TextField[str | Combinable, str]


def markdown_field(verbose_name: Any, *, help_text: Any = None, **kwargs: Any) -> TextColumn:
    return models.TextField(
        verbose_name,
        max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH)],
        help_text=help_text if help_text is not None else _("Markdown."),
        **kwargs,
    )


def text_field(verbose_name: Any, **kwargs: Any) -> TextColumn:
    return models.TextField(
        verbose_name,
        max_length=TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
        **kwargs,
    )


# The days a user may give any date or time (a sprint, an epic, a release, a ceremony, a
# due date…): a range no plan of a living team leaves, and far inside what every database,
# Python's datetime (years 1 to 9999) and a time-zone shift can hold, so that adding a
# sprint's length or a ceremony's duration, or showing a time in the team's zone, never
# overflows. Every edge checks it: models and their forms and serializers through these
# fields, hand-written fields with ``validate_day``, services with ``check_days`` before they
# write, query strings with ``core.parsing``, and the CSV import.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
_FIRST_MOMENT = dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=dt.UTC)
_LAST_MOMENT = dt.datetime.combine(LAST_DAY, dt.time.max, tzinfo=dt.UTC)


def day_in_range(value: dt.date | dt.datetime) -> bool:
    """Whether a date, or a time (read in UTC, naive ones as they are), lies in the range."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return FIRST_DAY <= value.date() <= LAST_DAY
        return _FIRST_MOMENT <= value <= _LAST_MOMENT
    return FIRST_DAY <= value <= LAST_DAY


def out_of_range_message() -> str:
    return _("Give a date between %(first)s and %(last)s.") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def validate_day(value: dt.date | dt.datetime | None) -> None:
    """The validator of every date and time a user sets (models, forms, serializers)."""
    if value is not None and not day_in_range(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


def check_days(**values: dt.date | dt.datetime | None) -> None:
    """A service's check before it writes: every named date in the range, or one error per
    field. Services write with ``update()``, which runs no validator."""
    errors = {
        name: out_of_range_message()
        for name, value in values.items()
        if value is not None and not day_in_range(value)
    }
    if errors:
        raise ValidationError(errors)


def clamp_day[D: (dt.date, dt.datetime)](value: D) -> D:
    """The nearest day of the range: how a stored value outside it is read."""
    if day_in_range(value):
        return value
    if isinstance(value, dt.datetime):
        aware = value.tzinfo is not None and value.utcoffset() is not None
        low = _FIRST_MOMENT if aware else _FIRST_MOMENT.replace(tzinfo=None)
        high = _LAST_MOMENT if aware else _LAST_MOMENT.replace(tzinfo=None)
        return low if value < low else high
    return FIRST_DAY if value < FIRST_DAY else LAST_DAY


class _Bounded:
    """A date or time column whose values a user sets: validated on the way in, and read
    back inside the range whatever the row holds (a row written before the bound, or by
    hand), so that no page, feed or report fails on it."""

    default_validators: list[Any] = [validate_day]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else clamp_day(value)

    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("validators", [validate_day])
        return super().formfield(**kwargs)  # type: ignore[misc]


class DayField(_Bounded, models.DateField):
    """A date a user sets, inside FIRST_DAY..LAST_DAY."""


class MomentField(_Bounded, models.DateTimeField):
    """A date and time a user sets, on a day inside FIRST_DAY..LAST_DAY (in UTC)."""
