from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from products.models import Event, Membership, Product, Status, Team


class UserScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of an object in one of the requesting user's products: others are "not found"."""

    def __init__(self, *, product_path: str = "product", **kwargs: Any) -> None:
        self.product_path = product_path
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        products = Product.objects.for_user(request.user)
        return queryset.filter(**{f"{self.product_path}__in": products})


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A product",
            value={
                "id": 1,
                "name": "Huddle",
                "slug": "demo",
                "vision": "Teams decide together.",
                "business_case": "",
                "research_notes": "",
                "created_at": "2026-11-02T09:00:00Z",
            },
            response_only=True,
        ),
        OpenApiExample(
            "A new vision",
            value={"vision": "Every team decides in ten minutes."},
            request_only=True,
        ),
    ]
)
class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "slug", "vision", "business_case", "research_notes", "created_at"]
        read_only_fields = ["id", "name", "slug", "created_at"]


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "09:30:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the team's own time zone: no UTC offset, so not an RFC 3339 time."""


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A team",
            value={
                "id": 1,
                "product": 1,
                "name": "Falcons",
                "slug": "falcons",
                "timezone": "Europe/Paris",
                "daily_time": "09:30:00",
                "working_days": [1, 2, 3, 4, 5],
                "sprint_weeks": 2,
            },
            response_only=True,
        ),
    ]
)
class TeamSerializer(serializers.ModelSerializer):
    daily_time = LocalTimeField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "product",
            "name",
            "slug",
            "timezone",
            "daily_time",
            "working_days",
            "sprint_weeks",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A Product Owner",
            value={"id": 3, "user": 4, "username": "po", "product": 1, "team": 1, "role": "po"},
            response_only=True,
        ),
    ]
)
class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "product", "team", "role"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A column",
            value={
                "id": 2,
                "product": 1,
                "name": "In progress",
                "category": "in_progress",
                "position": 2,
                "wip_limit": 4,
            },
            response_only=True,
        ),
    ]
)
class StatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Status
        fields = ["id", "product", "name", "category", "position", "wip_limit"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A story moved",
            value={
                "id": 981,
                "created_at": "2026-11-20T10:12:03Z",
                "verb": "story.moved",
                "actor": 4,
                "actor_username": "po",
                "product": 1,
                "team": 1,
                "sprint_id": 7,
                "object_type": "story",
                "object_id": 42,
                "before": {"status": "To do"},
                "after": {"status": "In progress"},
            },
            response_only=True,
        ),
    ]
)
class EventSerializer(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = Event
        fields = [
            "id",
            "created_at",
            "verb",
            "actor",
            "actor_username",
            "product",
            "team",
            "sprint_id",
            "object_type",
            "object_id",
            "before",
            "after",
        ]
        read_only_fields = fields
