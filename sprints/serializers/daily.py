"""The serializers of the daily endpoints (``sprints/api/daily.py``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema_serializer,
)
from rest_framework import serializers

from backlog.models import Story
from core import serializers as strict
from products.serializers import UserScopedRelatedField
from sprints.models import Ceremony, DailyEntry

ENTRY = {
    "id": 57,
    "ceremony": 12,
    "author": 4,
    "done": "Payment form",
    "doing": "Its tests",
    "blockers": "No sandbox API keys",
    "finished": False,
    "version": 2,
    "created_at": "2027-01-12T08:58:41Z",
    "updated_at": "2027-01-12T09:31:05Z",
}


@extend_schema_serializer(
    examples=[OpenApiExample("With a blocker", value=ENTRY, response_only=True)]
)
class DailyEntrySerializer(strict.ModelSerializer):
    # Declared as its base class: EditSerializer names the ceremony read-only.
    ceremony: serializers.PrimaryKeyRelatedField[Ceremony] = UserScopedRelatedField(
        queryset=Ceremony.objects.all(),
        product_path="team__product",
        help_text="The daily meeting (a ceremony of kind `daily`) held today in the team's "
        "time zone.",
    )
    blocker_story = UserScopedRelatedField(
        queryset=Story.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="The story of the daily's sprint that the blocker blocks; empty: the team.",
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The version you edited; a stale one is refused with 409.",
    )

    class Meta:
        model = DailyEntry
        fields = [
            "id", "ceremony", "author", "done", "doing", "blockers", "blocker_story",
            "finished", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["author", "finished", "created_at", "updated_at"]
        extra_kwargs = {
            "done": {"required": False, "default": ""},
            "doing": {"required": False, "default": ""},
            "blockers": {"required": False, "default": ""},
        }


class EditSerializer(DailyEntrySerializer):
    ceremony: serializers.PrimaryKeyRelatedField[Ceremony] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )


class FinishedSerializer(strict.Serializer):
    ceremony = UserScopedRelatedField(queryset=Ceremony.objects.all(), product_path="team__product")
    finished = serializers.BooleanField()
