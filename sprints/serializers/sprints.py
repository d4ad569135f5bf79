from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from backlog.models import Sprint, Story
from backlog.serializers import StorySerializer
from core import serializers as strict
from core.fields import TEXT_MAX_LENGTH, validate_day
from products.models import Team
from products.serializers import UserScopedRelatedField
from sprints.completion import Unaccepted
from sprints.models import Impediment
from sprints.services.planning import planning_warnings


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A sprint",
            value={
                "id": 7,
                "team": 1,
                "name": "Sprint 12",
                "goal": "Ship the CSV export",
                "start_date": "2027-01-04",
                "end_date": "2027-01-17",
                "length_days": 14,
                "state": "planned",
                "committed_points": None,
                "completed_points": None,
                "goal_met": None,
                "started_at": None,
                "closed_at": None,
            },
            response_only=True,
        ),
        OpenApiExample(
            "A new sprint",
            value={
                "team": 1,
                "name": "Sprint 12",
                "goal": "Ship the CSV export",
                "start_date": "2027-01-04",
                "end_date": "2027-01-17",
            },
            request_only=True,
        ),
    ]
)
class SprintSerializer(strict.ModelSerializer):
    team = UserScopedRelatedField(queryset=Team.objects.all())
    length_days = serializers.IntegerField(read_only=True)
    record_past = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Record a past sprint: one that ended before today, with no ceremonies. "
        "Without it, a sprint that is over already is refused.",
    )

    class Meta:
        model = Sprint
        fields = [
            "id", "team", "name", "goal", "start_date", "end_date", "length_days", "state",
            "committed_points", "completed_points", "goal_met", "started_at", "closed_at",
            "record_past",
        ]  # fmt: skip
        read_only_fields = [
            "state", "committed_points", "completed_points", "goal_met", "started_at",
            "closed_at",
        ]  # fmt: skip


class SprintUpdateSerializer(strict.Serializer):
    """A sprint's name, goal and dates, as its edit page takes them; each optional."""

    name = serializers.CharField(max_length=120, required=False)
    goal = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False)
    start_date = serializers.DateField(required=False, validators=[validate_day])
    end_date = serializers.DateField(required=False, validators=[validate_day])


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Goal met, carry over",
            value={"goal_met": True, "carry_over_to": 8, "unaccepted": {"42": "carry_over"}},
            request_only=True,
        ),
    ]
)
class CloseSerializer(strict.Serializer):
    goal_met = serializers.BooleanField(allow_null=True, required=False, default=None)
    carry_over_to = UserScopedRelatedField(
        queryset=Sprint.objects.all(),
        product_path="team__product",
        allow_null=True,
        required=False,
        help_text="A planned sprint of the team; empty: the top of the product backlog.",
    )
    unaccepted = serializers.DictField(
        child=serializers.ChoiceField(choices=Unaccepted.choices),
        required=False,
        default=dict,
        help_text="For each story in a done column that the Product Owner has not accepted, "
        'by its id: "accept" (the PO, with its Definition of Done ticked), "carry_over" '
        '(into `carry_over_to`) or "backlog" (the top of the backlog, in the first to-do '
        "column). Every such story needs one: completed points count accepted stories only.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A story",
            value={"story": 42},
            request_only=True,
        ),
    ]
)
class SprintStorySerializer(strict.Serializer):
    story = UserScopedRelatedField(queryset=Story.objects.all())


class PlannedStorySerializer(StorySerializer):
    """The story added to a sprint, and what it lacks to be planned with confidence."""

    warnings = serializers.SerializerMethodField(
        help_text="`not_ready`: not marked ready (the product only warns; one that enforces "
        "its Definition of Ready refuses it with 400); `not_estimated`: no points yet."
    )

    class Meta(StorySerializer.Meta):
        fields = [*StorySerializer.Meta.fields, "warnings"]
        read_only_fields = [*StorySerializer.Meta.read_only_fields, "warnings"]

    def get_warnings(self, story: Story) -> list[str]:
        return planning_warnings(story)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An impediment",
            value={
                "id": 5,
                "team": 1,
                "sprint": 7,
                "story": 42,
                "reason": "Waiting for the bank's API key",
                "opened_by": 6,
                "opened_at": "2026-11-20T09:40:00Z",
                "resolved_at": None,
                "resolved_by": None,
                "resolution_note": "",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Blocked",
            value={"story": 42, "reason": "Waiting for the bank's API key"},
            request_only=True,
        ),
    ]
)
class ImpedimentSerializer(strict.ModelSerializer):
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


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Resolved",
            value={"note": "The key came on Tuesday."},
            request_only=True,
        ),
    ]
)
class ResolveSerializer(strict.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)
