from __future__ import annotations

from typing import Any

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


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "slug", "vision", "business_case", "research_notes", "created_at"]
        read_only_fields = ["id", "name", "slug", "created_at"]


class TeamSerializer(serializers.ModelSerializer):
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


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "product", "team", "role"]
        read_only_fields = fields


class StatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Status
        fields = ["id", "product", "name", "category", "position", "wip_limit"]
        read_only_fields = fields


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
