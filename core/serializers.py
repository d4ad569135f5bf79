"""The API's serializer bases: DRF's, refusing a JSON value of the wrong type.

DRF coerces: ``"title": 0`` is saved as ``"0"``, ``"done": 0`` as false, ``"points": "5"``
as 5, ``"story": "2"`` as the story 2. The schema says a string, a boolean, a number, an
id; a script that sends something else has a bug, and saying so (400, naming the field)
beats saving a guess. Every serializer of the API derives from ``Serializer`` or
``ModelSerializer`` here (``tests/core/test_strict_types.py`` holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import fields, relations, serializers
from rest_framework.exceptions import ValidationError

NOT_A_STRING = _("Give a text (a JSON string).")
NOT_A_BOOLEAN = _("Give true or false.")
NOT_A_NUMBER = _("Give a number.")
NOT_AN_ID = _("Give an object's id (a whole number).")
NOT_A_LIST = _("Give a list.")
NOT_AN_OBJECT = _("Give an object.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def type_error(field: fields.Field[Any, Any, Any, Any], value: Any) -> Any:
    """The message for ``value`` if it isn't of the JSON type ``field`` takes, else None."""
    if value is None:
        return None  # allow_null is the field's own check
    match field:
        case fields.BooleanField():
            return None if isinstance(value, bool) else NOT_A_BOOLEAN
        case fields.MultipleChoiceField() | fields.ListField() | relations.ManyRelatedField():
            if not isinstance(value, list):
                return NOT_A_LIST
            child = getattr(field, "child", None) or getattr(field, "child_relation", None)
            if child is None:
                return None
            return next((e for item in value if (e := type_error(child, item))), None)
        case fields.ChoiceField():
            keys = list(field.choices)
            if all(_is_int(k) for k in keys):
                return None if _is_int(value) else NOT_A_NUMBER
            return None if isinstance(value, str) else NOT_A_STRING
        case (
            fields.CharField()
            | fields.DateField()
            | fields.DateTimeField()
            | fields.TimeField()
            | relations.SlugRelatedField()
        ):
            return None if isinstance(value, str) else NOT_A_STRING
        case fields.IntegerField():
            return None if _is_int(value) else NOT_A_NUMBER
        case fields.FloatField() | fields.DecimalField():
            return None if _is_number(value) else NOT_A_NUMBER
        case relations.PrimaryKeyRelatedField():
            return None if _is_int(value) else NOT_AN_ID
        case fields.DictField():
            return None if isinstance(value, dict) else NOT_AN_OBJECT
        case serializers.ListSerializer():
            return None if isinstance(value, list) else NOT_A_LIST
        case serializers.BaseSerializer():
            return None if isinstance(value, dict) else NOT_AN_OBJECT
    return None


class StrictTypes(serializers.Serializer):
    """Refuse, before DRF coerces anything, every value of the wrong JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: [message]
                for name, field in self.fields.items()
                if not field.read_only
                and (field.source or name) != "*"
                and name in data
                and (message := type_error(field, data[name]))
            }
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class Serializer(StrictTypes):
    pass


class ModelSerializer(StrictTypes, serializers.ModelSerializer):
    pass
