"""Retrospective cards, dot votes and action items, for scripts: the same services as the
page. Before the facilitator reveals the votes a card's ``votes`` is null: each member sees
only their own dots (``my_votes``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
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

from backlog.serializers import StorySerializer
from core.access import Capability
from core.api import query_id, require_anywhere, signed_in
from products.api import user_products
from sprints import services
from sprints.models import RetroAction, RetroCard, RetroVote
from sprints.serializers.retro import (
    GroupSerializer,
    RetroActionSerializer,
    RetroActionUpdateSerializer,
    RetroCardSerializer,
    RetroCardUpdateSerializer,
    RetroVoteSerializer,
)

CEREMONY_FILTER = OpenApiParameter("ceremony", int, description="Only this retrospective's.")


def _by_ceremony(request: Request, queryset: Any) -> Any:
    if (ceremony := query_id(request, "ceremony")) is not None:
        queryset = queryset.filter(ceremony_id=ceremony)
    return queryset


# Serializers


# Viewsets


@extend_schema_view(
    list=extend_schema(summary="Retrospective cards", parameters=[CEREMONY_FILTER]),
    retrieve=extend_schema(summary="One retrospective card"),
    create=extend_schema(
        summary="Add a card (the team's members)",
        responses={201: RetroCardSerializer},
        examples=[
            OpenApiExample(
                "To improve",
                value={"ceremony": 12, "column": "improve", "text": "Reviews wait too long"},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit your card",
        request=RetroCardUpdateSerializer,
        responses={200: RetroCardSerializer},
    ),
    destroy=extend_schema(
        summary="Delete a card (its author, the PO or the Scrum Master)",
        responses={204: None},
    ),
)
class RetroCardViewSet(viewsets.ModelViewSet):
    serializer_class = RetroCardSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no user
            return RetroCard.objects.none()
        cards = RetroCard.objects.filter(ceremony__team__product__in=user_products(self.request))
        cards = _by_ceremony(self.request, cards)
        return (
            cards.select_related("ceremony__team")
            .annotate(
                total=Count("votes"),
                mine=Count("votes", filter=Q(votes__voter=signed_in(self.request))),
            )
            .order_by("ceremony_id", "created_at", "id")
        )

    def _fresh(self, card: RetroCard) -> dict[str, Any]:
        # get_serializer's type is the base serializer, whose data is untyped.
        data: dict[str, Any] = self.get_serializer(self.get_queryset().get(pk=card.pk)).data
        return data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.WRITE_DAILY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        card = services.add_retro_card(
            actor=signed_in(request),
            ceremony=values["ceremony"],
            column=values["column"],
            text=values["text"],
        )
        return Response(self._fresh(card), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        card = self.get_object()
        data = RetroCardUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = services.edit_retro_card(actor=signed_in(request), card=card, **data.validated_data)
        return Response(self._fresh(card))

    def perform_destroy(self, instance: RetroCard) -> None:
        services.delete_retro_card(actor=signed_in(self.request), card=instance)

    @extend_schema(
        summary="Group the card under another, or put it on its own again (the team)",
        request=GroupSerializer,
        responses={200: RetroCardSerializer},
        examples=[OpenApiExample("Under card 7", value={"under": 7}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def group(self, request: Request, pk: str | None = None) -> Response:
        card = self.get_object()
        data = GroupSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        card = services.group_retro_card(
            actor=signed_in(request), card=card, under=data.validated_data["under"]
        )
        return Response(self._fresh(card))


@extend_schema_view(
    list=extend_schema(summary="Your dots", parameters=[CEREMONY_FILTER]),
    create=extend_schema(
        summary="Put one of your dots on a card (the team's members)",
        description="Refused with 400 once you have used the retrospective's dots per member.",
        responses={201: RetroVoteSerializer},
        examples=[OpenApiExample("A dot", value={"card": 31}, request_only=True)],
    ),
    destroy=extend_schema(summary="Take a dot back", responses={204: None}),
)
class RetroVoteViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Only your own dots: before the reveal nobody sees where the others put theirs."""

    serializer_class = RetroVoteSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no user
            return RetroVote.objects.none()
        votes = RetroVote.objects.filter(
            voter=signed_in(self.request),
            card__ceremony__team__product__in=user_products(self.request),
        )
        if (ceremony := query_id(self.request, "ceremony")) is not None:
            votes = votes.filter(card__ceremony_id=ceremony)
        return votes.order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.WRITE_DAILY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote = services.vote_retro_card(actor=signed_in(request), card=data.validated_data["card"])
        return Response(self.get_serializer(vote).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: RetroVote) -> None:
        services.unvote_retro_card(actor=signed_in(self.request), card=instance.card, vote=instance)


@extend_schema_view(
    list=extend_schema(summary="Retrospective actions", parameters=[CEREMONY_FILTER]),
    retrieve=extend_schema(summary="One retrospective action"),
    create=extend_schema(
        summary="Add an action (the team's members)",
        responses={201: RetroActionSerializer},
        examples=[
            OpenApiExample(
                "With an owner and a due date",
                value={
                    "ceremony": 12,
                    "text": "Pair on reviews",
                    "owner": 4,
                    "due_date": "2026-12-04",
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit an action, or tick it done (the team's members)",
        request=RetroActionUpdateSerializer,
        responses={200: RetroActionSerializer},
        examples=[OpenApiExample("Done", value={"done": True}, request_only=True)],
    ),
    destroy=extend_schema(summary="Delete an action (the team's members)", responses={204: None}),
)
class RetroActionViewSet(viewsets.ModelViewSet):
    serializer_class = RetroActionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        actions = RetroAction.objects.filter(
            ceremony__team__product__in=user_products(self.request)
        )
        return (
            _by_ceremony(self.request, actions)
            .select_related("ceremony__team")
            .order_by("ceremony_id", "created_at", "id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.WRITE_DAILY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        action = services.add_retro_action(actor=signed_in(request), **values)
        return Response(self.get_serializer(action).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        data = RetroActionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        done = values.pop("done", None)
        if values:
            action = services.edit_retro_action(
                actor=signed_in(request),
                action=action,
                text=values.get("text", action.text),
                owner=values.get("owner", action.owner),
                due_date=values.get("due_date", action.due_date),
            )
        if done is not None:
            action = services.set_retro_action_done(
                actor=signed_in(request), action=action, done=done
            )
        return Response(self.get_serializer(action).data)

    def perform_destroy(self, instance: RetroAction) -> None:
        services.delete_retro_action(actor=signed_in(self.request), action=instance)

    @extend_schema(
        summary="Turn the action into a backlog story (the team's Product Owner)",
        description="The story goes to the bottom of the product backlog, for the team; its "
        "description links back to the retrospective, and the action's `story` to it. "
        "Refused with 400 when the action is a story already.",
        request=None,
        responses={201: StorySerializer},
    )
    @action(detail=True, methods=["post"])
    def story(self, request: Request, pk: str | None = None) -> Response:
        story = services.convert_action_to_story(actor=signed_in(request), action=self.get_object())
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("retro-cards", RetroCardViewSet, basename="retro-card")
    router.register("retro-votes", RetroVoteViewSet, basename="retro-vote")
    router.register("retro-actions", RetroActionViewSet, basename="retro-action")
