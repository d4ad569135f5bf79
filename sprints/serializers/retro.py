"""The serializers of the retro endpoints (``sprints/api/retro.py``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema_serializer,
)
from rest_framework import serializers

from accounts.models import User
from core import serializers as strict
from core.fields import validate_day
from products.serializers import UserScopedRelatedField
from sprints.models import (
    Ceremony,
    CeremonyKind,
    RetroAction,
    RetroCard,
    RetroColumn,
    RetroVote,
)


def _retros() -> Any:
    return Ceremony.objects.filter(kind=CeremonyKind.RETROSPECTIVE)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Before the reveal",
            value={
                "id": 31,
                "ceremony": 12,
                "column": "improve",
                "text": "Reviews wait too long",
                "author": 4,
                "group": None,
                "created_at": "2027-01-15T14:12:40Z",
                "votes": None,
                "my_votes": 2,
            },
            response_only=True,
        ),
        OpenApiExample(
            "Revealed, grouped under card 30",
            value={
                "id": 31,
                "ceremony": 12,
                "column": "improve",
                "text": "PRs sit for two days",
                "author": 5,
                "group": 30,
                "created_at": "2027-01-15T14:13:02Z",
                "votes": 6,
                "my_votes": 1,
            },
            response_only=True,
        ),
    ]
)
class RetroCardSerializer(strict.ModelSerializer):
    ceremony = UserScopedRelatedField(queryset=_retros(), product_path="team__product")
    votes = serializers.SerializerMethodField(help_text="Everyone's dots; null until revealed.")
    my_votes = serializers.SerializerMethodField(help_text="Your dots on this card.")

    class Meta:
        model = RetroCard
        fields = [
            "id", "ceremony", "column", "text", "author", "group", "created_at", "votes",
            "my_votes",
        ]  # fmt: skip
        read_only_fields = ["author", "group", "created_at"]

    def get_votes(self, card: RetroCard) -> int | None:
        return getattr(card, "total", 0) if card.ceremony.votes_revealed else None

    def get_my_votes(self, card: RetroCard) -> int:
        return getattr(card, "mine", 0)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Reworded",
            value={"text": "Reviews wait two days on average"},
            request_only=True,
        )
    ]
)
class RetroCardUpdateSerializer(strict.Serializer):
    read_whole = True  # the PATCH gives the card's new text (core.schema)
    text = serializers.CharField(max_length=2000)
    column = serializers.ChoiceField(choices=RetroColumn.choices, required=False)


class GroupSerializer(strict.Serializer):
    under = UserScopedRelatedField(
        queryset=RetroCard.objects.all(),
        product_path="ceremony__team__product",
        allow_null=True,
        help_text="The card to group this one under; null: on its own again.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A dot",
            value={"id": 88, "card": 31, "created_at": "2027-01-15T14:40:11Z"},
            response_only=True,
        )
    ]
)
class RetroVoteSerializer(strict.ModelSerializer):
    card = UserScopedRelatedField(
        queryset=RetroCard.objects.all(), product_path="ceremony__team__product"
    )

    class Meta:
        model = RetroVote
        fields = ["id", "card", "created_at"]
        read_only_fields = ["created_at"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Owned, due next sprint",
            value={
                "id": 9,
                "ceremony": 12,
                "card": 31,
                "text": "Pair on reviews",
                "owner": 4,
                "due_date": "2027-01-29",
                "done": False,
                "done_at": None,
                "story": None,
                "created_by": 5,
                "created_at": "2027-01-15T15:20:00Z",
            },
            response_only=True,
        )
    ]
)
class RetroActionSerializer(strict.ModelSerializer):
    ceremony = UserScopedRelatedField(queryset=_retros(), product_path="team__product")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    card = UserScopedRelatedField(
        queryset=RetroCard.objects.all(),
        product_path="ceremony__team__product",
        allow_null=True,
        required=False,
    )
    done = serializers.SerializerMethodField()

    class Meta:
        model = RetroAction
        fields = [
            "id", "ceremony", "card", "text", "owner", "due_date", "done", "done_at", "story",
            "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["done_at", "story", "created_by", "created_at"]

    def get_done(self, action: RetroAction) -> bool:
        return action.done_at is not None


class RetroActionUpdateSerializer(strict.Serializer):
    text = serializers.CharField(max_length=2000, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    due_date = serializers.DateField(allow_null=True, required=False, validators=[validate_day])
    done = serializers.BooleanField(required=False)
