from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backlog.models import Story
from products.models import Team
from products.serializers import UserScopedRelatedField
from sprints.models import Impediment, Sprint


class SprintSerializer(serializers.ModelSerializer):
    team = UserScopedRelatedField(queryset=Team.objects.all())
    length_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Sprint
        fields = [
            "id", "team", "name", "goal", "start_date", "end_date", "length_days", "state",
            "committed_points", "completed_points", "goal_met", "started_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = [
            "state", "committed_points", "completed_points", "goal_met", "started_at",
            "closed_at",
        ]  # fmt: skip


class CloseSerializer(serializers.Serializer):
    goal_met = serializers.BooleanField(allow_null=True, required=False, default=None)
    carry_over_to = UserScopedRelatedField(
        queryset=Sprint.objects.all(),
        product_path="team__product",
        allow_null=True,
        required=False,
        help_text="A planned sprint of the team; empty: the top of the product backlog.",
    )


class SprintStorySerializer(serializers.Serializer):
    story = UserScopedRelatedField(queryset=Story.objects.all())


class ImpedimentSerializer(serializers.ModelSerializer):
    story = UserScopedRelatedField(
        queryset=Story.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The blocked story; empty with `team`: the whole team is blocked.",
    )
    team = UserScopedRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The blocked team, when no story is named (otherwise the story's team).",
    )

    class Meta:
        model = Impediment
        fields = [
            "id", "team", "sprint", "story", "reason", "owner", "raised_in", "opened_by",
            "opened_at", "resolved_at", "resolved_by", "resolution_note",
        ]  # fmt: skip
        read_only_fields = [
            "sprint", "owner", "raised_in", "opened_by", "opened_at", "resolved_at",
            "resolved_by", "resolution_note",
        ]  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("story") is None and attrs.get("team") is None:
            raise serializers.ValidationError({"story": "Name the blocked story or team."})
        return attrs


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")
