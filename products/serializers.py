from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import User, validate_timezone
from core import serializers as strict
from core.access import Role
from core.models import Event
from products.forms import WEEKDAYS
from products.models import (
    DEFAULT_TSHIRT_POINTS,
    ChecklistItem,
    ChecklistRule,
    Invitation,
    Membership,
    Product,
    Status,
    StatusCategory,
    Team,
)


class UserScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of an object in one of the requesting user's products: others are "not found"."""

    def __init__(self, *, product_path: str = "product", **kwargs: Any) -> None:
        self.product_path = product_path
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        assert queryset is not None  # every use of this field passes queryset=
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
class ProductSerializer(strict.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "vision",
            "business_case",
            "research_notes",
            "estimation_scale",
            "tshirt_points",
            "readiness_rule",
            "created_at",
            "archived_at",
            "version",
        ]
        read_only_fields = ["id", "created_at", "archived_at"]
        extra_kwargs = {
            "readiness_rule": {
                "help_text": "What the Definition of Ready holds back: `warn` lets a story "
                "that misses items be marked ready when confirmed, and planned with a warning; "
                "`enforce` refuses both. The PM and the POs set it."
            },
            "version": {
                "required": False,
                "help_text": "The version you edited: needed with the vision, business case "
                "or research notes; an older one is refused with 409.",
            },
        }

    def validate_tshirt_points(self, value: Any) -> dict[str, int]:
        if not isinstance(value, dict) or set(value) != set(DEFAULT_TSHIRT_POINTS):
            raise serializers.ValidationError(
                f"Give points for each size: {', '.join(DEFAULT_TSHIRT_POINTS)}."
            )
        try:
            return {size: int(value[size]) for size in DEFAULT_TSHIRT_POINTS}
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError("Points are whole numbers.") from exc


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
        "maxLength": 15,
        "example": "09:30:00",
    }
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
class TeamSerializer(strict.ModelSerializer):
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
class MembershipSerializer(strict.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "product", "team", "role"]
        read_only_fields = fields


class MembershipCreateSerializer(strict.Serializer):
    """A role for someone who has an account; invite the others (``/invitations/``)."""

    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)
    team = UserScopedRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)


class RoleSerializer(strict.Serializer):
    read_whole = True  # the PATCH names the new role (core.schema)
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Pending, sent twice",
            value={
                "id": 14,
                "product": 1,
                "team": 3,
                "role": "po",
                "email": "claire@example.com",
                "language": "fr",
                "state": "pending",
                "created_at": "2027-01-04T09:12:00Z",
                "expires_at": "2027-01-13T16:40:00Z",
                "accepted_at": None,
                "revoked_at": None,
                "sent_count": 2,
                "last_sent_at": "2027-01-06T16:40:00Z",
            },
            response_only=True,
        ),
    ]
)
class InvitationSerializer(strict.ModelSerializer):
    state = serializers.ChoiceField(
        choices=["pending", "accepted", "revoked", "expired"], read_only=True
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "product",
            "team",
            "role",
            "email",
            "language",
            "state",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "sent_count",
            "last_sent_at",
        ]
        read_only_fields = fields


class TeamWriteSerializer(strict.Serializer):
    """A team's settings, as the settings page's form takes them (products.forms.TeamForm)."""

    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60)
    timezone = serializers.CharField(
        max_length=64, validators=[validate_timezone], help_text="An IANA zone: Europe/Paris."
    )
    daily_time = LocalTimeField()
    working_days = serializers.MultipleChoiceField(choices=[d for d, _name in WEEKDAYS])
    sprint_weeks = serializers.IntegerField(min_value=2, max_value=4)

    def validate_working_days(self, value: set[int]) -> list[int]:
        if not value:
            raise serializers.ValidationError(_("Choose at least one working day."))
        return sorted(value)


class TeamCreateSerializer(TeamWriteSerializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    timezone = serializers.CharField(
        max_length=64, validators=[validate_timezone], default="Europe/Paris"
    )
    daily_time = LocalTimeField(default=dt.time(9, 30))
    working_days = serializers.MultipleChoiceField(
        choices=[d for d, _name in WEEKDAYS], default={1, 2, 3, 4, 5}
    )
    sprint_weeks = serializers.IntegerField(min_value=2, max_value=4, default=2)


class ArchiveSerializer(strict.Serializer):
    archived = serializers.BooleanField(
        help_text="true to archive (read-only, out of the navigation), false to restore."
    )


class ProductCreateSerializer(strict.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60)
    pm_email = serializers.EmailField(
        help_text="The first Product Manager: this account at once, else an invitation."
    )
    language = serializers.ChoiceField(choices=["", "en", "fr"], required=False, default="")


class InvitationCreateSerializer(strict.Serializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    team = UserScopedRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    language = serializers.ChoiceField(choices=["", "en", "fr"], required=False, default="")


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
class StatusSerializer(strict.ModelSerializer):
    class Meta:
        model = Status
        fields = ["id", "product", "name", "category", "position", "wip_limit"]
        read_only_fields = fields


class StatusWriteSerializer(strict.Serializer):
    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")
    name = serializers.CharField(max_length=60)
    category = serializers.ChoiceField(choices=StatusCategory.choices)
    wip_limit = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DirectionSerializer(strict.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"])


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Checked by Cadence",
            value={
                "id": 5,
                "product": 1,
                "kind": "ready",
                "text": "Is estimated",
                "rule": "is_estimated",
                "position": 2,
            },
            response_only=True,
        ),
        OpenApiExample(
            "Ticked by the team",
            value={
                "id": 9,
                "product": 1,
                "kind": "done",
                "text": "Code reviewed",
                "rule": "",
                "position": 2,
            },
            response_only=True,
        ),
    ]
)
class ChecklistItemSerializer(strict.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "product", "kind", "text", "rule", "position"]
        read_only_fields = ["id", "position"]

    product = UserScopedRelatedField(queryset=Product.objects.all(), product_path="pk")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Let Cadence check it",
            value={"text": "Has no open blocker", "rule": "no_open_blocker"},
            request_only=True,
        ),
    ]
)
class ChecklistItemUpdateSerializer(strict.Serializer):
    """A checklist item's text and automatic check; its product and list stay."""

    text = serializers.CharField(max_length=200, required=False)
    rule = serializers.ChoiceField(choices=ChecklistRule.choices, required=False, allow_blank=True)


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
class EventSerializer(strict.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", read_only=True, default=None)
    # The log keeps plain ids (core sits below products); the API names them as before.
    product = serializers.IntegerField(source="product_id", read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)

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
