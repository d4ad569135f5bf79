from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from backlog.models import POINT_CHOICES, Epic, Label, Release, Story, StoryKind, Task
from core import serializers as strict
from core.fields import MARKDOWN_MAX_LENGTH
from products.models import Product, Status, Team
from products.serializers import UserScopedRelatedField


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A release",
            value={"id": 1, "product": 1, "name": "2.0", "date": "2027-03-31"},
            response_only=True,
        ),
        OpenApiExample(
            "A new release",
            value={"product": 1, "name": "2.1", "date": "2027-06-30"},
            request_only=True,
        ),
    ]
)
class ReleaseSerializer(strict.ModelSerializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")

    class Meta:
        model = Release
        fields = ["id", "product", "name", "date"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An epic",
            value={
                "id": 3,
                "product": 1,
                "title": "Reporting",
                "description": "",
                "colour": "#2f6fde",
                "start_date": "2027-01-04",
                "target_date": "2027-03-26",
                "release": 1,
                "rank": "a1",
            },
            response_only=True,
        ),
        OpenApiExample(
            "A new epic",
            value={"product": 1, "title": "Reporting", "target_date": "2027-03-26"},
            request_only=True,
        ),
    ]
)
class EpicSerializer(strict.ModelSerializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    release = UserScopedRelatedField(
        queryset=Release.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Epic
        fields = [
            "id",
            "product",
            "title",
            "description",
            "colour",
            "start_date",
            "target_date",
            "release",
            "rank",
        ]
        read_only_fields = ["rank"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A story",
            value={
                "id": 42,
                "product": 1,
                "team": 1,
                "epic": 3,
                "release": 1,
                "sprint": None,
                "kind": "story",
                "title": "Export the backlog as CSV",
                "description": "",
                "acceptance_criteria": "- [ ] One row per story",
                "points": 5,
                "status": 1,
                "rank": "a0V",
                "ready": True,
                "assignee": None,
                "labels": ["reporting"],
                "version": 3,
                "created_by": 4,
                "created_at": "2026-11-02T09:00:00Z",
                "updated_by": 4,
                "updated_at": "2026-11-20T10:12:03Z",
            },
            response_only=True,
        ),
    ]
)
class StorySerializer(strict.ModelSerializer):
    labels: serializers.SlugRelatedField[Label] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )

    class Meta:
        model = Story
        fields = [
            "id", "product", "team", "epic", "release", "sprint", "kind", "title",
            "description", "acceptance_criteria", "points", "status", "rank", "ready",
            "assignee", "labels", "version", "created_by", "created_at", "updated_by",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StoryCreateSerializer(strict.Serializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=StoryKind.choices, default=StoryKind.STORY)
    team = UserScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    epic = UserScopedRelatedField(queryset=Epic.objects.all(), allow_null=True, required=False)
    release = UserScopedRelatedField(
        queryset=Release.objects.all(), allow_null=True, required=False
    )
    description = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=MARKDOWN_MAX_LENGTH
    )
    acceptance_criteria = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=MARKDOWN_MAX_LENGTH
    )
    points = serializers.ChoiceField(choices=POINT_CHOICES, allow_null=True, required=False)
    at_top = serializers.BooleanField(default=False, help_text="Add at the top of the backlog.")


class StoryUpdateSerializer(strict.Serializer):
    version = serializers.IntegerField(
        help_text="The version you edited; an older one is refused with 409."
    )
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=StoryKind.choices, required=False)
    team = UserScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    epic = UserScopedRelatedField(queryset=Epic.objects.all(), allow_null=True, required=False)
    release = UserScopedRelatedField(
        queryset=Release.objects.all(), allow_null=True, required=False
    )
    description = serializers.CharField(
        allow_blank=True, required=False, max_length=MARKDOWN_MAX_LENGTH
    )
    acceptance_criteria = serializers.CharField(
        allow_blank=True, required=False, max_length=MARKDOWN_MAX_LENGTH
    )
    points = serializers.ChoiceField(choices=POINT_CHOICES, allow_null=True, required=False)


class MoveSerializer(strict.Serializer):
    status = UserScopedRelatedField(queryset=Status.objects.all(), required=False, allow_null=True)
    after = UserScopedRelatedField(
        queryset=Story.objects.all(),
        required=False,
        allow_null=True,
        help_text="Place the story right after this one.",
    )
    before = UserScopedRelatedField(
        queryset=Story.objects.all(),
        required=False,
        allow_null=True,
        help_text="Place the story right before this one.",
    )
    position = serializers.ChoiceField(
        choices=["top", "bottom"], required=False, help_text="The top or the bottom of its list."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The top or the bottom of the story's list (its sprint, or the product backlog)
        become neighbours: the service only takes neighbours."""
        if position := attrs.pop("position", None):
            story = self.context["story"]
            attrs["after"], attrs["before"] = Story.objects.list_of(story).place(
                story, position=position
            )
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Ready",
            value={"ready": True},
            request_only=True,
        ),
    ]
)
class ReadySerializer(strict.Serializer):
    ready = serializers.BooleanField()
    confirm = serializers.BooleanField(
        default=False,
        help_text="Mark it ready although it misses Definition of Ready items: accepted when "
        "the product warns (`readiness_rule` warn), never when it enforces.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A task",
            value={
                "id": 8,
                "story": 42,
                "title": "Write the export",
                "done": False,
                "assignee": None,
                "rank": "a0",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Tick",
            value={"done": True},
            request_only=True,
        ),
    ]
)
class TaskSerializer(strict.ModelSerializer):
    story = UserScopedRelatedField(queryset=Story.objects.all())

    class Meta:
        model = Task
        fields = ["id", "story", "title", "done", "assignee", "rank"]
        read_only_fields = ["rank", "assignee"]
