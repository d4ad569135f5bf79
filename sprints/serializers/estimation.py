"""The serializers of the estimation endpoints (``sprints/api/estimation.py``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from backlog.models import Story
from core import serializers as strict
from products.models import Team
from products.serializers import UserScopedRelatedField
from sprints.models import Ceremony, EstimationRound, EstimationVote

# A deck is a list of [label, points] pairs; points are null for "?" and "coffee".
DECK = {
    "type": "array",
    "description": "The product's cards as [label, points] pairs; points are null for the "
    'cards that carry none ("?", "coffee").',
    "items": {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "items": {"anyOf": [{"type": "string"}, {"type": "integer", "nullable": True}]},
    },
    "example": [["1", 1], ["2", 2], ["3", 3], ["5", 5], ["8", 8], ["?", None]],
}


ROUND = {
    "id": 3,
    "team": 1,
    "ceremony": 7,
    "story": 42,
    "state": "revealed",
    "opened_by": 5,
    "opened_at": "2027-01-13T10:02:00Z",
    "revealed_at": "2027-01-13T10:06:30Z",
    "closed_at": None,
    "agreed_points": None,
    "deck": [["1", 1], ["2", 2], ["3", 3], ["5", 5], ["8", 8], ["13", 13], ["?", None]],
    "voters": [
        {"voter": 4, "voter_name": "Amira Haddad", "voted_at": "2027-01-13T10:04:52Z"},
        {"voter": 6, "voter_name": "Tom Berger", "voted_at": "2027-01-13T10:05:40Z"},
    ],
    "votes": [
        {"voter": 4, "voter_name": "Amira Haddad", "card": "5", "points": 5},
        {"voter": 6, "voter_name": "Tom Berger", "card": "8", "points": 8},
    ],
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Hidden until the reveal",
            value={
                "id": 21,
                "round": 3,
                "voter": 4,
                "voter_name": "Amira Haddad",
                "card": None,
                "points": None,
                "voted_at": "2027-01-13T10:04:52Z",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Revealed",
            value={
                "id": 21,
                "round": 3,
                "voter": 4,
                "voter_name": "Amira Haddad",
                "card": "5",
                "points": 5,
                "voted_at": "2027-01-13T10:04:52Z",
            },
            response_only=True,
        ),
    ]
)
class VoteSerializer(strict.ModelSerializer):
    """A vote; ``card`` and ``points`` are null until the round is revealed."""

    voter_name = serializers.CharField(source="voter.display_name", read_only=True)
    card = serializers.CharField(
        read_only=True, allow_null=True, help_text="The card voted; null until the reveal."
    )

    class Meta:
        model = EstimationVote
        fields = ["id", "round", "voter", "voter_name", "card", "points", "voted_at"]
        read_only_fields = fields

    def to_representation(self, instance: EstimationVote) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.round.revealed_at is None:
            data["card"] = data["points"] = None
        return data


class VoteCreateSerializer(strict.Serializer):
    round = UserScopedRelatedField(
        queryset=EstimationRound.objects.all(), product_path="team__product"
    )
    card = serializers.CharField(max_length=8, help_text="A card of the product's deck.")


class RevealedVoteSerializer(strict.Serializer):
    voter = serializers.IntegerField(source="voter_id")
    voter_name = serializers.CharField(source="voter.display_name")
    card = serializers.CharField()
    points = serializers.IntegerField(allow_null=True, help_text="Null for ? and coffee.")


class VoterSerializer(strict.Serializer):
    voter = serializers.IntegerField(source="voter_id")
    voter_name = serializers.CharField(source="voter.display_name")
    voted_at = serializers.DateTimeField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Voting: who voted, not what",
            value=ROUND | {"state": "voting", "revealed_at": None, "votes": None},
            response_only=True,
        ),
        OpenApiExample("Revealed", value=ROUND, response_only=True),
    ]
)
class RoundSerializer(strict.ModelSerializer):
    team = UserScopedRelatedField(queryset=Team.objects.all())
    story = UserScopedRelatedField(queryset=Story.objects.all())
    ceremony = UserScopedRelatedField(
        queryset=Ceremony.objects.all(),
        product_path="team__product",
        allow_null=True,
        required=False,
        help_text="A refinement or planning of the same team, to attach the round to.",
    )
    deck = serializers.SerializerMethodField()
    voters = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()

    class Meta:
        model = EstimationRound
        fields = [
            "id", "team", "ceremony", "story", "state", "opened_by", "opened_at",
            "revealed_at", "closed_at", "agreed_points", "deck", "voters", "votes",
        ]  # fmt: skip
        read_only_fields = [
            "state", "opened_by", "opened_at", "revealed_at", "closed_at", "agreed_points",
        ]  # fmt: skip

    @extend_schema_field(DECK)
    def get_deck(self, round: EstimationRound) -> list[list[Any]]:
        return [[label, points] for label, points in round.team.product.estimation_cards()]

    @extend_schema_field(VoterSerializer(many=True))
    def get_voters(self, round: EstimationRound) -> list[dict[str, Any]]:
        # What many=True builds, spelled out: the stubs type a many=True serializer's data
        # as one object's.
        return serializers.ListSerializer(round.votes.all(), child=VoterSerializer()).data

    @extend_schema_field(RevealedVoteSerializer(many=True, allow_null=True))
    def get_votes(self, round: EstimationRound) -> list[dict[str, Any]] | None:
        """Every vote with its card once revealed; null before."""
        if round.revealed_at is None:
            return None
        return serializers.ListSerializer(round.votes.all(), child=RevealedVoteSerializer()).data


class AgreeSerializer(strict.Serializer):
    points = serializers.IntegerField(min_value=0, help_text="Points on the product's deck.")
