"""The serializers of the calendar endpoints (``sprints/api/calendar.py``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from accounts.models import User
from core import serializers as strict
from core.fields import MARKDOWN_MAX_LENGTH, validate_day
from core.parsing import MAX_ID
from sprints.models import Ceremony, CeremonyKind

KINDS = "One of: " + ", ".join(CeremonyKind.values) + "."


CEREMONY = {
    "id": 12,
    "team": 1,
    "sprint": 7,
    "kind": "retrospective",
    "title": "",
    "starts_at": "2027-01-15T14:00:00Z",
    "ends_at": "2027-01-15T15:30:00Z",
    "duration_minutes": 90,
    "location": "Room 4",
    "video_url": "https://meet.example.com/falcons-retro",
    "notes": "- Reviews wait too long: pair on them",
    "cancelled": False,
    "moved_by_hand": True,
    "started_at": "2027-01-15T14:02:10Z",
    "ended_at": "2027-01-15T15:41:00Z",
    "overrun_minutes": 9,
    "attendees": [3, 5, 8],
    "version": 4,
    "updated_at": "2027-01-15T15:41:00Z",
    "uid": "ceremony-12@cadence",
}


@extend_schema_field(
    {
        "type": "string",
        "anyOf": [{"format": "uri"}, {"maxLength": 0}],
        "description": "The video call's link; empty when there is none.",
        "example": "https://meet.example.com/falcons-retro",
    }
)
class OptionalURLField(serializers.CharField):
    """A link that may be empty: "" is no URI, so the schema says either (a URLField's
    schema would say "format: uri" and an empty link would break it)."""

    def to_internal_value(self, data: Any) -> str:
        # Not in `validators`: drf-spectacular would turn a URLValidator into "format: uri".
        value = super().to_internal_value(data)
        try:
            URLValidator()(value)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(
                serializers.URLField.default_error_messages["invalid"]
            ) from invalid
        return value


@extend_schema_serializer(
    examples=[OpenApiExample("A retrospective, held", value=CEREMONY, response_only=True)]
)
class CeremonySerializer(strict.ModelSerializer):
    video_url = OptionalURLField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    uid = serializers.CharField(read_only=True, help_text="The iCalendar UID, for good.")
    # A string, not an enum: the schema's "kind" enum is the story's.
    kind = serializers.CharField(read_only=True, help_text=KINDS)
    overrun_minutes = serializers.IntegerField(read_only=True)
    attendees: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Ceremony
        fields = [
            "id", "team", "sprint", "kind", "title", "starts_at", "ends_at", "duration_minutes",
            "location", "video_url", "notes", "cancelled", "moved_by_hand", "started_at",
            "ended_at", "overrun_minutes", "attendees", "version", "updated_at", "uid",
        ]  # fmt: skip
        read_only_fields = fields


class CeremonyUpdateSerializer(strict.Serializer):
    version = serializers.IntegerField(help_text="The version you edited.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False, validators=[validate_day])
    duration_minutes = serializers.IntegerField(required=False, min_value=1)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    video_url = OptionalURLField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=MARKDOWN_MAX_LENGTH, help_text="Markdown."
    )


class AttendanceSerializer(strict.Serializer):
    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        help_text="User ids: who was there (replaces the list).",
    )
