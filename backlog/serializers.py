from __future__ import annotations

from rest_framework import serializers

from backlog.models import POINT_CHOICES, Epic, Release, Story, StoryKind, Task
from products.models import Product, Status, Team
from products.serializers import UserScopedRelatedField


class ReleaseSerializer(serializers.ModelSerializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")

    class Meta:
        model = Release
        fields = ["id", "product", "name", "date"]


class EpicSerializer(serializers.ModelSerializer):
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


class StorySerializer(serializers.ModelSerializer):
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Story
        fields = [
            "id", "product", "team", "epic", "release", "sprint", "kind", "title",
            "description", "acceptance_criteria", "points", "status", "rank", "ready",
            "assignee", "labels", "version", "created_by", "created_at", "updated_by",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StoryCreateSerializer(serializers.Serializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=StoryKind.choices, default=StoryKind.STORY)
    team = UserScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    epic = UserScopedRelatedField(queryset=Epic.objects.all(), allow_null=True, required=False)
    release = UserScopedRelatedField(
        queryset=Release.objects.all(), allow_null=True, required=False
    )
    description = serializers.CharField(allow_blank=True, required=False, default="")
    acceptance_criteria = serializers.CharField(allow_blank=True, required=False, default="")
    points = serializers.ChoiceField(choices=POINT_CHOICES, allow_null=True, required=False)
    at_top = serializers.BooleanField(default=False, help_text="Add at the top of the backlog.")


class StoryUpdateSerializer(serializers.Serializer):
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
    description = serializers.CharField(allow_blank=True, required=False)
    acceptance_criteria = serializers.CharField(allow_blank=True, required=False)
    points = serializers.ChoiceField(choices=POINT_CHOICES, allow_null=True, required=False)


class MoveSerializer(serializers.Serializer):
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


class ReadySerializer(serializers.Serializer):
    ready = serializers.BooleanField()


class TaskSerializer(serializers.ModelSerializer):
    story = UserScopedRelatedField(queryset=Story.objects.all())

    class Meta:
        model = Task
        fields = ["id", "story", "title", "done", "assignee", "rank"]
        read_only_fields = ["rank", "assignee"]
