"""Planning poker for scripts: rounds (open, reveal, re-vote, agree, cancel) and votes,
through the same services as the refinement page.

A vote's card stays hidden until its round is revealed: before that, the API says who
voted and when, never what.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog.models import Story
from ceremonies import services
from ceremonies.models import Ceremony, EstimationRound, EstimationVote
from config.schema import REFUSALS
from products.api import query_id, user_products
from products.models import Team
from products.serializers import UserScopedRelatedField


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
class VoteSerializer(serializers.ModelSerializer):
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


class VoteCreateSerializer(serializers.Serializer):
    round = UserScopedRelatedField(
        queryset=EstimationRound.objects.all(), product_path="team__product"
    )
    card = serializers.CharField(max_length=8, help_text="A card of the product's deck.")


class RevealedVoteSerializer(serializers.Serializer):
    voter = serializers.IntegerField(source="voter_id")
    voter_name = serializers.CharField(source="voter.display_name")
    card = serializers.CharField()
    points = serializers.IntegerField(allow_null=True, help_text="Null for ? and coffee.")


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


class VoterSerializer(serializers.Serializer):
    voter = serializers.IntegerField(source="voter_id")
    voter_name = serializers.CharField(source="voter.display_name")
    voted_at = serializers.DateTimeField()


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
            "Voting: who voted, not what",
            value=ROUND | {"state": "voting", "revealed_at": None, "votes": None},
            response_only=True,
        ),
        OpenApiExample("Revealed", value=ROUND, response_only=True),
    ]
)
class RoundSerializer(serializers.ModelSerializer):
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
        return VoterSerializer(round.votes.all(), many=True).data

    @extend_schema_field(RevealedVoteSerializer(many=True, allow_null=True))
    def get_votes(self, round: EstimationRound) -> list[dict[str, Any]] | None:
        """Every vote with its card once revealed; null before."""
        if round.revealed_at is None:
            return None
        return RevealedVoteSerializer(round.votes.all(), many=True).data


class AgreeSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=0, help_text="Points on the product's deck.")


def _rounds(request: Request) -> Any:
    return EstimationRound.objects.filter(team__product__in=user_products(request))


def _with_votes(rounds: Any) -> Any:
    votes = EstimationVote.objects.select_related("voter").order_by("voted_at", "id")
    return rounds.select_related("team__product").prefetch_related(
        Prefetch("votes", queryset=votes)
    )


@extend_schema_view(
    list=extend_schema(
        summary="Estimation rounds",
        parameters=[
            OpenApiParameter("team", int),
            OpenApiParameter("story", int),
            OpenApiParameter("state", str, enum=["voting", "revealed", "agreed", "cancelled"]),
        ],
    ),
    retrieve=extend_schema(summary="One estimation round (votes hidden until revealed)"),
    create=extend_schema(
        summary="Open a planning-poker round on a story (the team's PO or Scrum Master)",
        description="One live round per team: opening a second one answers 400.",
        responses={201: RoundSerializer, **REFUSALS},
        examples=[
            OpenApiExample("On a story", value={"team": 1, "story": 42}, request_only=True),
            OpenApiExample(
                "In a refinement",
                value={"team": 1, "story": 42, "ceremony": 7},
                request_only=True,
            ),
        ],
    ),
)
class EstimationRoundViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoundSerializer

    def get_queryset(self) -> Any:
        rounds = _rounds(self.request)
        params = self.request.query_params
        for name in ("team", "story"):
            if (value := query_id(self.request, name)) is not None:
                rounds = rounds.filter(**{f"{name}_id": value})
        if params.get("state"):
            rounds = rounds.filter(state=params["state"])
        return _with_votes(rounds).order_by("-opened_at", "-id")

    def _answer(self, round: EstimationRound, code: int = status.HTTP_200_OK) -> Response:
        fresh = _with_votes(EstimationRound.objects.filter(pk=round.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = services.open_round(actor=request.user, **data.validated_data)
        return self._answer(round, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reveal the votes (the team's PO or Scrum Master)",
        request=None,
        responses={200: RoundSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.reveal_round(actor=request.user, round=self.get_object()))

    @extend_schema(
        summary="Re-vote: close this round as cancelled and open a new one on the same story",
        request=None,
        responses={201: RoundSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def revote(self, request: Request, pk: str | None = None) -> Response:
        new = services.revote(actor=request.user, round=self.get_object())
        return self._answer(new, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Agree on points: written to the story, the round closes",
        request=AgreeSerializer,
        responses={200: RoundSerializer, **REFUSALS},
        examples=[OpenApiExample("Five points", value={"points": 5}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def agree(self, request: Request, pk: str | None = None) -> Response:
        round = self.get_object()
        data = AgreeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = services.agree_round(
            actor=request.user, round=round, points=data.validated_data["points"]
        )
        return self._answer(round)

    @extend_schema(
        summary="Cancel a live round (the team's PO or Scrum Master)",
        request=None,
        responses={200: RoundSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.cancel_round(actor=request.user, round=self.get_object()))


@extend_schema_view(
    list=extend_schema(
        summary="Estimation votes (cards hidden until their round is revealed)",
        parameters=[OpenApiParameter("round", int)],
    ),
    create=extend_schema(
        summary="Vote a card, or change your vote while the round is voting (team members)",
        request=VoteCreateSerializer,
        responses={201: VoteSerializer, **REFUSALS},
        examples=[
            OpenApiExample("Five", value={"round": 3, "card": "5"}, request_only=True),
            OpenApiExample("T-shirt size", value={"round": 3, "card": "M"}, request_only=True),
        ],
    ),
)
class EstimationVoteViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VoteSerializer

    def get_queryset(self) -> Any:
        votes = EstimationVote.objects.filter(round__in=_rounds(self.request))
        if (round := query_id(self.request, "round")) is not None:
            votes = votes.filter(round_id=round)
        return votes.select_related("round", "voter").order_by("round_id", "voted_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = VoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        vote = services.cast_vote(
            actor=request.user,
            round=data.validated_data["round"],
            card=data.validated_data["card"],
        )
        vote = EstimationVote.objects.select_related("round", "voter").get(pk=vote.pk)
        return Response(self.get_serializer(vote).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("estimation-rounds", EstimationRoundViewSet, basename="estimation-round")
    router.register("estimation-votes", EstimationVoteViewSet, basename="estimation-vote")
