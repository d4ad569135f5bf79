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
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core.access import Capability
from core.api import query_choice, query_id, require_anywhere, signed_in
from products.api import user_products
from sprints import services
from sprints.models import EstimationRound, EstimationVote, RoundState
from sprints.serializers.estimation import (
    AgreeSerializer,
    RoundSerializer,
    VoteCreateSerializer,
    VoteSerializer,
)


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
        responses={201: RoundSerializer},
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
        for name in ("team", "story"):
            if (value := query_id(self.request, name)) is not None:
                rounds = rounds.filter(**{f"{name}_id": value})
        if state := query_choice(self.request, "state", RoundState.values):
            rounds = rounds.filter(state=state)
        return _with_votes(rounds).order_by("-opened_at", "-id")

    def _answer(self, round: EstimationRound, code: int = status.HTTP_200_OK) -> Response:
        fresh = _with_votes(EstimationRound.objects.filter(pk=round.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.SCHEDULE_CEREMONIES)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = services.open_round(actor=signed_in(request), **data.validated_data)
        return self._answer(round, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reveal the votes (the team's PO or Scrum Master)",
        request=None,
        responses={200: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(
            services.reveal_round(actor=signed_in(request), round=self.get_object())
        )

    @extend_schema(
        summary="Re-vote: close this round as cancelled and open a new one on the same story",
        request=None,
        responses={201: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def revote(self, request: Request, pk: str | None = None) -> Response:
        new = services.revote(actor=signed_in(request), round=self.get_object())
        return self._answer(new, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Agree on points: written to the story, the round closes",
        request=AgreeSerializer,
        responses={200: RoundSerializer},
        examples=[OpenApiExample("Five points", value={"points": 5}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def agree(self, request: Request, pk: str | None = None) -> Response:
        round = self.get_object()
        data = AgreeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = services.agree_round(
            actor=signed_in(request), round=round, points=data.validated_data["points"]
        )
        return self._answer(round)

    @extend_schema(
        summary="Cancel a live round (the team's PO or Scrum Master)",
        request=None,
        responses={200: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(
            services.cancel_round(actor=signed_in(request), round=self.get_object())
        )


@extend_schema_view(
    list=extend_schema(
        summary="Estimation votes (cards hidden until their round is revealed)",
        parameters=[OpenApiParameter("round", int)],
    ),
    create=extend_schema(
        summary="Vote a card, or change your vote while the round is voting (team members)",
        request=VoteCreateSerializer,
        responses={201: VoteSerializer},
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
        require_anywhere(request, Capability.ESTIMATE)
        data = VoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        vote = services.cast_vote(
            actor=signed_in(request),
            round=data.validated_data["round"],
            card=data.validated_data["card"],
        )
        vote = EstimationVote.objects.select_related("round", "voter").get(pk=vote.pk)
        return Response(self.get_serializer(vote).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("estimation-rounds", EstimationRoundViewSet, basename="estimation-round")
    router.register("estimation-votes", EstimationVoteViewSet, basename="estimation-vote")
