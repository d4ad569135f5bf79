"""A story's Definition of Done and the Product Owner's acceptance, for scripts: the
board card's and the review's buttons (``sprints.services.acceptance``), on the story's
own address (``/api/v1/stories/{id}/accept/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog.models import Story
from backlog.serializers import StorySerializer
from core import serializers as strict
from core.api import signed_in
from core.fields import TEXT_MAX_LENGTH
from products.api import user_products
from products.models import ChecklistItem
from products.serializers import UserScopedRelatedField
from sprints import services


class RejectSerializer(strict.Serializer):
    comment = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text="Why the story goes back: the team reads it."
    )


class DoneItemSerializer(strict.Serializer):
    item = UserScopedRelatedField(
        queryset=ChecklistItem.objects.all(),
        help_text="An item of the product's Definition of Done.",
    )
    done = serializers.BooleanField(help_text="true ticks the item, false unticks it.")


class StoryAcceptanceViewSet(viewsets.GenericViewSet):
    """Only actions on a story (its list and details are the backlog's viewset)."""

    serializer_class = StorySerializer

    def get_queryset(self) -> Any:
        return Story.objects.filter(product__in=user_products(self.request))

    def _fresh(self, story: Story) -> Response:
        return Response(StorySerializer(Story.objects.get(pk=story.pk)).data)

    @extend_schema(
        summary="Accept a done story (its team's Product Owner)",
        description="Refused unless the story is in a done column with every item of the "
        "Definition of Done ticked. Accepted, it counts as completed (velocity, reports).",
        request=None,
        responses={200: StorySerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        services.accept_story(actor=signed_in(request), story=story)
        return self._fresh(story)

    @extend_schema(
        summary="Send a done story back to the team, saying why (its team's Product Owner)",
        description="It goes to the top of its sprint's first to-do column; its Definition "
        "of Done ticks and any acceptance are cleared.",
        request=RejectSerializer,
        responses={200: StorySerializer},
        examples=[
            OpenApiExample(
                "Missing the export",
                value={"comment": "The CSV has no header row."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reject_story(
            actor=signed_in(request), story=story, comment=data.validated_data["comment"]
        )
        return self._fresh(story)

    @extend_schema(
        summary="Tick or untick an item of the story's Definition of Done (its team)",
        description="Refused once the story is accepted (send it back first).",
        request=DoneItemSerializer,
        responses={200: StorySerializer},
        examples=[OpenApiExample("Tick", value={"item": 4, "done": True}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="done-items")
    def done_items(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        data = DoneItemSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        item, done = data.validated_data["item"], data.validated_data["done"]
        if done:
            services.tick_done_item(actor=signed_in(request), story=story, item=item)
        else:
            services.untick_done_item(actor=signed_in(request), story=story, item=item)
        return self._fresh(story)


def register(router: BaseRouter) -> None:
    # Beside the backlog's "stories": only the three detail actions are routed here.
    router.register("stories", StoryAcceptanceViewSet, basename="story-acceptance")
