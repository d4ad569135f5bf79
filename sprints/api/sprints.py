"""Sprints and impediments, for scripts: the same services as the pages."""

from __future__ import annotations

from typing import Any

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

from backlog.api import NOT_READY
from backlog.models import Sprint, SprintState
from backlog.serializers import StorySerializer
from core.access import Capability
from core.api import query_choice, query_flag, query_id, require_anywhere, signed_in
from products.api import user_products
from sprints import services
from sprints.models import Impediment
from sprints.serializers.sprints import (
    CloseSerializer,
    ImpedimentSerializer,
    PlannedStorySerializer,
    ResolveSerializer,
    SprintSerializer,
    SprintStorySerializer,
    SprintUpdateSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Sprints",
        parameters=[OpenApiParameter("team", int), OpenApiParameter("state", str)],
    ),
    retrieve=extend_schema(summary="One sprint"),
    create=extend_schema(
        summary="Create a sprint of 14 to 28 days (Product Owner, Scrum Master)",
        responses={201: SprintSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename a sprint, change its goal or its dates (Product Owner, Scrum Master)",
        description="Not once closed. New dates move the sprint's future ceremonies and are "
        "refused when they overlap another sprint of the team.",
        request=SprintUpdateSerializer,
        responses={200: SprintSerializer},
        examples=[
            OpenApiExample(
                "One more week",
                value={"end_date": "2027-01-24"},
                request_only=True,
            )
        ],
    ),
)
class SprintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SprintSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        sprints = Sprint.objects.filter(team__product__in=user_products(self.request))
        if (team := query_id(self.request, "team")) is not None:
            sprints = sprints.filter(team_id=team)
        if state := query_choice(self.request, "state", SprintState.values):
            sprints = sprints.filter(state=state)
        return sprints.select_related("team").order_by("team_id", "start_date")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sprint = self.get_object()
        data = SprintUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = ("name", "goal", "start_date", "end_date")
        values = {f: data.validated_data.get(f, getattr(sprint, f)) for f in fields}
        sprint = services.update_sprint(actor=signed_in(request), sprint=sprint, **values)
        return Response(self.get_serializer(sprint).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.PLAN_SPRINTS)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        sprint = services.create_sprint(actor=signed_in(request), **data.validated_data)
        return Response(self.get_serializer(sprint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Start a planned sprint",
        request=None,
        responses={200: SprintSerializer},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        sprint = services.start_sprint(actor=signed_in(request), sprint=self.get_object())
        return Response(self.get_serializer(sprint).data)

    @extend_schema(
        summary="Close the active sprint",
        description="Unfinished stories go to the top of the backlog in their order, or into "
        "`carry_over_to`. Completed points count the stories the Product Owner accepted; "
        "each story in a done column not accepted yet needs a choice in `unaccepted`.",
        request=CloseSerializer,
        responses={200: SprintSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        sprint = self.get_object()
        data = CloseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        sprint = services.close_sprint(
            actor=signed_in(request), sprint=sprint, **data.validated_data
        )
        return Response(self.get_serializer(sprint).data)

    @extend_schema(
        summary="Add a backlog story to the sprint",
        description="As the planning page: a story not marked ready, or not estimated, goes "
        "in with its `warnings`; when the product enforces its Definition of Ready, one not "
        "marked ready is refused with 400 and the items it `missing`.",
        request=SprintStorySerializer,
        responses={200: PlannedStorySerializer, 400: NOT_READY},
    )
    @action(detail=True, methods=["post"], url_path="add-story")
    def add_story(self, request: Request, pk: str | None = None) -> Response:
        sprint = self.get_object()
        data = SprintStorySerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        story = services.plan_story(
            actor=signed_in(request), story=data.validated_data["story"], sprint=sprint
        )
        return Response(PlannedStorySerializer(story).data)

    @extend_schema(
        summary="Take a story out of the sprint",
        request=SprintStorySerializer,
        responses={200: StorySerializer},
    )
    @action(detail=True, methods=["post"], url_path="remove-story")
    def remove_story(self, request: Request, pk: str | None = None) -> Response:
        sprint = self.get_object()
        data = SprintStorySerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        story = data.validated_data["story"]
        if story.sprint_id != sprint.pk:
            return Response(
                {"story": ["This story is not in this sprint."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        story = services.remove_story_from_sprint(actor=signed_in(request), story=story)
        return Response(StorySerializer(story).data)


@extend_schema_view(
    list=extend_schema(
        summary="Impediments",
        parameters=[OpenApiParameter("open", bool), OpenApiParameter("team", int)],
    ),
    retrieve=extend_schema(summary="One impediment"),
    create=extend_schema(
        summary="Flag a story, or the whole team, as blocked (the team's members)",
        responses={201: ImpedimentSerializer},
        examples=[
            OpenApiExample("A blocked story", value={"story": 42, "reason": "No API keys"}),
            OpenApiExample("A blocked team", value={"team": 3, "reason": "The CI is down"}),
        ],
    ),
)
class ImpedimentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ImpedimentSerializer

    def get_queryset(self) -> Any:
        impediments = Impediment.objects.filter(team__product__in=user_products(self.request))
        if query_flag(self.request, "open"):
            impediments = impediments.filter(resolved_at__isnull=True)
        if (team := query_id(self.request, "team")) is not None:
            impediments = impediments.filter(team_id=team)
        return impediments.order_by("-opened_at", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.MOVE_CARDS)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        impediment = services.flag_impediment(
            actor=signed_in(request),
            story=data.validated_data["story"],
            team=data.validated_data["team"],
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(impediment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Resolve an impediment (its team)",
        request=ResolveSerializer,
        responses={200: ImpedimentSerializer},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        impediment = self.get_object()
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        impediment = services.resolve_impediment(
            actor=signed_in(request), impediment=impediment, note=data.validated_data["note"]
        )
        return Response(self.get_serializer(impediment).data)


def register(router: BaseRouter) -> None:
    router.register("sprints", SprintViewSet, basename="sprint")
    router.register("impediments", ImpedimentViewSet, basename="impediment")
